/**
 * DeleteRecords (key 21, v0-2): moves each partition's log start offset (low watermark) up to
 * the given offset (-1: the high watermark); records below it can no longer be fetched
 * (OFFSET_OUT_OF_RANGE) and segments wholly below it are deleted. An offset below the current
 * log start offset changes nothing. Answers the new low watermark.
 * In a cluster only the partition's leader deletes (elsewhere NOT_LEADER_OR_FOLLOWER); its
 * followers learn the new log start offset from its Fetch responses, and the answer waits up
 * to `timeout_ms` until they all have it: the low watermark is the minimum over the replicas
 * (REQUEST_TIMED_OUT if one lags; Kafka DelayedDeleteRecords).
 * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE (above the high
 * watermark, or below -1), POLICY_VIOLATION (cleanup.policy=compact without delete),
 * NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT.
 * Source: protocol guide "DeleteRecords"; KIP-107; Kafka ReplicaManager.deleteRecords.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { DeleteRecordsRequest } from '../protocol/generated/delete-records-request.js';
import type { DeleteRecordsResponse } from '../protocol/generated/delete-records-response.js';
import { groupPermitted, topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';

type PartitionResult = DeleteRecordsResponse['topics'][number]['partitions'][number];

export const deleteRecordsHandler: ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx) {
    const { broker, logger } = ctx;
    const topics = await Promise.all(request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map(async (p): Promise<PartitionResult> => {
        try {
          if (!topicPermitted(ctx, AclOperation.DELETE, t.name)) throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized to delete records of ${t.name}`);
          // Only the leader deletes, then waits for its followers (DelayedDeleteRecords).
          return { partitionIndex: p.partitionIndex, ...(await broker.replicas.deleteRecords(t.name, p.partitionIndex, p.offset, request.timeoutMs)) };
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          logger.debug({ topic: t.name, partition: p.partitionIndex, err: err.message }, 'delete records refused');
          return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: err.code };
        }
      })),
    })));
    return { response: { throttleTimeMs: 0, topics } };
  },
};
