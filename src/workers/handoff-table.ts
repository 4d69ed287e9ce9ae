/**
 * The hand-off table: how the main thread tells a worker which bytes to validate and stamp,
 * without copying them. One table per piscina task, allocated by the main thread in the
 * shared memory (so the task message itself is two numbers); the worker writes its results
 * into the same table. Native-endian words (both threads run on the same machine).
 *
 *   table + 0    i32  count      entries, stored with Atomics.store before the task is posted
 *   table + 4    i32  done       entries processed, Atomics.store'd by the worker at the end
 *   table + 8    8 bytes padding
 *   table + 16 + i × 32, entry i:
 *     + 0  f64  baseOffset      in: first offset to stamp, or -1 to continue after entry i-1
 *                               (same partition, consecutive requests); out: the offset the
 *                               entry's first batch was stamped with (-1 if rejected)
 *     + 8  u32  ptr             address of a produce request's records in shared memory
 *     +12  u32  len             their bytes
 *     +16  i32  maxBatchBytes   the topic's max.message.bytes
 *     +20  i32  leaderEpoch     partitionLeaderEpoch to stamp
 *     +24  i32  status          out: batch count (> 0) or negated Kafka error code
 *     +28  i32  errorPosition   out: byte of the first invalid batch within the request
 *
 * The Atomics store/load pairs on `count` and `done` order the plain reads and writes around
 * them across the threads (they synchronize); the piscina message alone would not formally.
 */
import type { SharedMemory } from '../engine/shared-memory.js';

export const TABLE_HEADER_BYTES = 16;
export const ENTRY_BYTES = 32;
const COUNT = 0;
const DONE = 4;
const E_BASE_OFFSET = 0;
const E_PTR = 8;
const E_LEN = 12;
const E_MAX_BATCH_BYTES = 16;
const E_LEADER_EPOCH = 20;
const E_STATUS = 24;
const E_ERROR_POSITION = 28;

/** Bytes of a table of `count` entries. */
export function tableBytes(count: number): number {
  return TABLE_HEADER_BYTES + count * ENTRY_BYTES;
}

/** One entry's inputs. `baseOffset` -1: continue from the previous entry's end. */
export interface HandoffInput {
  baseOffset: number;
  ptr: number;
  len: number;
  maxBatchBytes: number;
  partitionLeaderEpoch: number;
}

/** One entry's outputs. */
export interface HandoffOutput {
  stampedBase: number;
  status: number;
  errorPosition: number;
}

/** Writes entry `i` of the table at `table` (8-aligned). */
export function writeEntry(memory: SharedMemory, table: number, i: number, input: HandoffInput): void {
  const at = table + TABLE_HEADER_BYTES + i * ENTRY_BYTES;
  memory.float64[(at + E_BASE_OFFSET) >>> 3] = input.baseOffset;
  const i32 = memory.int32;
  i32[(at + E_PTR) >>> 2] = input.ptr | 0;
  i32[(at + E_LEN) >>> 2] = input.len | 0;
  i32[(at + E_MAX_BATCH_BYTES) >>> 2] = input.maxBatchBytes | 0;
  i32[(at + E_LEADER_EPOCH) >>> 2] = input.partitionLeaderEpoch | 0;
  i32[(at + E_STATUS) >>> 2] = 0;
  i32[(at + E_ERROR_POSITION) >>> 2] = 0;
}

/** Publishes `count` entries (after writing them) and clears `done`. */
export function publish(memory: SharedMemory, table: number, count: number): void {
  Atomics.store(memory.int32, (table + DONE) >>> 2, 0);
  Atomics.store(memory.int32, (table + COUNT) >>> 2, count);
}

/** The entry count a worker reads (Atomics.load: sees every entry written before publish). */
export function publishedCount(memory: SharedMemory, table: number): number {
  return Atomics.load(memory.int32, (table + COUNT) >>> 2);
}

/** Reads entry `i`'s inputs. */
export function readInput(memory: SharedMemory, table: number, i: number, out: HandoffInput): HandoffInput {
  const at = table + TABLE_HEADER_BYTES + i * ENTRY_BYTES;
  const i32 = memory.int32;
  out.baseOffset = memory.float64[(at + E_BASE_OFFSET) >>> 3]!;
  out.ptr = i32[(at + E_PTR) >>> 2]! >>> 0;
  out.len = i32[(at + E_LEN) >>> 2]! >>> 0;
  out.maxBatchBytes = i32[(at + E_MAX_BATCH_BYTES) >>> 2]!;
  out.partitionLeaderEpoch = i32[(at + E_LEADER_EPOCH) >>> 2]!;
  return out;
}

/** Writes entry `i`'s outputs (worker side). */
export function writeOutput(memory: SharedMemory, table: number, i: number, stampedBase: number, status: number, errorPosition: number): void {
  const at = table + TABLE_HEADER_BYTES + i * ENTRY_BYTES;
  memory.float64[(at + E_BASE_OFFSET) >>> 3] = stampedBase;
  memory.int32[(at + E_STATUS) >>> 2] = status;
  memory.int32[(at + E_ERROR_POSITION) >>> 2] = errorPosition;
}

/** Marks `count` entries processed (worker side, last). */
export function markDone(memory: SharedMemory, table: number, count: number): void {
  Atomics.store(memory.int32, (table + DONE) >>> 2, count);
}

/** Entries the worker finished (main side, first; Atomics.load orders the reads after it). */
export function doneCount(memory: SharedMemory, table: number): number {
  return Atomics.load(memory.int32, (table + DONE) >>> 2);
}

/** Reads entry `i`'s outputs (main side, after {@link doneCount}). */
export function readOutput(memory: SharedMemory, table: number, i: number, out: HandoffOutput): HandoffOutput {
  const at = table + TABLE_HEADER_BYTES + i * ENTRY_BYTES;
  out.stampedBase = memory.float64[(at + E_BASE_OFFSET) >>> 3]!;
  out.status = memory.int32[(at + E_STATUS) >>> 2]!;
  out.errorPosition = memory.int32[(at + E_ERROR_POSITION) >>> 2]!;
  return out;
}
