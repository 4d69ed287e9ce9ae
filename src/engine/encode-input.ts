/**
 * Marshalling of encodeRecordBatch's arguments into an encode request in shared memory
 * (layout.ts kEnc*), shared by both engines: the JS wrapper writes the request, the core (WASM
 * or JS twin) turns it into a record batch.
 *
 * Request layout (native little-endian, packed):
 *
 *   ┌ header (kEncHeaderSize = 48) ───────────────────────────────────────────────────┐
 *   │ f64 baseOffset │ f64 baseTimestamp │ f64 producerId │ i32 partitionLeaderEpoch │
 *   │ i32 attributes │ i32 producerEpoch │ i32 baseSequence │ i32 recordCount │ i32 0 │
 *   ├ record × recordCount ───────────────────────────────────────────────────────────┤
 *   │ f64 timestamp │ i32 keyLength │ i32 valueLength │ i32 headerCount │ key │ value │
 *   │   header × headerCount: i32 keyLength │ i32 valueLength │ key │ value           │
 *   └─────────────────────────────────────────────────────────────────────────────────┘
 *   lengths: -1 = null. Header keys given as strings are written as UTF-8.
 *
 * Defaults follow the Java producer (RecordBatch.NO_*): baseOffset 0, partitionLeaderEpoch -1,
 * producerId -1, producerEpoch -1, baseSequence -1, attributes 0; baseTimestamp = first
 * record's timestamp, else Date.now(); a record without timestamp gets baseTimestamp.
 */
import type { EncodeBatchOptions, RecordInput } from './engine.js';
import {
  COMPRESSION_CODEC_MASK,
  RECORD_BATCH_OVERHEAD,
  kEncAttributes,
  kEncBaseOffset,
  kEncBaseSequence,
  kEncBaseTimestamp,
  kEncHeaderFixedSize,
  kEncHeaderKeyLength,
  kEncHeaderMaxOverhead,
  kEncHeaderSize,
  kEncHeaderValueLength,
  kEncPartitionLeaderEpoch,
  kEncProducerEpoch,
  kEncProducerId,
  kEncRecordCount,
  kEncRecordFixedSize,
  kEncRecordHeaderCount,
  kEncRecordKeyLength,
  kEncRecordMaxOverhead,
  kEncRecordTimestamp,
  kEncRecordValueLength,
  kEncReserved,
} from './layout.js';
import type { SharedMemory } from './shared-memory.js';

