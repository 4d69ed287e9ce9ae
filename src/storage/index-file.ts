/**
 * The common part of a segment's sparse indexes (`.index`, `.timeindex`): fixed-size
 * big-endian entries kept in shared memory, so the engine's binary search (WASM or its JS
 * twin) runs over them in place, and persisted to the index file.
 *
 * Persistence: new entries are appended to the file by {@link IndexFile.flush}, which the
 * segment calls when it is rolled, flushed or closed. The file is opened only for those
 * moments (load, flush, truncation), never held open: lookups run over the copy in memory,
 * so a broker with many partitions and segments spends one descriptor per segment (its
 * `.log`), not three. A crash can therefore leave the active
 * segment's index short; start-up recovery always rebuilds the active segment's indexes
 * from its log (Kafka recovers segments past the recovery point the same way).
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { Engine } from '../engine/engine.js';

const INITIAL_CAPACITY_ENTRIES = 64;

export abstract class IndexFile {
  /** Pointer of the entries in shared memory (0 = none allocated yet). */
  protected ptr = 0;
  protected capacityEntries = 0;
  /** Number of valid entries. */
  entries = 0;
  /** Entries already written to the file. */
  private persistedEntries = 0;
  private closed = false;

  constructor(
    /** The file's current path (changes when the segment's files are renamed). */
    public path: string,
    protected readonly engine: Engine,
    readonly entrySize: number,
  ) {
    closeSync(openSync(path, 'a+')); // created if missing
  }

  /** Runs `fn` with the file open for reading and writing. Errors: fs errors (ENOENT if it was removed). */
  private withFile<T>(fn: (fd: number) => T): T {
    const fd = openSync(this.path, 'r+');
    try {
      return fn(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Loads the file's entries into memory. Returns false (and loads nothing) if the file's
   * size is not a whole number of entries; the caller then rebuilds the index from the log.
   */
  load(): boolean {
    return this.withFile((fd) => {
      const size = fstatSync(fd).size;
      if (size % this.entrySize !== 0) return false;
      const n = size / this.entrySize;
      this.reserve(n);
      if (n > 0) readSync(fd, this.engine.memory.view(this.ptr, size), 0, size, 0);
      this.entries = n;
      this.persistedEntries = n;
      return true;
    });
  }

  /** Drops every entry, in memory and on disk (before a rebuild). */
  reset(): void {
    this.entries = 0;
    this.persistedEntries = 0;
    this.withFile((fd) => ftruncateSync(fd, 0));
  }

  /** Keeps the first `n` entries (after the log was truncated). */
  truncateEntries(n: number): void {
    if (n >= this.entries) return;
    this.entries = n;
    if (this.persistedEntries > n) {
      this.persistedEntries = n;
      this.withFile((fd) => ftruncateSync(fd, n * this.entrySize));
    }
  }

  /** Appends the entries added since the last flush to the file (page cache; no fsync). */
  flush(): void {
    const from = this.persistedEntries;
    const count = this.entries - from;
    if (count <= 0 || this.closed) return;
    const bytes = count * this.entrySize;
    this.withFile((fd) => writeSync(fd, this.engine.memory.view(this.ptr + from * this.entrySize, bytes), 0, bytes, from * this.entrySize));
    this.persistedEntries = this.entries;
  }

  /** Flushes, closes the file and returns the memory. */
  close(): void {
    this.flush();
    this.closed = true;
    if (this.ptr !== 0) this.engine.memory.free(this.ptr);
    this.ptr = 0;
    this.capacityEntries = 0;
  }

  /** DataView-style accessors over the entry at `slot`, via the shared memory's DataView. */
  protected entryAddress(slot: number): number {
    return this.ptr + slot * this.entrySize;
  }

  /** Makes room for one more entry and returns its address. */
  protected nextEntryAddress(): number {
    this.reserve(this.entries + 1);
    return this.entryAddress(this.entries++);
  }

  /** Grows the in-memory buffer (doubling) to hold at least `n` entries. */
  private reserve(n: number): void {
    if (n <= this.capacityEntries) return;
    let capacity = Math.max(this.capacityEntries * 2, INITIAL_CAPACITY_ENTRIES);
    while (capacity < n) capacity *= 2;
    const memory = this.engine.memory;
    const ptr = memory.alloc(capacity * this.entrySize);
    if (this.ptr !== 0) {
      memory.bytes.copyWithin(ptr, this.ptr, this.ptr + this.entries * this.entrySize);
      memory.free(this.ptr);
    }
    this.ptr = ptr;
    this.capacityEntries = capacity;
  }
}
