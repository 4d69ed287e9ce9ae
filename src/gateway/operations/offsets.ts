/**
 * `listOffsets`, and the resolution of special offsets shared by fetch, subscribe and seek.
 * Timestamps as Kafka's ListOffsets: -1 latest (high watermark), -2 earliest (log start
 * offset), -3 the record with the largest timestamp (KIP-734), t >= 0 the first record with
 * timestamp >= t (offset -1 if none). Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER
 * (cluster mode: another broker leads the partition).
 * Source: protocol guide "ListOffsets" (apis/list-offsets.ts).
 */
import { offsetForTimestamp } from '../../apis/list-offsets.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { PartitionLog } from '../../storage/log.js';
import { intField, topicField } from '../fields.js';
import { type Operation, requirePermission } from '../operation.js';
import { AclOperation, topicResource } from '../../security/authorizer.js';
import { EARLIEST_OFFSET, LATEST_OFFSET } from '../protocol.js';

const INT32_MAX = 0x7fffffff;

/**
 * An offset for reading: -1 → high watermark, -2 → log start offset, else itself if in
 * [logStartOffset, highWatermark]. Errors: OFFSET_OUT_OF_RANGE.
 */
export function resolveOffset(log: PartitionLog, offset: number): number {
  if (offset === LATEST_OFFSET) return log.highWatermark;
  if (offset === EARLIEST_OFFSET) return log.logStartOffset;
  if (offset < log.logStartOffset || offset > log.highWatermark) {
    throw new KafkaError(
      ErrorCode.OFFSET_OUT_OF_RANGE,
      `offset ${offset} is outside [${log.logStartOffset}, ${log.highWatermark}] of ${log.topic}-${log.partition}`,
    );
  }
  return offset;
}

export const listOffsets: Operation = (request, session, ctx) => {
  const topic = topicField(request);
  requirePermission(session, ctx, AclOperation.DESCRIBE, topicResource(topic));
  const partition = intField(request, 'partition', 0, INT32_MAX);
  const timestamp = intField(request, 'timestamp', -3, Number.MAX_SAFE_INTEGER);
  const log = ctx.broker.replicas.leaderLog(topic, partition);
  const found = offsetForTimestamp(log, timestamp);
  return { fields: { offset: found.offset, timestamp: found.timestamp } };
};
