/**
 * The leader's timestamp steps on a record batch v2 that validateBatch accepted, as Kafka's
 * LogValidator takes them (storage/internals/log/LogValidator.java): the
 * `message.timestamp.before.max.ms` / `after.max.ms` range check of every record's timestamp
 * (CreateTime topics), and the LogAppendTime stamp (RecordBatch.setMaxTimestamp). Twin:
 * src/engine/js/timestamps.ts. Layouts: ./layout.ts.
 */
import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_COVERED_OFFSET,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
} from './layout';
import { CORRUPT_MESSAGE } from './errors';
import { checkRange } from './bounds';
import { crc32cRaw } from './crc32c';
import { readVarintFast, readVarlong, varintEnd } from './varint';
import { be16, be32, be64, putBe16, putBe32, putBe64 } from './record-batch';

/**
 * Stamps the batch at ptr (header and length already validated) as LogAppendTime: attributes
 * bit 3 set, maxTimestamp = logAppendTime (ms, f64 → int64 truncating, saturating), CRC-32C
 * over [attributes, end) recomputed. Record timestamps are left as they are (Kafka readers
 * take the batch's maxTimestamp for every record of a LogAppendTime batch).
 * Returns the new CRC (bits as i32).
 */
export function setLogAppendTime(ptr: usize, logAppendTime: f64): u32 {
  checkRange(ptr, RECORD_BATCH_OVERHEAD);
  const size = <usize>be32(ptr + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  checkRange(ptr, size);
  putBe16(ptr + ATTRIBUTES_OFFSET, be16(ptr + ATTRIBUTES_OFFSET) | TIMESTAMP_TYPE_MASK);
  putBe64(ptr + MAX_TIMESTAMP_OFFSET, <i64>logAppendTime);
  const crc = crc32cRaw(ptr + CRC_COVERED_OFFSET, size - CRC_COVERED_OFFSET);
  putBe32(ptr + CRC_OFFSET, <i32>crc);
  return crc;
}

/**
 * Walks the recordCount records (header at `header`: baseTimestamp, recordCount) laid out at
 * [records, records + length) — the batch's own records section, or its decompressed copy —
 * and checks each timestamp (baseTimestamp + timestampDelta, int64) against [low, high] (ms;
 * compared as f64, ±Infinity for no bound). Records without a timestamp (-1) pass, as in
 * Kafka. Returns the index of the first record out of range, recordCount when all are in
 * range, or -CORRUPT_MESSAGE when a record's length or timestamp varint is malformed or runs
 * past the end.
 */
export function firstTimestampOutOfRange(header: usize, records: usize, length: i32, low: f64, high: f64): i32 {
  checkRange(header, RECORD_BATCH_OVERHEAD);
  if (length < 0) return -CORRUPT_MESSAGE;
  checkRange(records, <usize>length);
  const baseTimestamp = be64(header + BASE_TIMESTAMP_OFFSET);
  const count = be32(header + RECORDS_COUNT_OFFSET);
  const end = records + <usize>length;
  let p = records;
  for (let i: i32 = 0; i < count; i++) {
    const recordLength = readVarintFast(p, end);
    p = varintEnd;
    if (p == 0 || recordLength < 1 || <usize>recordLength > end - p) return -CORRUPT_MESSAGE;
    const recordEnd = p + <usize>recordLength;
    const delta = readVarlong(p + 1, recordEnd); // after the attributes byte
    if (varintEnd == 0) return -CORRUPT_MESSAGE;
    const timestamp = baseTimestamp + delta;
    if (timestamp != NO_TIMESTAMP) {
      const t = <f64>timestamp;
      if (t < low || t > high) return i;
    }
    p = recordEnd;
  }
  return count;
}
