/**
 * One segment of a partition log, as Kafka lays it out (docs/implementation.html "Log"):
 *
 *   <baseOffset:20 digits>.log        record batches v2 as received, baseOffset and
 *                                      partitionLeaderEpoch assigned by the broker
 *   <baseOffset:20 digits>.index      sparse offset → position (see OffsetIndex)
 *   <baseOffset:20 digits>.timeindex  sparse timestamp → offset (see TimeIndex)
 *
 * Appends go through the segment's {@link TailBuffer} in shared memory: the batches are
 * copied there once, validated and stamped in place by the engine, then written to the file
 * from a view of the same bytes (page cache; fsync only per `log.flush.interval.*`).
 *
 * This class (Kafka LogSegment) holds the segment's state, its appends and its files'
 * lifecycle; the rest has its own files:
 *   segment-indexes.ts   the offset and time indexes and their upkeep, loading and checking
 *   segment-reader.ts    scanning batch headers and reading whole batches (tail or file)
 *   segment-recovery.ts  validating the `.log` from the start (its valid prefix)
 *   tail-buffer.ts       the tail buffer in shared memory and when it is replaced
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchInfo, Engine } from '../engine/engine.js';
import { newBatchInfo } from '../engine/engine-impl.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type BatchHeader, wholeBatches } from './batch-header.js';
import { type Offset, asOffset, offsetFileName } from './offset.js';
import type { OffsetIndex } from './offset-index.js';
import { type TailBudget, type TailBuffer, TailSlot } from './tail-buffer.js';
import type { TimeIndex } from './time-index.js';
import { unlinkQuietly } from './atomic-file.js';
import { TXN_INDEX_SUFFIX, TransactionIndex } from './transaction-index.js';
import { newRequestValidation, requestError, validateRequest } from './request-validation.js';
import { SegmentIndexes } from './segment-indexes.js';
import { type SegmentBytes, type SegmentSlice, batchHeadersFrom, readBatches } from './segment-reader.js';
import { validPrefix } from './segment-recovery.js';
import type { AppendAudit } from './log-config.js';

export type { SegmentSlice } from './segment-reader.js';

/** Attributes bits 0-2: compression codec (0 = none). */
const COMPRESSION_CODEC_MASK = 0x07;

export interface SegmentOptions {
  engine: Engine;
  /** `log.index.interval.bytes` */
  indexIntervalBytes: number;
  /** Largest tail buffer, bytes of shared memory. */
  tailCapacity: number;
  /** The broker-wide bound on tail buffers, shared by every segment (none: unbounded). */
  tailBudget?: TailBudget;
}

/** What one append wrote. Units: offsets absolute; timestamps ms; bytes. */
export interface SegmentAppendInfo {
  firstOffset: Offset;
  lastOffset: Offset;
  maxTimestamp: number;
  recordCount: number;
  bytes: number;
}

/**
 * Produce requests copied into shared memory for a worker to validate (see
 * {@link LogSegment.stage}). Units: addresses and bytes; `startSize` is the segment size then.
 */
export interface StagedRegion {
  ptr: number;
  len: number;
  tail: TailBuffer | null;
  /** Ends the tail lease; null for a temporary region (freed instead). */
  release: (() => void) | null;
  startSize: number;
}

export class LogSegment {
  /** Bytes in the `.log`. */
  size = 0;
  /** The offset after the last record (baseOffset when empty). */
  nextOffset: Offset;
  /** When the segment was created or first appended to (ms), for `log.roll.ms`. */
  rollingBasedTimestamp: number;
  private unflushedRecords = 0;
  /** Appended to since the last fsync (so graceful shutdown fsyncs only what changed). */
  private dirty = false;
  /** The tail buffer holding the newest bytes in shared memory (tail-buffer.ts). */
  private readonly tailSlot: TailSlot;
  private readonly scratchInfo = newBatchInfo();
  private readonly validation = newRequestValidation();
  private readonly fd: number;
  private closed = false;
  /** The offset and time indexes and what keeps them (segment-indexes.ts). */
  private readonly indexes: SegmentIndexes;
  /** The file and tail buffer, for the reads of segment-reader.ts. */
  private readonly bytesSource: SegmentBytes;
  /** Aborted transactions whose ABORT marker is in this segment (`.txnindex`, transaction-index.ts). */
  readonly txnIndex: TransactionIndex;
  /** The `.log` file's current path (it changes with {@link renameFiles}). */
  logPath: string;
  /** Suffix after `.log` / `.index` / `.timeindex` ('' live; `.deleted`, `.cleaned`, `.swap`). */
  suffix: string;

