/**
 * Decoding record batches v2 into records, on the client (Node and browsers), in plain
 * TypeScript over Uint8Array. Checks each batch's CRC-32C when given a crc function
 * (Kafka consumers' `check.crcs`), skips control batches (transaction markers) and records
 * before `fromOffset` (a push or fetch starts at the batch holding the position).
 * Compression (attributes bits 0-2): gzip is decoded with fflate; snappy, lz4 and zstd need
 * a decompressor in `codecs`, else UNSUPPORTED_COMPRESSION_TYPE.
 * Errors (GregorError): CORRUPT_MESSAGE (bad CRC, magic, lengths), UNSUPPORTED_COMPRESSION_TYPE.
 * Source: Kafka docs/implementation.html "5.3.1 Record Batch", "5.3.2 Record";
 * DefaultRecordBatch.java, DefaultRecord.java.
 */
import { gunzipSync } from 'fflate';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CRC_COVERED_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_MASK,
} from '../engine/layout.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { GregorError } from './errors.js';
import type { ConsumerRecord, RecordHeader } from './records.js';

export type CompressionName = 'gzip' | 'snappy' | 'lz4' | 'zstd';
/** Decompressors by codec name: compressed records section in, raw records out. */
export type Codecs = Partial<Record<CompressionName, (compressed: Uint8Array) => Uint8Array>>;

const CODEC_NAMES: Record<number, CompressionName> = { 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

export interface DecodeOptions {
  topic: string;
  partition: number;
  /** Records below this offset are skipped. */
  fromOffset: number;
  /** CRC-32C of bytes (unsigned); when given, every batch's CRC is checked. */
  crc32c?: (bytes: Uint8Array) => number;
  codecs?: Codecs;
}

export interface Decoded {
  records: ConsumerRecord[];
  /** The offset after the last whole batch (the next position); fromOffset if none. */
  nextOffset: number;
}

const utf8 = new TextDecoder();

class Cursor {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    readonly end: number,
    readonly where: string,
  ) {}

  fail(why: string): never {
    throw new GregorError(ErrorCode.CORRUPT_MESSAGE, `${this.where}: ${why}`);
  }

  /** Zigzag varint (int32). */
  varint(): number {
    let raw = 0;
    let shift = 0;
    for (;;) {
      if (this.p >= this.end || shift > 28) this.fail('malformed varint');
      const x = this.b[this.p++]!;
      raw |= (x & 0x7f) << shift;
      if ((x & 0x80) === 0) break;
      shift += 7;
    }
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zigzag varlong as a number (exact within ±2^53). */
  varlong(): number {
    let raw = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (this.p >= this.end || i >= 10) this.fail('malformed varlong');
      const x = this.b[this.p++]!;
      raw += (x & 0x7f) * scale;
      if ((x & 0x80) === 0) break;
      scale *= 128;
    }
    // zigzag: even → raw / 2, odd → -(raw + 1) / 2
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  bytes(length: number): Uint8Array | null {
    if (length < 0) return null;
    if (this.p + length > this.end) this.fail('field runs past its record');
    const out = this.b.subarray(this.p, this.p + length);
    this.p += length;
    return out;
  }
}

function readInt64(view: DataView, at: number): number {
  return view.getInt32(at) * 0x1_0000_0000 + view.getUint32(at + 4);
}

/** Decodes whole batches from `bytes`; a trailing partial batch is ignored. */
export function decodeBatches(bytes: Uint8Array, options: DecodeOptions): Decoded {
  const { topic, partition, fromOffset } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: ConsumerRecord[] = [];
  let nextOffset = fromOffset;
  let at = 0;
  while (at + RECORD_BATCH_OVERHEAD <= bytes.byteLength) {
    const size = view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (at + size > bytes.byteLength) break;
    const where = `${topic}-${partition} batch at byte ${at}`;
    if (size < RECORD_BATCH_OVERHEAD) throw new GregorError(ErrorCode.CORRUPT_MESSAGE, `${where}: batch length ${size} is too small`);
    const magic = view.getInt8(at + MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) throw new GregorError(ErrorCode.CORRUPT_MESSAGE, `${where}: magic ${magic} is not 2`);
    if (options.crc32c) {
      const stored = view.getUint32(at + CRC_OFFSET);
      const computed = options.crc32c(bytes.subarray(at + CRC_COVERED_OFFSET, at + size)) >>> 0;
      if (stored !== computed) throw new GregorError(ErrorCode.CORRUPT_MESSAGE, `${where}: CRC-32C ${computed} does not match the stored ${stored}`);
    }
    const baseOffset = readInt64(view, at + BASE_OFFSET_OFFSET);
    const lastOffset = baseOffset + view.getInt32(at + LAST_OFFSET_DELTA_OFFSET);
    const attributes = view.getInt16(at + ATTRIBUTES_OFFSET);
    const batchEnd = at + size;
    if (lastOffset >= fromOffset && (attributes & CONTROL_FLAG_MASK) === 0) {
      const baseTimestamp = readInt64(view, at + BASE_TIMESTAMP_OFFSET);
      const logAppendTime = (attributes & TIMESTAMP_TYPE_MASK) !== 0;
      const maxTimestamp = logAppendTime ? readInt64(view, at + MAX_TIMESTAMP_OFFSET) : 0;
      const count = view.getInt32(at + RECORDS_COUNT_OFFSET);
      const codec = attributes & COMPRESSION_CODEC_MASK;
      let cursor: Cursor;
      if (codec === 0) {
        cursor = new Cursor(bytes, at + RECORDS_OFFSET, batchEnd, where);
      } else {
        const name = CODEC_NAMES[codec];
        const compressed = bytes.subarray(at + RECORDS_OFFSET, batchEnd);
        let raw: Uint8Array;
        if (name === 'gzip' && !options.codecs?.gzip) raw = gunzipSync(compressed);
        else if (name && options.codecs?.[name]) raw = options.codecs[name]!(compressed);
        else throw new GregorError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `${where}: no decompressor for ${name ?? `codec ${codec}`} (pass one in the consumer's codecs)`);
        cursor = new Cursor(raw, 0, raw.byteLength, where);
      }
      for (let i = 0; i < count; i++) {
        const length = cursor.varint();
        const recordEnd = cursor.p + length;
        if (length < 0 || recordEnd > cursor.end) cursor.fail('record length runs past the batch');
        cursor.p += 1; // record attributes (unused)
        const timestampDelta = cursor.varlong();
        const offset = baseOffset + cursor.varint();
        const key = cursor.bytes(cursor.varint());
        const value = cursor.bytes(cursor.varint());
        const headerCount = cursor.varint();
        const headers: RecordHeader[] = [];
        for (let h = 0; h < headerCount; h++) {
          const hk = cursor.bytes(cursor.varint());
          if (hk === null) cursor.fail('null header key');
          headers.push({ key: utf8.decode(hk), value: cursor.bytes(cursor.varint()) });
        }
        cursor.p = recordEnd;
        if (offset < fromOffset) continue;
        records.push({
          topic,
          partition,
          offset,
          timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
          timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
          key,
          value,
          headers,
        });
      }
    }
    nextOffset = Math.max(nextOffset, lastOffset + 1);
    at = batchEnd;
  }
  return { records, nextOffset };
}
