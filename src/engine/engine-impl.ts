/**
 * The Engine implementation shared by both kinds: argument checks, BatchInfo decoding and
 * encode marshalling in TypeScript, around a raw Core (the WASM exports or the JS twin).
 * Keeping this layer common is what makes the two engines comparable: they differ only in the
 * core functions.
 */
import type { Core } from './core.js';
import type { BatchInfo, EncodeBatchOptions, Engine, EngineKind, RecordInput } from './engine.js';
import type { AuditTable } from './audit-table.js';
import { measureEncodeRequest, writeEncodeRequest } from './encode-input.js';
import { errorName } from './errors.js';
import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  OFFSET_INDEX_ENTRY_SIZE,
  PARTITION_LEADER_EPOCH_LENGTH,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_OVERHEAD,
  TIME_INDEX_ENTRY_SIZE,
  kBatchInfoAddress,
  kBatchInfoAttributes,
  kBatchInfoBaseOffset,
  kBatchInfoBaseSequence,
  kBatchInfoBaseTimestamp,
  kBatchInfoCrc,
  kBatchInfoLastOffsetDelta,
  kBatchInfoMagic,
  kBatchInfoMaxTimestamp,
  kBatchInfoPartitionLeaderEpoch,
  kBatchInfoProducerEpoch,
  kBatchInfoProducerId,
  kBatchInfoRecordCount,
  kBatchInfoSize,
  kBatchInfoSizeInBytes,
  kF64Size,
} from './layout.js';
import type { SharedMemory } from './shared-memory.js';

export interface EngineOptions {
  /**
   * Where validateBatch's core writes the BatchInfo struct (kBatchInfoSize bytes, 8-aligned).
   * Default kBatchInfoAddress, the fixed scratch slot: fine for any number of engines on one
   * thread (each call reads its result back before returning). Engines on other threads
   * sharing the memory need their own slot (e.g. from SharedMemory.alloc on the owner thread).
   */
  infoPtr?: number;
  /**
   * WASM kind only: this engine's 256-byte, 16-aligned area for the CRC kernel's transposes
   * (default kCrcScratchAddress). An engine in another thread over the same memory needs its
   * own (see wasm-instance.ts). Ignored by the JS twin, which keeps its scratch in JS.
   */
  crcScratchPtr?: number;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const ENCODE_ARENA_MIN = 64 * 1024;

const I_BASE_OFFSET = kBatchInfoBaseOffset / kF64Size;
const I_SIZE = kBatchInfoSizeInBytes / kF64Size;
const I_PLE = kBatchInfoPartitionLeaderEpoch / kF64Size;
const I_MAGIC = kBatchInfoMagic / kF64Size;
const I_CRC = kBatchInfoCrc / kF64Size;
const I_ATTRIBUTES = kBatchInfoAttributes / kF64Size;
const I_LAST_OFFSET_DELTA = kBatchInfoLastOffsetDelta / kF64Size;
const I_BASE_TIMESTAMP = kBatchInfoBaseTimestamp / kF64Size;
const I_MAX_TIMESTAMP = kBatchInfoMaxTimestamp / kF64Size;
const I_PRODUCER_ID = kBatchInfoProducerId / kF64Size;
const I_PRODUCER_EPOCH = kBatchInfoProducerEpoch / kF64Size;
const I_BASE_SEQUENCE = kBatchInfoBaseSequence / kF64Size;
const I_RECORD_COUNT = kBatchInfoRecordCount / kF64Size;

/** An empty BatchInfo, to pass to validateBatch. */
export function newBatchInfo(): BatchInfo {
  return {
    sizeInBytes: 0,
    baseOffset: 0,
    partitionLeaderEpoch: 0,
    magic: 0,
    crc: 0,
    attributes: 0,
    lastOffsetDelta: 0,
    baseTimestamp: 0,
    maxTimestamp: 0,
    producerId: 0,
    producerEpoch: 0,
    baseSequence: 0,
    recordCount: 0,
  };
}

export class CoreEngine implements Engine {
  readonly kind: EngineKind;
  readonly memory: SharedMemory;
  /** The raw core functions (unchecked). */
  readonly core: Core;
  /** Address of this engine's BatchInfo result struct. */
  readonly infoPtr: number;

  /** f64 view of the BatchInfo struct; stays valid after growth (shared memory never detaches). */
  readonly #info: Float64Array;
  #arenaPtr = 0;
  #arenaCapacity = 0;

  constructor(kind: EngineKind, memory: SharedMemory, core: Core, options: EngineOptions = {}) {
    this.kind = kind;
    this.memory = memory;
    this.core = core;
    const infoPtr = options.infoPtr ?? kBatchInfoAddress;
    if (infoPtr % kF64Size !== 0) throw new RangeError(`infoPtr ${infoPtr} must be 8-byte aligned`);
    memory.checkRange(infoPtr, kBatchInfoSize);
    this.infoPtr = infoPtr;
    this.#info = new Float64Array(memory.buffer, infoPtr, kBatchInfoSize / kF64Size);
  }

  crc32c(ptr: number, len: number): number {
    this.memory.checkRange(ptr, len);
    return this.core.crc32c(ptr, len) >>> 0;
  }

