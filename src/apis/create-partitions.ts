/**
 * CreatePartitions (key 37, v0-3): grows topics to `count` partitions (never shrinks). The
 * new partitions are assigned across the live brokers, continuing Kafka's rotation, or as
 * the request's assignments say (live brokers, the topic's replication factor).
 * Errors per topic: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS, INVALID_REPLICA_ASSIGNMENT,
 * INVALID_REQUEST (a topic named twice), REQUEST_TIMED_OUT.
 * Source: protocol guide "CreatePartitions"; KIP-195.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { type CreatePartitionsResponse, createCreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  async handle(request, ctx) {
    const { broker } = ctx;
    const seen = new Map<string, number>();
    for (const t of request.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const results = await Promise.all(
      request.topics.map(async (t) => {
        try {
          if (!topicPermitted(ctx, AclOperation.ALTER, t.name)) throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized to alter topic "${t.name}"`);
          if (seen.get(t.name)! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, `topic "${t.name}" appears more than once in the request`);
          const assignment = t.assignments?.map((a) => [...a.brokerIds]) ?? null;
          await broker.topicAdmin.createPartitions(t.name, t.count, assignment, request.validateOnly, request.timeoutMs);
          return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return { name: t.name, errorCode: err.code, errorMessage: err.message };
        }
      }),
    );
    return { response: createCreatePartitionsResponse({ results }) };
  },
};
