/**
 * The audit runs table that {@link Engine.validateBatch} fills during its record walk when
 * given one (issue 15, broker tier of the end-to-end audit): consecutive records of a batch
 * with the same timestamp make one run (timestamp ms, records, key + value bytes). Layout:
 * assembly/layout.ts kAudit*. The table lives in the engine's shared memory (so the WASM core
 * writes it directly) and grows on the owner thread before a call that might need more runs.
 */
import {
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  kAuditFlagCompressed,
  kAuditFlagOverflow,
  kAuditFlags,
  kAuditHeaderSize,
  kAuditRunBytes,
  kAuditRunCount,
  kAuditRunRecords,
  kAuditRunSize,
  kAuditRunTimestamp,
} from './layout.js';
import type { SharedMemory } from './shared-memory.js';

/** Smallest encoded record: length, attributes, timestampDelta, offsetDelta, key/value lengths, header count (1 byte each). */
const MIN_RECORD_BYTES = 7;
const INITIAL_RUNS = 64;

export class AuditTable {
  #ptr = 0;
  #capacity = 0;

  constructor(readonly memory: SharedMemory) {}

  /** Address of the table (allocated on first use). */
  get ptr(): number {
    return this.#ptr;
  }

  /** Runs the table holds. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Makes room for every run the batch at [ptr, ptr + available) can yield: at most its
   * declared record count and at most one per 7 bytes (the smallest record), so a corrupt
   * header cannot ask for a huge table.
   */
  reserveFor(ptr: number, available: number): void {
    let needed = 1;
    if (available >= RECORD_BATCH_OVERHEAD) {
      const declared = this.memory.dataView.getInt32(ptr + RECORDS_COUNT_OFFSET);
      needed = Math.max(1, Math.min(declared, Math.floor((available - RECORD_BATCH_OVERHEAD) / MIN_RECORD_BYTES)));
    }
    if (needed <= this.#capacity) return;
    const capacity = Math.max(needed, INITIAL_RUNS, this.#capacity * 2);
    if (this.#ptr !== 0) this.memory.free(this.#ptr);
    this.#ptr = 0;
    this.#ptr = this.memory.alloc(kAuditHeaderSize + capacity * kAuditRunSize);
    this.#capacity = capacity;
  }

  /** Runs written by the last validateBatch (valid only if that batch was valid). */
  get runs(): number {
    return this.#ptr === 0 ? 0 : this.memory.dataView.getUint32(this.#ptr + kAuditRunCount, true);
  }

  /** True if the last batch was compressed: one run at its maxTimestamp, bytes = its record bytes. */
  get compressed(): boolean {
    return (this.memory.dataView.getUint32(this.#ptr + kAuditFlags, true) & kAuditFlagCompressed) !== 0;
  }

  /** True if runs were dropped for want of room (a bug: {@link reserveFor} sizes the table). */
  get overflowed(): boolean {
    return (this.memory.dataView.getUint32(this.#ptr + kAuditFlags, true) & kAuditFlagOverflow) !== 0;
  }

  /** Run i's record timestamp, ms (-1 or any negative: none). */
  timestamp(i: number): number {
    return this.memory.dataView.getFloat64(this.#ptr + kAuditHeaderSize + i * kAuditRunSize + kAuditRunTimestamp, true);
  }

  /** Run i's record count. */
  records(i: number): number {
    return this.memory.dataView.getUint32(this.#ptr + kAuditHeaderSize + i * kAuditRunSize + kAuditRunRecords, true);
  }

  /** Run i's key + value bytes. */
  bytes(i: number): number {
    return this.memory.dataView.getUint32(this.#ptr + kAuditHeaderSize + i * kAuditRunSize + kAuditRunBytes, true);
  }

  /** Frees the table. */
  dispose(): void {
    if (this.#ptr !== 0) this.memory.free(this.#ptr);
    this.#ptr = 0;
    this.#capacity = 0;
  }
}
