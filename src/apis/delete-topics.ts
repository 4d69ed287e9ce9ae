/**
 * DeleteTopics (key 20, v0-6): deletes topics by name (v0-5 TopicNames, v6 Topics by name
 * or id). Errors per topic: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID,
 * INVALID_TOPIC_EXCEPTION.
 * Source: protocol guide "DeleteTopics"; KIP-516 (v6 topic ids).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import type { ApiHandler } from './api.js';

type Result = DeleteTopicsResponse['responses'][number];

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  handle(request, { broker, apiVersion }) {
    const wanted: Array<{ name: string | null; topicId: string }> =
      apiVersion >= 6 ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses = wanted.map(({ name, topicId }): Result => {
      const result: Result = { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null };
      try {
        const topic = name !== null ? broker.logs.topic(name) : broker.logs.topicById(topicId);
        if (!topic) {
          throw name !== null
            ? new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`)
            : new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `topic id ${topicId} does not exist`);
        }
        result.name = topic.name;
        result.topicId = topic.topicId;
        broker.logs.deleteTopic(topic.name);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        result.errorCode = err.code;
        result.errorMessage = err.message;
      }
      return result;
    });
    return { response: { throttleTimeMs: 0, responses } };
  },
};
