/**
 * DeleteTopics (key 20, v0-6): deletes topics by name (v0-5 TopicNames, v6 Topics by name
 * or id). Errors per topic: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID,
 * INVALID_TOPIC_EXCEPTION.
 * Source: protocol guide "DeleteTopics"; KIP-516 (v6 topic ids).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import type { DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';

type Result = DeleteTopicsResponse['responses'][number];

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  async handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const wanted: Array<{ name: string | null; topicId: string }> =
      apiVersion >= 6 ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses = await Promise.all(wanted.map(async ({ name, topicId }): Promise<Result> => {
      const result: Result = { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null };
      try {
        // DELETE on the topic, checked before existence when it is named.
        const deny = (topic: string) => new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized to delete topic "${topic}"`);
        if (name !== null && !topicPermitted(ctx, AclOperation.DELETE, name)) throw deny(name);
        const topic = name !== null ? broker.metadata.topic(name) : broker.metadata.topicById(topicId);
        if (!topic) {
          throw name !== null
            ? new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`)
            : new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `topic id ${topicId} does not exist`);
        }
        if (name === null && !topicPermitted(ctx, AclOperation.DELETE, topic.name)) throw deny(topic.name);
        result.name = topic.name;
        result.topicId = topic.topicId;
        await broker.topicAdmin.deleteTopic(topic.name);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        result.errorCode = err.code;
        result.errorMessage = err.message;
      }
      return result;
    }));
    return { response: { throttleTimeMs: 0, responses } };
  },
};
