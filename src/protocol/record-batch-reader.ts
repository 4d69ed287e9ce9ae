/**
 * Decodes the records of record batches v2 off the hot path (the broker itself never decodes
 * produced records): loading `__consumer_offsets` at start-up, tools and tests.
 * Layout: docs/implementation.html "Record Batch", "Record", "Record Header".
 * Only uncompressed batches are decoded; a compressed batch raises UNSUPPORTED_COMPRESSION_TYPE.
 */
import { ErrorCode, KafkaError } from './error-codes.js';

export interface DecodedRecord {
  /** Absolute offset. */
  offset: number;
  /** ms since the epoch. */
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<{ key: string; value: Uint8Array | null }>;
}

const RECORD_BATCH_OVERHEAD = 61;
const LOG_OVERHEAD = 12;
const COMPRESSION_CODEC_MASK = 0x07;
/** Attributes bit 5: a control batch (transaction markers), which holds no user records. */
const CONTROL_FLAG_MASK = 0x20;

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  /** A zigzag varint/varlong (values < 2^53). */
  varint(): number {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.byteLength) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'varint runs past the batch');
      const b = this.bytes[this.pos++]!;
      raw += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      scale *= 128;
    }
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'varint longer than 10 bytes');
  }

  /** A varint length and that many bytes (a view), or null for length -1. */
  bytesOrNull(): Uint8Array | null {
    const len = this.varint();
    if (len < 0) return null;
    if (this.pos + len > this.bytes.byteLength) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'field runs past the batch');
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

/**
 * Yields every record of every whole batch in `bytes` (a fetch result or a log slice), in
 * offset order. Control batches are skipped. Keys and values are views of `bytes`.
 * Errors: KafkaError CORRUPT_MESSAGE (malformed records), UNSUPPORTED_COMPRESSION_TYPE.
 */
export function* readRecords(bytes: Uint8Array): Generator<DecodedRecord> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + RECORD_BATCH_OVERHEAD <= bytes.byteLength) {
    const size = view.getInt32(pos + 8) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || pos + size > bytes.byteLength) return;
    const baseOffset = view.getInt32(pos) * 2 ** 32 + view.getUint32(pos + 4);
    const attributes = view.getInt16(pos + 21);
    const baseTimestamp = view.getInt32(pos + 27) * 2 ** 32 + view.getUint32(pos + 31);
    const count = view.getInt32(pos + 57);
    if ((attributes & CONTROL_FLAG_MASK) === 0) {
      if ((attributes & COMPRESSION_CODEC_MASK) !== 0) {
        throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `batch at offset ${baseOffset} is compressed`);
      }
      const cursor = new Cursor(bytes.subarray(0, pos + size), pos + RECORD_BATCH_OVERHEAD);
      for (let i = 0; i < count; i++) {
        const length = cursor.varint();
        const end = cursor.pos + length;
        cursor.pos += 1; // attributes
        const timestampDelta = cursor.varint();
        const offsetDelta = cursor.varint();
        const key = cursor.bytesOrNull();
        const value = cursor.bytesOrNull();
        const headerCount = cursor.varint();
        const headers: DecodedRecord['headers'] = [];
        for (let h = 0; h < headerCount; h++) {
          const hk = cursor.bytesOrNull();
          headers.push({ key: hk ? Buffer.from(hk.buffer, hk.byteOffset, hk.byteLength).toString('utf8') : '', value: cursor.bytesOrNull() });
        }
        if (cursor.pos !== end) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record ${baseOffset + offsetDelta} has ${end - cursor.pos} stray bytes`);
        yield { offset: baseOffset + offsetDelta, timestamp: baseTimestamp + timestampDelta, key, value, headers };
      }
    }
    pos += size;
  }
}
