/**
 * Record-level work on one record batch v2 for the cleaner: listing its records' keys and
 * offsets, and rewriting it with only some records kept (Kafka MemoryRecords.filterTo).
 *
 * A rewritten batch keeps its base offset, lastOffsetDelta (so the offsets of every record,
 * and of the batch's end, are unchanged: compaction leaves gaps, never renumbers), base
 * timestamp, producer fields, leader epoch and attributes (the same codec, recompressed);
 * record count, max timestamp (CreateTime: the kept records' largest), length and CRC-32C
 * are recomputed. Kept records are copied byte for byte. Record layout:
 * docs/implementation.html "Record".
 */
import type { Engine } from '../../engine/engine.js';
import {
  BATCH_LENGTH_OFFSET,
  CRC_COVERED_OFFSET,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORD_BATCH_OVERHEAD,
} from '../../engine/layout.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { BatchHeader } from '../batch-header.js';
import { crc32cOf } from '../checksum.js';
import { compress, decompress } from './compression.js';

const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME_FLAG = 0x08;

/** One record of a batch, located in the (decompressed) records section. */
export interface RecordView {
  /** Absolute offset. */
  offset: number;
  /** ms since the epoch. */
  timestamp: number;
  /** null for a record without key. */
  key: Uint8Array | null;
  /** False for a tombstone (null value). */
  hasValue: boolean;
  /** The value bytes (a view), null for a tombstone. */
  value: Uint8Array | null;
  /** [start, end) of the whole record in the records section. */
  start: number;
  end: number;
}

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  varint(): number {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.byteLength) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record varint runs past the batch');
      const b = this.bytes[this.pos++]!;
      raw += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      scale *= 128;
    }
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record varint longer than 10 bytes');
  }
}

/** The batch's records section, decompressed if its codec says so. */
export function recordsSection(batch: Uint8Array, header: BatchHeader): Uint8Array {
  const section = batch.subarray(RECORD_BATCH_OVERHEAD, header.sizeInBytes);
  return decompress(header.attributes & COMPRESSION_MASK, section);
}

/** Every record of a batch (`records` from recordsSection). Errors: CORRUPT_MESSAGE. */
export function* recordsOf(records: Uint8Array, header: BatchHeader): Generator<RecordView> {
  const c = new Cursor(records, 0);
  for (let i = 0; i < header.recordCount; i++) {
    const recordStart = c.pos;
    const length = c.varint();
    const start = c.pos;
    const end = start + length;
    if (length < 0 || end > records.byteLength) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record length runs past the batch');
    c.pos += 1; // attributes
    const timestampDelta = c.varint();
    const offsetDelta = c.varint();
    const keyLength = c.varint();
    const key = keyLength < 0 ? null : records.subarray(c.pos, c.pos + keyLength);
    if (keyLength > 0) c.pos += keyLength;
    const valueLength = c.varint();
    const value = valueLength < 0 ? null : records.subarray(c.pos, c.pos + valueLength);
    yield { offset: header.baseOffset + offsetDelta, timestamp: header.baseTimestamp + timestampDelta, key, hasValue: valueLength >= 0, value, start: recordStart, end };
    c.pos = end;
  }
}

/**
 * The batch with only the records `keep` approves: 'all' (keep the bytes as they are), null
 * (none kept: drop the batch), or the rewritten batch's bytes.
 * Errors: CORRUPT_MESSAGE / UNSUPPORTED_COMPRESSION_TYPE from reading the records.
 */
export function filterBatch(batch: Uint8Array, header: BatchHeader, keep: (record: RecordView) => boolean, engine: Engine): Uint8Array | 'all' | null {
  const records = recordsSection(batch, header);
  const kept: RecordView[] = [];
  for (const record of recordsOf(records, header)) if (keep(record)) kept.push(record);
  if (kept.length === header.recordCount) return 'all';
  if (kept.length === 0) return null;
  const plain = Buffer.concat(kept.map((r) => records.subarray(r.start, r.end)));
  const section = compress(header.attributes & COMPRESSION_MASK, plain);
  const out = Buffer.alloc(RECORD_BATCH_OVERHEAD + section.byteLength);
  out.set(batch.subarray(0, RECORD_BATCH_OVERHEAD), 0);
  out.set(section, RECORD_BATCH_OVERHEAD);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  out.writeInt32BE(kept.length, RECORDS_COUNT_OFFSET);
  if ((header.attributes & LOG_APPEND_TIME_FLAG) === 0) {
    out.writeBigInt64BE(BigInt(Math.max(...kept.map((r) => r.timestamp))), MAX_TIMESTAMP_OFFSET);
  }
  out.writeUInt32BE(crc32cOf(engine, out.subarray(CRC_COVERED_OFFSET)), CRC_OFFSET);
  return out;
}