/** Worst-case sizes of a request and of the batch it encodes to, in bytes. */
export interface EncodeBounds {
  inputBytes: number;
  outputBytes: number;
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`encodeRecordBatch: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

function checkInt64(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`encodeRecordBatch: ${name} must be a safe integer, got ${v}`);
  return v;
}

/** Upper bound of the UTF-8 size of a JS string (3 bytes per UTF-16 unit). */
function keyBound(key: string | Uint8Array): number {
  return typeof key === 'string' ? key.length * 3 : key.byteLength;
}

/**
 * Validates the arguments and returns worst-case sizes (string keys counted at 3 bytes per
 * UTF-16 unit). Throws RangeError / TypeError on invalid input (empty batch, compression
 * requested, non-integer or out-of-range fields).
 */
export function measureEncodeRequest(records: RecordInput[], options: EncodeBatchOptions): EncodeBounds {
  if (!Array.isArray(records) || records.length === 0) {
    throw new RangeError('encodeRecordBatch: at least one record is required');
  }
  if (records.length > 0x7fffffff) throw new RangeError('encodeRecordBatch: too many records');
  const attributes = options.attributes ?? 0;
  checkInt('attributes', attributes, -0x8000, 0x7fff);
  if ((attributes & COMPRESSION_CODEC_MASK) !== 0) {
    throw new RangeError('encodeRecordBatch: only uncompressed batches are encoded by the core (attributes bits 0-2 must be 0)');
  }
  if (options.baseOffset !== undefined) checkInt64('baseOffset', options.baseOffset);
  if (options.producerId !== undefined) checkInt64('producerId', options.producerId);
  if (options.baseTimestamp !== undefined) checkInt64('baseTimestamp', options.baseTimestamp);
  if (options.partitionLeaderEpoch !== undefined) checkInt('partitionLeaderEpoch', options.partitionLeaderEpoch, -0x80000000, 0x7fffffff);
  if (options.producerEpoch !== undefined) checkInt('producerEpoch', options.producerEpoch, -0x8000, 0x7fff);
  if (options.baseSequence !== undefined) checkInt('baseSequence', options.baseSequence, -0x80000000, 0x7fffffff);

  let inputBytes = kEncHeaderSize;
  let outputBytes = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.timestamp !== undefined) checkInt64('record timestamp', r.timestamp);
    const payload = (r.key ? r.key.byteLength : 0) + (r.value ? r.value.byteLength : 0);
    inputBytes += kEncRecordFixedSize + payload;
    outputBytes += kEncRecordMaxOverhead + payload;
    const headers = r.headers;
    if (headers) {
      for (let j = 0; j < headers.length; j++) {
        const h = headers[j]!;
        if (h.key === null || h.key === undefined) throw new TypeError('encodeRecordBatch: header keys must not be null');
        const hp = keyBound(h.key) + (h.value ? h.value.byteLength : 0);
        inputBytes += kEncHeaderFixedSize + hp;
        outputBytes += kEncHeaderMaxOverhead + hp;
      }
    }
  }
  if (outputBytes > 0x7fffffff) throw new RangeError('encodeRecordBatch: batch too large');
  return { inputBytes, outputBytes };
}

/**
 * Writes the encode request for (records, options) at ptr (room for
 * measureEncodeRequest().inputBytes assumed, call that first) and returns its exact length.
 */
export function writeEncodeRequest(
  memory: SharedMemory,
  ptr: number,
  records: RecordInput[],
  options: EncodeBatchOptions,
): number {
  const bytes = memory.bytes;
  const dv = memory.dataView;
  const baseTimestamp = options.baseTimestamp ?? records[0]!.timestamp ?? Date.now();

  dv.setFloat64(ptr + kEncBaseOffset, options.baseOffset ?? 0, true);
  dv.setFloat64(ptr + kEncBaseTimestamp, baseTimestamp, true);
  dv.setFloat64(ptr + kEncProducerId, options.producerId ?? -1, true);
  dv.setInt32(ptr + kEncPartitionLeaderEpoch, options.partitionLeaderEpoch ?? -1, true);
  dv.setInt32(ptr + kEncAttributes, options.attributes ?? 0, true);
  dv.setInt32(ptr + kEncProducerEpoch, options.producerEpoch ?? -1, true);
  dv.setInt32(ptr + kEncBaseSequence, options.baseSequence ?? -1, true);
  dv.setInt32(ptr + kEncRecordCount, records.length, true);
  dv.setInt32(ptr + kEncReserved, 0, true);

  let p = ptr + kEncHeaderSize;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const key = r.key;
    const value = r.value;
    const headers = r.headers;
    dv.setFloat64(p + kEncRecordTimestamp, r.timestamp ?? baseTimestamp, true);
    dv.setInt32(p + kEncRecordKeyLength, key ? key.byteLength : -1, true);
    dv.setInt32(p + kEncRecordValueLength, value ? value.byteLength : -1, true);
    dv.setInt32(p + kEncRecordHeaderCount, headers ? headers.length : 0, true);
    p += kEncRecordFixedSize;
    if (key) {
      bytes.set(key, p);
      p += key.byteLength;
    }
    if (value) {
      bytes.set(value, p);
      p += value.byteLength;
    }
    if (headers) {
      for (let j = 0; j < headers.length; j++) {
        const h = headers[j]!;
        const hp = p;
        p += kEncHeaderFixedSize;
        let keyLength: number;
        if (typeof h.key === 'string') {
          keyLength = memory.buf.write(h.key, p, 'utf8');
        } else {
          bytes.set(h.key, p);
          keyLength = h.key.byteLength;
        }
        p += keyLength;
        dv.setInt32(hp + kEncHeaderKeyLength, keyLength, true);
        const hv = h.value;
        dv.setInt32(hp + kEncHeaderValueLength, hv ? hv.byteLength : -1, true);
        if (hv) {
          bytes.set(hv, p);
          p += hv.byteLength;
        }
      }
    }
  }
  return p - ptr;
}
