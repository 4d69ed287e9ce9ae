/**
 * The hot-path core, as one interface with two implementations that must agree bit for bit:
 * the AssemblyScript/WASM core (`assembly/`, loaded by `wasm.ts`) and its TypeScript twin
 * (`js/`). `--engine wasm|js` picks one (default wasm).
 *
 * Every function works on bytes in one shared `WebAssembly.Memory` (SharedArrayBuffer-backed),
 * addressed by pointer (byte offset into that memory) and length in bytes. The caller places
 * bytes there (the single copy from a socket buffer into a segment buffer) and reads views of
 * them back; nothing is copied across the JS/WASM boundary.
 *
 * Record batch v2 layout: docs/implementation.html "Record Batch" (Kafka), also
 * `src/engine/layout.ts`.
 */
import type { AuditTable } from './audit-table.js';
import type { SharedMemory } from './shared-memory.js';

export type EngineKind = 'js' | 'wasm';

/**
 * Fields of a record batch header decoded by {@link Engine.validateBatch}.
 * Units: timestamps in ms since the epoch; offsets relative to the batch's baseOffset.
 */
export interface BatchInfo {
  /** Total bytes of the batch: batchLength + 12 (baseOffset int64 + batchLength int32). */
  sizeInBytes: number;
  baseOffset: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Input to {@link Engine.encodeRecordBatch}: one record of a producer. */
export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: Array<{ key: string | Uint8Array; value: Uint8Array | null }>;
  /** ms since the epoch; defaults to the batch's baseTimestamp */
  timestamp?: number;
}

export interface EncodeBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** attributes bits 0-2 (compression); only 0 (none) is encoded by the core */
  attributes?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** ms since the epoch; defaults to the first record's timestamp or Date.now() */
  baseTimestamp?: number;
}

export interface Engine {
  readonly kind: EngineKind;
  /** The shared memory every pointer below refers to. */
  readonly memory: SharedMemory;

  /** CRC-32C (Castagnoli, RFC 3720) of memory[ptr, ptr+len). Returns an unsigned 32-bit number. */
  crc32c(ptr: number, len: number): number;

  /**
   * Validates the record batch v2 starting at ptr, with at most `available` bytes readable.
   * Checks: header fits (61 bytes), batchLength fits in `available`, magic == 2, CRC-32C over
   * [attributes .. end] equals the stored crc, recordCount >= 0 and, for uncompressed batches,
   * that walking the records gives exactly recordCount records, offset deltas 0..n-1,
   * lastOffsetDelta == recordCount - 1, maxTimestamp == max(baseTimestamp + timestampDelta)
   * (CreateTime), and that the last record ends exactly at the batch end.
   * Returns the batch size in bytes (> 0) and fills `info`, or a negative Kafka error code:
   *   -2  CORRUPT_MESSAGE (bad CRC, lengths, magic, truncated, compression codec > 4,
   *       recordCount < 0, malformed varints, record fields overrunning their record)
   *   -87 INVALID_RECORD (record-level inconsistencies: count, deltas, max timestamp; also
   *       recordCount == 0 and lastOffsetDelta != recordCount - 1 for every batch, as
   *       LogValidator does for produce requests)
   * Compressed batches (codec 1-4) are checked up to the header only (records not walked).
   * `info` is written whenever `available` >= 61 (also on errors found after the header, for
   * diagnostics); with fewer bytes it is left unchanged. The exact order of the checks is
   * documented in assembly/record-batch.ts; both engines follow it.
   * Throws RangeError if [ptr, ptr + available) is outside the memory.
   * With `audit` (an {@link AuditTable} over this engine's memory), the same walk also writes
   * the batch's audit runs there (records grouped by timestamp, with their key + value bytes;
   * a compressed batch: one run at maxTimestamp) — the broker tier of the audit (issue 15).
   * Source: DefaultRecordBatch.ensureValid, LogValidator (Kafka).
   */
  validateBatch(ptr: number, available: number, info: BatchInfo, audit?: AuditTable | null): number;

  /**
   * Writes baseOffset (int64) and partitionLeaderEpoch (int32) into the batch header at ptr,
   * in place. Neither field is covered by the CRC, so the batch stays valid.
   * Throws RangeError unless baseOffset is a safe integer and partitionLeaderEpoch an int32.
   */
  stampBatch(ptr: number, baseOffset: number, partitionLeaderEpoch: number): void;

  /**
   * Binary search of an offset index (entries of 8 bytes, big-endian: relativeOffset int32,
   * position int32, sorted by relativeOffset) of `entries` entries at ptr.
   * Returns the slot of the largest entry with relativeOffset <= target, or -1 if none.
   * Source: Kafka OffsetIndex.lookup.
   */
  offsetIndexLookup(ptr: number, entries: number, targetRelativeOffset: number): number;

  /**
   * Binary search of a time index (entries of 12 bytes, big-endian: timestamp int64,
   * relativeOffset int32, sorted by timestamp) of `entries` entries at ptr.
   * Returns the slot of the largest entry with timestamp <= target, or -1 if none.
   * Source: Kafka TimeIndex.lookup.
   */
  timeIndexLookup(ptr: number, entries: number, targetTimestamp: number): number;

  /**
   * Encodes records into an uncompressed record batch v2 (varints, headers, CRC-32C) and
   * returns a fresh Uint8Array holding it (owned by the caller, not a view of shared memory).
   * lastOffsetDelta = records.length - 1, maxTimestamp = max record timestamp. Defaults:
   * baseOffset 0, partitionLeaderEpoch / producerId / producerEpoch / baseSequence -1 (the
   * Java producer's NO_* values). Header string keys are UTF-8.
   * Throws RangeError for an empty records array, compression bits in attributes, or
   * non-integer / out-of-range fields (int64 fields must be safe integers).
   */
  encodeRecordBatch(records: RecordInput[], options?: EncodeBatchOptions): Uint8Array;

  /**
   * Stamps the batch at ptr, which {@link validateBatch} accepted, as LogAppendTime: attributes
   * bit 3 (timestamp type) set, maxTimestamp = `logAppendTime` (ms since the epoch), CRC-32C
   * recomputed; record timestamps untouched. Returns the new CRC (unsigned).
   * Throws RangeError unless logAppendTime is a safe integer, or if the batch is outside memory.
   * Source: Kafka LogValidator (LOG_APPEND_TIME), DefaultRecordBatch.setMaxTimestamp.
   */
  setLogAppendTime(ptr: number, logAppendTime: number): number;

  /**
   * Checks the timestamp of every record of a batch against [low, high] (ms; ±Infinity: no
   * bound), as Kafka's LogValidator does for `message.timestamp.before.max.ms` /
   * `after.max.ms`: the header at `header` (baseTimestamp, recordCount, validated) and its
   * records at [records, records + length) — the batch's own records section, or its
   * decompressed copy. Records without a timestamp (-1) pass.
   * Returns the index of the first record out of range, recordCount when none is, or -2
   * (CORRUPT_MESSAGE) for a malformed record length or timestamp varint.
   * Throws RangeError if a range is outside memory or a bound is NaN.
   */
  firstTimestampOutOfRange(header: number, records: number, length: number, low: number, high: number): number;
}
