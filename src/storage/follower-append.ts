/**
 * What a follower checks of the batches it fetched from the leader before appending them
 * as they are (Kafka UnifiedLog.appendAsFollower, LogValidator with assignOffsets = false):
 * each batch's CRC-32C, that the first new batch continues the log end offset, and which
 * leader epochs start in them (for the leader epoch cache, KIP-101 / KIP-279).
 */
import type { Engine } from '../engine/engine.js';
import { CRC_COVERED_OFFSET, CRC_OFFSET, PARTITION_LEADER_EPOCH_OFFSET } from '../engine/layout.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { RECORD_BATCH_OVERHEAD, readBatchHeader } from './batch-header.js';
import { crc32cOf } from './checksum.js';

/**
 * The whole batches of `records` to append after `logEndOffset` (batches wholly below it are
 * skipped; a partial batch at the end is left out), or null if there are none, with the leader
 * epochs that start in them. `where` names the partition ("topic-partition") in errors.
 * Errors: CORRUPT_MESSAGE (CRC), OFFSET_OUT_OF_RANGE (a gap or an overlap with the log end:
 * the follower must truncate first).
 */
export function followerBatches(
  records: Uint8Array,
  logEndOffset: number,
  engine: Engine,
  where: string,
): { bytes: Uint8Array | null; epochs: Array<{ epoch: number; startOffset: number }> } {
  const epochs: Array<{ epoch: number; startOffset: number }> = [];
  let start = 0;
  let end = 0;
  let lastEpoch = -1;
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  while (end + RECORD_BATCH_OVERHEAD <= records.byteLength) {
    const header = readBatchHeader(records, end, end);
    if (end + header.sizeInBytes > records.byteLength) break;
    if (header.lastOffset < logEndOffset && end === start) {
      start = end + header.sizeInBytes;
      end = start;
      continue;
    }
    const expected = end === start ? logEndOffset : -1;
    if (expected >= 0 && header.baseOffset !== expected) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `batch at offset ${header.baseOffset} does not continue ${where} at ${expected}`);
    }
    const crc = crc32cOf(engine, records.subarray(end + CRC_COVERED_OFFSET, end + header.sizeInBytes));
    if (crc !== view.getUint32(end + CRC_OFFSET)) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `batch at offset ${header.baseOffset} fails its CRC`);
    const epoch = view.getInt32(end + PARTITION_LEADER_EPOCH_OFFSET);
    if (epoch > lastEpoch) {
      epochs.push({ epoch, startOffset: header.baseOffset });
      lastEpoch = epoch;
    }
    end += header.sizeInBytes;
  }
  return { bytes: end === start ? null : records.subarray(start, end), epochs };
}
