/**
 * Builds a producer batch straight into the engine's shared memory, as the engine's encode
 * request (layout.ts kEnc*, the format encode-input.ts writes from RecordInput arrays):
 * each record is written once as it is appended, and closing the batch runs only the core
 * (WASM or JS twin) `encodeRecordBatch` on it. No per-record objects are kept, which is what
 * lets the producer keep up with a million records per second on one thread.
 *
 * Request layout (native little-endian): a 48-byte header (baseOffset, baseTimestamp,
 * producerId as f64; partitionLeaderEpoch, attributes, producerEpoch, baseSequence,
 * recordCount, 0 as i32), then per record: f64 timestamp, i32 keyLength, i32 valueLength,
 * i32 headerCount, key, value, headers (i32 keyLength, i32 valueLength, key, value); -1
 * lengths are null. Defaults as the Java producer's (RecordBatch.NO_*).
 */
import type { CoreEngine } from '../engine/engine-impl.js';
import {
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
} from '../engine/layout.js';

/** Below this many bytes a plain loop copies faster than TypedArray.set. */
const SMALL_COPY = 24;

export interface WrittenHeader {
  key: Uint8Array;
  value: Uint8Array | null;
}

export class BatchWriter {
  private ptr: number;
  private capacity: number;
  private length = kEncHeaderSize;
  /** Worst-case size of the encoded batch. */
  private outputBound = RECORD_BATCH_OVERHEAD;
  count = 0;
  private firstTimestamp = 0;

  /** `capacityHint`: expected request bytes (grown as needed). */
  constructor(
    private readonly engine: CoreEngine,
    capacityHint: number,
  ) {
    this.capacity = Math.max(4096, capacityHint);
    this.ptr = engine.memory.alloc(this.capacity);
  }

  /** Appends one record (timestamp in ms since the epoch, a safe integer). */
  add(key: Uint8Array | null, value: Uint8Array | null, headers: WrittenHeader[] | undefined, timestamp: number): void {
    const keyLength = key ? key.byteLength : 0;
    const valueLength = value ? value.byteLength : 0;
    let need = kEncRecordFixedSize + keyLength + valueLength;
    let bound = kEncRecordMaxOverhead + keyLength + valueLength;
    if (headers) {
      for (const h of headers) {
        const hp = h.key.byteLength + (h.value ? h.value.byteLength : 0);
        need += kEncHeaderFixedSize + hp;
        bound += kEncHeaderMaxOverhead + hp;
      }
    }
    if (this.length + need > this.capacity) this.grow(this.length + need);
    const memory = this.engine.memory;
    const bytes = memory.bytes;
    const dv = memory.dataView;
    const at = this.ptr + this.length;
    if (this.count === 0) this.firstTimestamp = timestamp;
    dv.setFloat64(at + kEncRecordTimestamp, timestamp, true);
    dv.setInt32(at + kEncRecordKeyLength, key ? keyLength : -1, true);
    dv.setInt32(at + kEncRecordValueLength, value ? valueLength : -1, true);
    dv.setInt32(at + kEncRecordHeaderCount, headers ? headers.length : 0, true);
    let p = at + kEncRecordFixedSize;
    if (key) p = copy(bytes, key, p);
    if (value) p = copy(bytes, value, p);
    if (headers) {
      for (const h of headers) {
        dv.setInt32(p + kEncHeaderKeyLength, h.key.byteLength, true);
        dv.setInt32(p + kEncHeaderValueLength, h.value ? h.value.byteLength : -1, true);
        p = copy(bytes, h.key, p + kEncHeaderFixedSize);
        if (h.value) p = copy(bytes, h.value, p);
      }
    }
    this.length += need;
    this.outputBound += bound;
    this.count++;
  }

  /**
   * Encodes the records into one record batch v2 (baseTimestamp: the first record's) and
   * returns it as a fresh Uint8Array; frees the shared memory. Throws if empty.
   */
  finish(): Uint8Array {
    if (this.count === 0) throw new RangeError('BatchWriter.finish: no records');
    const memory = this.engine.memory;
    const out = memory.alloc(this.outputBound);
    try {
      const dv = memory.dataView;
      const h = this.ptr;
      dv.setFloat64(h + kEncBaseOffset, 0, true);
      dv.setFloat64(h + kEncBaseTimestamp, this.firstTimestamp, true);
      dv.setFloat64(h + kEncProducerId, -1, true);
      dv.setInt32(h + kEncPartitionLeaderEpoch, -1, true);
      dv.setInt32(h + kEncAttributes, 0, true);
      dv.setInt32(h + kEncProducerEpoch, -1, true);
      dv.setInt32(h + kEncBaseSequence, -1, true);
      dv.setInt32(h + kEncRecordCount, this.count, true);
      dv.setInt32(h + kEncReserved, 0, true);
      const size = this.engine.core.encodeRecordBatch(h, this.length, out, this.outputBound);
      if (size < 0) throw new Error(`encodeRecordBatch: the core returned error ${-size}`);
      return memory.bytes.slice(out, out + size);
    } finally {
      memory.free(out);
      this.dispose();
    }
  }

  /** Frees the shared memory (idempotent). */
  dispose(): void {
    if (this.ptr !== 0) this.engine.memory.free(this.ptr);
    this.ptr = 0;
  }

  private grow(needed: number): void {
    const capacity = Math.max(needed, this.capacity * 2);
    const memory = this.engine.memory;
    const next = memory.alloc(capacity);
    memory.bytes.copyWithin(next, this.ptr, this.ptr + this.length);
    memory.free(this.ptr);
    this.ptr = next;
    this.capacity = capacity;
  }
}

function copy(bytes: Uint8Array, src: Uint8Array, at: number): number {
  const n = src.byteLength;
  if (n < SMALL_COPY) for (let i = 0; i < n; i++) bytes[at + i] = src[i]!;
  else bytes.set(src, at);
  return at + n;
}
