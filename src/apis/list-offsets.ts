/**
 * ListOffsets (key 2, v0-10): offsets by timestamp. Special timestamps (KIP-734, KIP-405):
 *   -1 LATEST → high watermark (= log end offset here; with isolation_level 1, read_committed,
 *   v2+: the last stable offset, KIP-98), -2 EARLIEST → log start offset,
 *   -3 MAX_TIMESTAMP → the record with the largest timestamp, -4 EARLIEST_LOCAL → log start
 *   offset, -5 LATEST_TIERED → -1 (no tiered storage);
 *   t >= 0 → the first record with timestamp >= t, or offset -1 if there is none.
 * v0 answers in OldStyleOffsets (one offset). Errors per partition: UNKNOWN_TOPIC_OR_PARTITION.
 * Source: protocol guide "ListOffsets"; Kafka Log.fetchOffsetByTimestamp.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { ListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import type { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import type { PartitionLog } from '../storage/log.js';
import { groupPermitted, topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;

/** { offset, timestamp } answering `timestamp` on `log`; offset -1 when there is none. */
export function offsetForTimestamp(log: PartitionLog, timestamp: number, readCommitted = false): { offset: number; timestamp: number } {
  switch (timestamp) {
    case LATEST_TIMESTAMP:
      return { offset: readCommitted ? log.lastStableOffset : log.highWatermark, timestamp: -1 };
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
      return { offset: log.logStartOffset, timestamp: -1 };
    case MAX_TIMESTAMP:
      return log.offsetOfMaxTimestamp() ?? { offset: -1, timestamp: -1 };
    case LATEST_TIERED_TIMESTAMP:
      return { offset: -1, timestamp: -1 };
    default:
      return log.offsetForTimestamp(timestamp) ?? { offset: -1, timestamp: -1 };
  }
}

type PartitionResponse = ListOffsetsResponse['topics'][number]['partitions'][number];

export const listOffsetsHandler: ApiHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 10,
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): PartitionResponse => {
        if (!topicPermitted(ctx, AclOperation.DESCRIBE, t.name)) {
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
        }
        let log;
        try {
          log = broker.replicas.leaderLog(t.name, p.partitionIndex);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return { partitionIndex: p.partitionIndex, errorCode: err.code, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
        }
        const found = offsetForTimestamp(log, p.timestamp, apiVersion >= 2 && request.isolationLevel === 1);
        return {
          partitionIndex: p.partitionIndex,
          errorCode: ErrorCode.NONE,
          oldStyleOffsets: apiVersion === 0 && found.offset >= 0 ? [found.offset] : [],
          timestamp: found.timestamp,
          offset: found.offset,
          leaderEpoch: broker.replicas.replica(t.name, p.partitionIndex)?.leaderEpoch ?? 0,
        };
      }),
    }));
    return { response: { throttleTimeMs: 0, topics } };
  },
};