  private constructor(
    readonly dir: string,
    readonly baseOffset: Offset,
    private readonly options: SegmentOptions,
    suffix = '',
  ) {
    this.nextOffset = baseOffset;
    this.suffix = suffix;
    this.logPath = join(dir, offsetFileName(baseOffset, '.log') + suffix);
    this.fd = openSync(this.logPath, 'a+');
    this.size = fstatSync(this.fd).size;
    this.tailSlot = new TailSlot(options.engine.memory, options.tailCapacity, options.tailBudget ?? null);
    this.indexes = new SegmentIndexes(dir, baseOffset, suffix, options.engine, options.indexIntervalBytes);
    this.txnIndex = new TransactionIndex(join(dir, offsetFileName(baseOffset, TXN_INDEX_SUFFIX) + suffix));
    this.bytesSource = { fd: this.fd, memory: options.engine.memory, tail: () => this.tailSlot.current };
    this.rollingBasedTimestamp = Date.now();
  }

  /** The sparse offset → position index (`.index`). */
  get offsetIndex(): OffsetIndex {
    return this.indexes.offsetIndex;
  }

  /** The sparse timestamp → offset index (`.timeindex`). */
  get timeIndex(): TimeIndex {
    return this.indexes.timeIndex;
  }

  /** Largest batch maxTimestamp in the segment, ms; -1 when empty. */
  get maxTimestampSoFar(): number {
    return this.indexes.maxTimestampSoFar;
  }

  /**
   * Creates the files of a new, empty segment; `suffix` names files being built aside
   * (`.cleaned` while the cleaner writes them).
   */
  static create(dir: string, baseOffset: Offset, options: SegmentOptions, suffix = ''): LogSegment {
    return new LogSegment(dir, baseOffset, options, suffix);
  }

  /**
   * Opens an existing, non-active segment: loads its indexes and checks them; an index that
   * is missing, torn or inconsistent is rebuilt from the log (returns true then).
   */
  static openSealed(dir: string, baseOffset: Offset, options: SegmentOptions): { segment: LogSegment; rebuilt: boolean } {
    const segment = new LogSegment(dir, baseOffset, options);
    const nextOffset = segment.size > 0 ? segment.indexes.load(segment.size, (position) => segment.batchesFrom(position)) : null;
    if (nextOffset !== null) {
      segment.nextOffset = nextOffset;
      return { segment, rebuilt: false };
    }
    segment.recover();
    return { segment, rebuilt: true };
  }

  /**
   * Opens the active (last) segment and checks it batch by batch (lengths, magic, CRC-32C,
   * records), rebuilding both indexes. A torn or corrupt tail is truncated to the last
   * valid batch; returns the bytes truncated.
   */
  static openActive(dir: string, baseOffset: Offset, options: SegmentOptions): { segment: LogSegment; truncatedBytes: number } {
    const segment = new LogSegment(dir, baseOffset, options);
    const truncatedBytes = segment.recover();
    return { segment, truncatedBytes };
  }

  /** The first offset in this segment, if any records. */
  get isEmpty(): boolean {
    return this.size === 0;
  }

  /**
   * Appends the record batches in `records` (one produce request's data for a partition),
   * assigning offsets from `nextOffset` on and `partitionLeaderEpoch`. All batches are
   * validated before any is written: on error nothing changes on disk.
   * Errors (KafkaError): CORRUPT_MESSAGE (CRC, lengths, magic), INVALID_RECORD (counts,
   * deltas), MESSAGE_TOO_LARGE (a batch over `maxBatchBytes`).
   * `beforeWrite`, if given, sees the validated batch headers before anything is stamped or
   * written: it may throw (the append fails, nothing changes) or return an answer to give
   * instead of appending (an idempotent producer's retry).
   * Source: Kafka LogValidator / LogSegment.append.
   */
  append(
    records: Uint8Array,
    partitionLeaderEpoch: number,
    maxBatchBytes: number,
    beforeWrite?: (batches: readonly BatchInfo[]) => SegmentAppendInfo | null,
    audit?: AppendAudit | null,
  ): SegmentAppendInfo {
    const memory = this.options.engine.memory;
    const len = records.byteLength;
    const tail = this.tailSlot.for(len, this.size);
    const ptr = tail ? tail.addressOf(tail.endPosition) : memory.alloc(len);
    try {
      memory.write(records, ptr);
      const batches = this.validate(ptr, len, maxBatchBytes, records, audit ?? null);
      if (beforeWrite) {
        const answer = beforeWrite(batches);
        if (answer) return answer;
      }
      return this.writeBatches(ptr, len, batches, partitionLeaderEpoch, tail, true);
    } finally {
      if (!tail) memory.free(ptr);
    }
  }