  validateBatch(ptr: number, available: number, info: BatchInfo, audit?: AuditTable | null): number {
    if (!Number.isInteger(available)) throw new RangeError(`validateBatch: available must be an integer, got ${available}`);
    if (available < 0) available = 0;
    else if (available > INT32_MAX) available = INT32_MAX; // a batch is at most 2^31 - 1 + 12 bytes anyway
    this.memory.checkRange(ptr, available);
    if (audit) audit.reserveFor(ptr, available);
    const result = this.core.validateBatch(ptr, available, this.infoPtr, audit ? audit.ptr : 0, audit ? audit.capacity : 0);
    if (available >= RECORD_BATCH_OVERHEAD) {
      const s = this.#info;
      info.baseOffset = s[I_BASE_OFFSET]!;
      info.sizeInBytes = s[I_SIZE]!;
      info.partitionLeaderEpoch = s[I_PLE]!;
      info.magic = s[I_MAGIC]!;
      info.crc = s[I_CRC]!;
      info.attributes = s[I_ATTRIBUTES]!;
      info.lastOffsetDelta = s[I_LAST_OFFSET_DELTA]!;
      info.baseTimestamp = s[I_BASE_TIMESTAMP]!;
      info.maxTimestamp = s[I_MAX_TIMESTAMP]!;
      info.producerId = s[I_PRODUCER_ID]!;
      info.producerEpoch = s[I_PRODUCER_EPOCH]!;
      info.baseSequence = s[I_BASE_SEQUENCE]!;
      info.recordCount = s[I_RECORD_COUNT]!;
    }
    return result;
  }

  stampBatch(ptr: number, baseOffset: number, partitionLeaderEpoch: number): void {
    if (!Number.isSafeInteger(baseOffset)) throw new RangeError(`stampBatch: baseOffset must be a safe integer, got ${baseOffset}`);
    if ((partitionLeaderEpoch | 0) !== partitionLeaderEpoch) {
      throw new RangeError(`stampBatch: partitionLeaderEpoch must be an int32, got ${partitionLeaderEpoch}`);
    }
    this.memory.checkRange(ptr, PARTITION_LEADER_EPOCH_OFFSET + PARTITION_LEADER_EPOCH_LENGTH);
    this.core.stampBatch(ptr, baseOffset, partitionLeaderEpoch);
  }

  offsetIndexLookup(ptr: number, entries: number, targetRelativeOffset: number): number {
    if ((entries >>> 0) !== entries || entries > INT32_MAX) throw new RangeError(`offsetIndexLookup: bad entries ${entries}`);
    if (targetRelativeOffset !== targetRelativeOffset) throw new RangeError('offsetIndexLookup: target is NaN');
    this.memory.checkRange(ptr, entries * OFFSET_INDEX_ENTRY_SIZE);
    // keys are int32: clamping the target keeps the floor semantics
    let target = Math.floor(targetRelativeOffset);
    if (target < INT32_MIN) target = INT32_MIN;
    else if (target > INT32_MAX) target = INT32_MAX;
    return this.core.offsetIndexLookup(ptr, entries, target);
  }

  timeIndexLookup(ptr: number, entries: number, targetTimestamp: number): number {
    if ((entries >>> 0) !== entries || entries > INT32_MAX) throw new RangeError(`timeIndexLookup: bad entries ${entries}`);
    if (targetTimestamp !== targetTimestamp) throw new RangeError('timeIndexLookup: target is NaN');
    this.memory.checkRange(ptr, entries * TIME_INDEX_ENTRY_SIZE);
    // floor, so that a fractional target keeps "largest timestamp <= target" (the core truncates)
    return this.core.timeIndexLookup(ptr, entries, Math.floor(targetTimestamp));
  }

  encodeRecordBatch(records: RecordInput[], options: EncodeBatchOptions = {}): Uint8Array {
    const bounds = measureEncodeRequest(records, options);
    const input = this.#arena(bounds.inputBytes + bounds.outputBytes);
    const inputLength = writeEncodeRequest(this.memory, input, records, options);
    const out = input + inputLength;
    const size = this.core.encodeRecordBatch(input, inputLength, out, bounds.outputBytes);
    if (size < 0) throw new Error(`encodeRecordBatch: core returned ${errorName(size)} (${size})`);
    return this.memory.bytes.slice(out, out + size);
  }

  setLogAppendTime(ptr: number, logAppendTime: number): number {
    if (!Number.isSafeInteger(logAppendTime)) throw new RangeError(`setLogAppendTime: logAppendTime must be a safe integer, got ${logAppendTime}`);
    this.memory.checkRange(ptr, RECORD_BATCH_OVERHEAD);
    this.memory.checkRange(ptr, this.memory.dataView.getInt32(ptr + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD);
    return this.core.setLogAppendTime(ptr, logAppendTime) >>> 0;
  }

  firstTimestampOutOfRange(header: number, records: number, length: number, low: number, high: number): number {
    if (low !== low || high !== high) throw new RangeError('firstTimestampOutOfRange: a bound is NaN');
    if (!Number.isInteger(length) || length < 0 || length > INT32_MAX) throw new RangeError(`firstTimestampOutOfRange: bad length ${length}`);
    this.memory.checkRange(header, RECORD_BATCH_OVERHEAD);
    this.memory.checkRange(records, length);
    return this.core.firstTimestampOutOfRange(header, records, length, low, high);
  }

  /** Frees this engine's encode arena (it is re-allocated on the next encode). */
  dispose(): void {
    if (this.#arenaPtr !== 0) this.memory.free(this.#arenaPtr);
    this.#arenaPtr = 0;
    this.#arenaCapacity = 0;
  }

  /** A scratch block of at least `bytes` bytes for encode requests and their output. */
  #arena(bytes: number): number {
    if (bytes > this.#arenaCapacity) {
      if (this.#arenaPtr !== 0) this.memory.free(this.#arenaPtr);
      this.#arenaPtr = 0;
      const capacity = Math.max(bytes, ENCODE_ARENA_MIN, this.#arenaCapacity * 2);
      this.#arenaPtr = this.memory.alloc(capacity);
      this.#arenaCapacity = capacity;
    }
    return this.#arenaPtr;
  }
}
