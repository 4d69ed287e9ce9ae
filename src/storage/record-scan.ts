/**
 * Record-level reads the broker needs off the hot path: finding the first record at or
 * after a timestamp inside one batch (ListOffsets by timestamp, Kafka
 * LogSegment.findOffsetByTimestamp). Records are walked only in uncompressed batches; for a
 * compressed batch the answer is the batch itself (its base offset and max timestamp).
 * Record layout: docs/implementation.html "Record".
 */
import { RECORD_BATCH_OVERHEAD, type BatchHeader } from './batch-header.js';
import { LogSegment } from './log-segment.js';
import { TIMESTAMP_TYPE_MASK } from '../engine/layout.js';

/** Reads a zigzag varint/varlong at `pos`; returns [value, nextPos]. Values < 2^53. */
function readVarlong(bytes: Uint8Array, pos: number): [number, number] {
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.byteLength) throw new RangeError('varint past the end of the batch');
    const b = bytes[pos++]!;
    raw += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return [value, pos];
    }
    scale *= 128;
  }
  throw new RangeError('varint longer than 10 bytes');
}

/**
 * The first record in `bytes` (holding `batch` at index 0) with timestamp >= `timestamp` and
 * offset >= `startingOffset`, as { offset, timestamp }; null if none. Units: ms, absolute
 * offsets. For a compressed or a LogAppendTime batch: the batch (its first offset at or after
 * startingOffset, its maxTimestamp).
 */
export function findRecordByTimestamp(
  bytes: Uint8Array,
  batch: BatchHeader,
  timestamp: number,
  startingOffset = 0,
): { offset: number; timestamp: number } | null {
  if (batch.maxTimestamp < timestamp) return null;
  // A LogAppendTime batch's records all carry its maxTimestamp (Kafka DefaultRecordBatch), so its first record answers.
  if (LogSegment.isCompressed(batch.attributes) || (batch.attributes & TIMESTAMP_TYPE_MASK) !== 0) return { offset: Math.max(batch.baseOffset, startingOffset), timestamp: batch.maxTimestamp };
  let pos = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < batch.recordCount; i++) {
    const [length, afterLength] = readVarlong(bytes, pos);
    const [timestampDelta, afterTs] = readVarlong(bytes, afterLength + 1);
    const [offsetDelta] = readVarlong(bytes, afterTs);
    const recordTimestamp = batch.baseTimestamp + timestampDelta;
    if (recordTimestamp >= timestamp && batch.baseOffset + offsetDelta >= startingOffset) {
      return { offset: batch.baseOffset + offsetDelta, timestamp: recordTimestamp };
    }
    pos = afterLength + length;
  }
  return null;
}
