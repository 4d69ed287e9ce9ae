/**
 * DescribeProducers (key 61, v0; KIP-664): the active producers of each partition this broker
 * leads — producer id and epoch, the last sequence and timestamp it wrote, and the first
 * offset of its ongoing transaction (-1 when none) — from the partition's producer state.
 * The coordinator epoch of the producer's last marker is not kept: -1.
 * Authorization: READ on the topic (TOPIC_AUTHORIZATION_FAILED).
 * Errors per partition: NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION.
 * Source: protocol guide "DescribeProducers"; KIP-664.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { DescribeProducersRequest } from '../protocol/generated/describe-producers-request.js';
import { type DescribeProducersResponse, createDescribeProducersResponse } from '../protocol/generated/describe-producers-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { topicPermitted } from './authorize.js';

type PartitionResponse = DescribeProducersResponse['topics'][number]['partitions'][number];

export const describeProducersHandler: ApiHandler<DescribeProducersRequest, DescribeProducersResponse> = {
  apiKey: 61,
  name: 'DescribeProducers',
  minVersion: 0,
  maxVersion: 0,
  handle(request, ctx) {
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex): PartitionResponse => {
        const failed = (errorCode: number, errorMessage: string | null) => ({ partitionIndex, errorCode, errorMessage, activeProducers: [] });
        if (!topicPermitted(ctx, AclOperation.READ, t.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized to read topic "${t.name}"`);
        try {
          const log = ctx.broker.replicas.leaderLog(t.name, partitionIndex);
          const activeProducers = [...log.producerState.entries()].map((e) => ({
            producerId: e.producerId,
            producerEpoch: e.epoch,
            lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
            lastTimestamp: e.lastTimestamp,
            coordinatorEpoch: -1,
            currentTxnStartOffset: e.currentTxnFirstOffset ?? -1,
          }));
          return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
        } catch (err) {
          if (err instanceof KafkaError) return failed(err.code, err.message);
          throw err;
        }
      }),
    }));
    return { response: createDescribeProducersResponse({ topics }) };
  },
};