  /**
   * Accounts one batch written at byte `position` (appends, follower appends and recovery
   * alike) in the indexes (segment-indexes.ts), and starts the roll clock at the segment's
   * first batch (its timestamp, or now without one).
   */
  private indexBatch(lastOffset: number, maxTimestamp: number, position: number, sizeInBytes: number): void {
    this.indexes.add(lastOffset, maxTimestamp, position, sizeInBytes);
    if (position === 0) this.rollingBasedTimestamp = maxTimestamp > 0 ? maxTimestamp : Date.now();
  }

  /**
   * Stamps (when `stamp`; else the batches already carry these offsets), indexes and writes
   * the validated batches `batches` at [ptr, ptr + len) of shared memory at the segment's
   * end, then counts them into the tail buffer when they sit there.
   */
  private writeBatches(ptr: number, len: number, batches: readonly BatchInfo[], partitionLeaderEpoch: number, tail: TailBuffer | null, stamp: boolean): SegmentAppendInfo {
    const engine = this.options.engine;
    const firstOffset = this.nextOffset;
    let offset: number = firstOffset;
    let position = this.size;
    let at = ptr;
    let recordCount = 0;
    let maxTimestamp = -1;
    for (const info of batches) {
      if (stamp) engine.stampBatch(at, offset, partitionLeaderEpoch);
      const lastOffset = offset + info.lastOffsetDelta;
      this.indexBatch(lastOffset, info.maxTimestamp, position, info.sizeInBytes);
      position += info.sizeInBytes;
      at += info.sizeInBytes;
      recordCount += info.recordCount;
      maxTimestamp = Math.max(maxTimestamp, info.maxTimestamp);
      offset = lastOffset + 1;
    }
    writeSync(this.fd, engine.memory.view(ptr, len), 0, len, this.size);
    this.size += len;
    if (tail) tail.length += len;
    this.nextOffset = asOffset(offset);
    this.unflushedRecords += recordCount;
    this.dirty = true;
    return { firstOffset, lastOffset: asOffset(offset - 1), maxTimestamp, recordCount, bytes: len };
  }

  /**
   * Worker-pool appends, step 1 (main thread): copies `parts` (produce requests' records, in
   * order) back to back into shared memory where they will be appended — the tail buffer's
   * free room at the segment's end, or a temporary region when `len` (their total bytes)
   * exceeds the tail's capacity — with a lease so that nothing frees or reuses the region
   * until {@link unstage}. The caller keeps other appends away until then (one staged run
   * per partition). Returns the region; its bytes are the only copy made of the requests.
   */
  stage(parts: readonly Uint8Array[], len: number): StagedRegion {
    const memory = this.options.engine.memory;
    const tail = this.tailSlot.for(len, this.size);
    const ptr = tail ? tail.addressOf(tail.endPosition) : memory.alloc(len);
    let at = ptr;
    for (const part of parts) {
      memory.write(part, at);
      at += part.byteLength;
    }
    return { ptr, len, tail, release: tail ? tail.lease() : null, startSize: this.size };
  }

