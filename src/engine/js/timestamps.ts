/**
 * The leader's timestamp steps on a validated record batch v2 in plain TypeScript: the twin of
 * assembly/timestamps.ts (documented there) — same results, same bytes. Timestamps are exact:
 * numbers while they stay below 2^52, bigint otherwise; compared to the bounds as the nearest
 * f64, as the WASM core's f64.convert_i64_s does.
 * Source: Kafka LogValidator (validateTimestamp, RecordBatch.setMaxTimestamp).
 */
import type { SharedMemory } from '../shared-memory.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_COVERED_OFFSET,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  NO_TIMESTAMP,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
} from '../layout.js';
import { CORRUPT_MESSAGE } from '../errors.js';
import { crc32c } from './crc32c.js';
import { readI64BE, writeI64BE } from './int64.js';
import { cursor, readVarintFast, readVarlongBig, readVarlongNumber } from './varint.js';

/** Below this magnitude, the sum of a timestamp and a (< 2^48) delta is exact as a number. */
const SMALL_INT64 = 2 ** 52;

/** Twin of assembly/timestamps.ts setLogAppendTime: returns the new CRC (unsigned). */
export function setLogAppendTime(memory: SharedMemory, ptr: number, logAppendTime: number): number {
  const dv = memory.dataView;
  const size = dv.getInt32(ptr + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  dv.setInt16(ptr + ATTRIBUTES_OFFSET, dv.getInt16(ptr + ATTRIBUTES_OFFSET) | TIMESTAMP_TYPE_MASK);
  writeI64BE(dv, ptr + MAX_TIMESTAMP_OFFSET, logAppendTime);
  const crc = crc32c(memory, ptr + CRC_COVERED_OFFSET, size - CRC_COVERED_OFFSET);
  dv.setUint32(ptr + CRC_OFFSET, crc);
  return crc;
}

/** Twin of assembly/timestamps.ts firstTimestampOutOfRange. */
export function firstTimestampOutOfRange(memory: SharedMemory, header: number, records: number, length: number, low: number, high: number): number {
  if (length < 0) return -CORRUPT_MESSAGE;
  const b = memory.bytes;
  const dv = memory.dataView;
  const baseTimestamp = readI64BE(dv, header + BASE_TIMESTAMP_OFFSET);
  const baseSmall = Math.abs(baseTimestamp) < SMALL_INT64;
  const count = dv.getInt32(header + RECORDS_COUNT_OFFSET);
  const end = records + length;
  let p = records;
  for (let i = 0; i < count; i++) {
    const recordLength = readVarintFast(b, p, end);
    p = cursor.end;
    if (p === 0 || recordLength < 1 || recordLength > end - p) return -CORRUPT_MESSAGE;
    const recordEnd = p + recordLength;
    const delta = readVarlongNumber(b, p + 1, recordEnd);
    let deltaBig: bigint | null = null;
    if (cursor.end === -1) deltaBig = readVarlongBig(b, p + 1, recordEnd);
    if (cursor.end === 0) return -CORRUPT_MESSAGE;
    let t: number;
    if (deltaBig === null && baseSmall) {
      t = baseTimestamp + delta; // |base| < 2^52, |delta| < 2^48: exact
    } else {
      deltaBig ??= BigInt(delta);
      const timestamp = BigInt.asIntN(64, dv.getBigInt64(header + BASE_TIMESTAMP_OFFSET) + deltaBig);
      t = timestamp === BigInt(NO_TIMESTAMP) ? NO_TIMESTAMP : Number(timestamp);
    }
    if (t !== NO_TIMESTAMP && (t < low || t > high)) return i;
    p = recordEnd;
  }
  return count;
}