  /**
   * Worker-pool appends, step 3 (main thread, in staging order): appends one part of a staged
   * region, [partPtr, partPtr + batches' bytes), whose batches a worker validated and stamped
   * from `stampedBase`. The part is first moved down to the segment's end in memory when
   * parts before it were not appended (a rejected request, an idempotent retry), and
   * re-stamped when its offsets are not the ones the worker assumed; then indexed and
   * written exactly as {@link append} does. Errors: NOT_LEADER_OR_FOLLOWER (retriable) when the
   * segment changed under the staged region (closed, truncated, recovered).
   */
  commitStaged(region: StagedRegion, partPtr: number, batches: readonly BatchInfo[], partitionLeaderEpoch: number, stampedBase: number): SegmentAppendInfo {
    let len = 0;
    for (const info of batches) len += info.sizeInBytes;
    const tail = region.tail;
    const intact = !this.closed && (tail ? this.tailSlot.current === tail && tail.endPosition === this.size : this.size === region.startSize && partPtr === region.ptr);
    if (!intact) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.logPath} changed while an append was being validated`);
    let ptr = partPtr;
    if (tail) {
      const target = tail.addressOf(this.size);
      if (target !== partPtr) {
        const bytes = this.options.engine.memory.bytes;
        bytes.copyWithin(target, partPtr, partPtr + len);
        ptr = target;
      }
    }
    return this.writeBatches(ptr, len, batches, partitionLeaderEpoch, tail, stampedBase !== this.nextOffset);
  }

  /** Worker-pool appends: ends a staged region's lease (or frees its temporary memory). */
  unstage(region: StagedRegion): void {
    if (region.release) region.release();
    else this.options.engine.memory.free(region.ptr);
  }

  /**
   * Appends batches that already carry their offsets — the cleaner's output (Kafka
   * LogSegment.append(largestOffset, …)) — as they are, indexing them as appends do.
   * `bytes` holds whole valid batches with base offsets increasing from at least nextOffset.
   * Errors: Error (our bug) if a batch's offsets go backwards.
   */
  appendRaw(bytes: Uint8Array): void {
    let pos = 0;
    for (const h of wholeBatches(bytes, this.size)) {
      if (h.baseOffset < this.nextOffset) throw new Error(`${this.logPath}: batch at offset ${h.baseOffset} is below the segment's next offset ${this.nextOffset}`);
      this.indexBatch(h.lastOffset, h.maxTimestamp, h.position, h.sizeInBytes);
      this.nextOffset = asOffset(h.lastOffset + 1);
      pos += h.sizeInBytes;
    }
    if (pos !== bytes.byteLength) throw new Error(`${this.logPath}: ${bytes.byteLength - pos} bytes after the last whole batch`);
    writeSync(this.fd, bytes, 0, bytes.byteLength, this.size);
    this.size += bytes.byteLength;
    this.dirty = true;
  }

  /**
   * Drops every batch holding an offset >= `offset` (whole batches: a batch that holds
   * `offset` goes too, as Kafka's LogSegment.truncateTo does) and rebuilds the indexes.
   * Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    let cut = -1;
    for (const batch of this.batchesFrom(this.offsetIndex.lookup(offset))) {
      if (batch.lastOffset >= offset) {
        cut = batch.position;
        break;
      }
    }
    if (cut < 0) return 0;
    const removed = this.size - cut;
    this.tailSlot.drop();
    ftruncateSync(this.fd, cut);
    this.size = cut;
    this.recover();
    this.dirty = true;
    return removed;
  }

  /** Validates every batch at [ptr, ptr+len) (see request-validation.ts); returns their headers. */
  private validate(ptr: number, len: number, maxBatchBytes: number, records: Uint8Array, audit: AppendAudit | null): BatchInfo[] {
    const out: BatchInfo[] = [];
    const result = this.validation;
    validateRequest(this.options.engine, ptr, len, maxBatchBytes, this.scratchInfo, result, (_at, info) => {
      out.push({ ...info });
      audit?.onBatch();
    }, audit?.table);
    if (result.status < 0) throw requestError(result, records, maxBatchBytes);
    return out;
  }

  /**
   * Scans batch headers from `position` to the end of the segment (or `endPosition`), from
   * the tail buffer or the file (segment-reader.ts). Stops at a header that does not fit.
   */
  batchesFrom(position: number, endPosition = this.size): Generator<BatchHeader> {
    return batchHeadersFrom(this.bytesSource, position, endPosition);
  }

  /**
   * The first batch holding an offset >= `offset` (Kafka LogSegment.translateOffset), found
   * from the offset index's floor entry; null if no such batch is in this segment.
   */
  translateOffset(offset: number): BatchHeader | null {
    const start = this.offsetIndex.lookup(offset);
    for (const batch of this.batchesFrom(start)) {
      if (batch.lastOffset >= offset) return batch;
    }
    return null;
  }

  /**
   * Bytes of whole batches from `first`, at most `maxBytes` but at least the first batch
   * whole (KIP-74). A view of the tail buffer (leased) when it holds them all. `forSocket`:
   * the bytes only go to a socket write, after which the caller releases them (a file read
   * may then use a recycled buffer, segment-reader.ts readBatches).
   */
  read(first: BatchHeader, maxBytes: number, forSocket = false): SegmentSlice {
    return readBatches(this.bytesSource, first, maxBytes, this.size, forSocket);
  }

  /**
   * Validates every batch from the start with the engine (segment-recovery.ts), rebuilding
   * both indexes; truncates the log after the last valid batch. Returns the number of bytes
   * truncated. Source: Kafka LogSegment.recover.
   */
  recover(): number {
    this.indexes.reset();
    const { validBytes, nextOffset } = validPrefix(this.fd, this.size, this.baseOffset, this.options.engine, (lastOffset, maxTimestamp, position, sizeInBytes) =>
      this.indexBatch(lastOffset, maxTimestamp, position, sizeInBytes),
    );
    const truncated = this.size - validBytes;
    if (truncated > 0) {
      ftruncateSync(this.fd, validBytes);
      this.size = validBytes;
    }
    this.nextOffset = asOffset(nextOffset);
    this.txnIndex.truncateTo(nextOffset);
    this.tailSlot.drop();
    return truncated;
  }

  /** Records appended since the last fsync. */
  get unflushedRecordCount(): number {
    return this.unflushedRecords;
  }

  /** fsyncs the log (`log.flush.interval.*`); indexes are written to the page cache. */
  flush(): void {
    this.indexes.flush();
    fsyncSync(this.fd);
    this.unflushedRecords = 0;
    this.dirty = false;
  }

  /**
   * Called when a newer segment takes over (Kafka onBecomeInactiveSegment): writes a final
   * time-index entry for the segment's largest timestamp and the indexes to their files,
   * before the next segment's file is created.
   */
  seal(): void {
    this.indexes.seal();
    this.tailSlot.drop();
  }

  /** Writes indexes, fsyncs a segment appended to since its last fsync, and closes the files. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.dirty) this.flush();
    this.indexes.close();
    closeSync(this.fd);
    this.tailSlot.drop();
  }

  /**
   * The segment's largest record timestamp, or the `.log` file's modification time when it
   * holds none (Kafka LogSegment.largestTimestamp); ms since the epoch. Time retention uses it.
   */
  get largestTimestamp(): number {
    if (this.maxTimestampSoFar >= 0) return this.maxTimestampSoFar;
    try {
      return statSync(this.logPath).mtimeMs;
    } catch {
      return Date.now();
    }
  }

  /**
   * Renames the segment's three files from their current suffix to `suffix` (e.g. '' →
   * `.deleted`, `.cleaned` → `.swap` → ''), `.log` last, so that at every moment the `.log`
   * file's name tells the segment's state. Open descriptors stay valid (POSIX rename), so
   * reads in flight go on. `beforeLog` runs between the indexes and the `.log` (the cleaner's
   * crash tests stop there). Errors: fs errors (files already renamed stay renamed).
   */
  renameFiles(suffix: string, beforeLog?: () => void): void {
    if (suffix === this.suffix) return;
    for (const index of this.indexes.files) {
      const target = index.path.slice(0, index.path.length - this.suffix.length) + suffix;
      renameSync(index.path, target);
      index.path = target;
    }
    this.txnIndex.rename(this.txnIndex.path.slice(0, this.txnIndex.path.length - this.suffix.length) + suffix);
    beforeLog?.();
    const target = this.logPath.slice(0, this.logPath.length - this.suffix.length) + suffix;
    renameSync(this.logPath, target);
    this.logPath = target;
    this.suffix = suffix;
  }

  /** Closes the segment and unlinks its files under their current names (after `.deleted`). */
  deleteFiles(): void {
    this.close();
    for (const path of [this.offsetIndex.path, this.timeIndex.path, this.logPath]) unlinkQuietly(path);
    this.txnIndex.delete();
  }

  /** Closes and removes the segment's files (topic deletion). */
  delete(): void {
    this.close();
    for (const path of [this.logPath, this.offsetIndex.path, this.timeIndex.path]) {
      try {
        renameSync(path, `${path}.deleted`);
      } catch {
        continue; // already gone
      }
      unlinkQuietly(`${path}.deleted`);
    }
    this.txnIndex.delete();
  }

  /** True if `attributes` name a compression codec (the batch's records are opaque). */
  static isCompressed(attributes: number): boolean {
    return (attributes & COMPRESSION_CODEC_MASK) !== 0;
  }
}
