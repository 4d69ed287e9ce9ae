/**
 * A partition's log: its directory `log.dirs/<topic>-<partition>/` and the segments in it,
 * ordered by base offset; the last one is active (appended to). Offsets are monotonic and
 * never reused, across rolls and restarts: a new segment's base offset is the log end offset.
 *
 *   logStartOffset ── first segment ─ … ─ active segment ── logEndOffset (LEO)
 *   highWatermark = LEO on a single broker (every replica is this one).
 *
 * The log start offset is at or above the first segment's base offset: retention deletes
 * whole old segments, DeleteRecords moves it inside a segment; offsets below it are out of
 * range. A deleted segment's files are renamed `.deleted` and unlinked after
 * `file.delete.delay.ms`, as Kafka does, so a reader holding one is never cut short.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { LogSegment, type SegmentAppendInfo, type SegmentOptions, type SegmentSlice, type StagedRegion } from './log-segment.js';
import type { BatchInfo } from '../engine/engine.js';
import { newBatchInfo } from '../engine/engine-impl.js';
import { requestError } from './request-validation.js';
import { type Offset, asOffset } from './offset.js';
import { findRecordByTimestamp } from './record-scan.js';
import { deleteSnapshots, listSnapshots, readProducerSnapshot, writeProducerSnapshot } from './producer-snapshot.js';
import { type PendingAppend, ProducerStateManager } from './producer-state.js';
import { type RetentionReason, deletableSegments } from './retention.js';
import { recoverInterruptedSwaps } from './cleaner/swap-recovery.js';
import { timerMs } from './timer-ms.js';
import { RECORD_BATCH_OVERHEAD, readBatchHeader, readBatchInfo } from './batch-header.js';
import { CRC_COVERED_OFFSET, CRC_OFFSET, PARTITION_LEADER_EPOCH_OFFSET } from '../engine/layout.js';
import { recordsOf, recordsSection } from './cleaner/batch-filter.js';

export interface LogConfig extends SegmentOptions {
  /** `log.segment.bytes` */
  segmentBytes: number;
  /** `log.roll.ms` */
  rollMs: number;
  /** `message.max.bytes` */
  maxBatchBytes: number;
  /** `log.flush.interval.messages` */
  flushIntervalMessages: number;
  /** cleanup.policy has `compact`: every record must have a key (Kafka LogValidator). */
  compacted?: boolean;
}

/** What Produce answers for one partition. Units: offsets; ms (-1: CreateTime, no append time). */
export interface AppendResult extends SegmentAppendInfo {
  logAppendTimeMs: number;
  logStartOffset: Offset;
  /** True when an idempotent producer's retry was answered with the original offsets. */
  duplicate: boolean;
}

/** One produce request's records in a {@link StagedRun}, at `ptr` in shared memory. */
export interface StagedPart {
  records: Uint8Array;
  ptr: number;
}

/**
 * Produce requests for one partition copied into shared memory for a worker to validate
 * and stamp (PartitionLog.stageRun). `baseOffset`: the log end offset when staged, which the
 * worker stamps the first part's first batch with.
 */
export interface StagedRun {
  readonly segment: LogSegment;
  readonly region: StagedRegion;
  readonly parts: readonly StagedPart[];
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly maxBatchBytes: number;
}

/** Attributes bit 5 (control batch): only the transaction coordinator writes those (ReplicaManager.appendControlBatch). */
const CONTROL = 0x20;
/** Snapshot files kept per partition (the newest). */
const SNAPSHOTS_KEPT = 2;

/** What Fetch answers for one partition. */
export interface ReadResult {
  highWatermark: Offset;
  lastStableOffset: Offset;
  logStartOffset: Offset;
  /** Whole batches (a view or a file read) or null when there is nothing at the offset yet. */
  slice: SegmentSlice | null;
}

const SEGMENT_LOG_SUFFIX = /^(\d{20})\.log$/;
const DELETED_SUFFIX = '.deleted';

/** What retention needs of a topic's settings, plus the clock. Units: ms, bytes. */
export interface RetentionPolicy {
  deleteEnabled: boolean;
  retentionMs: number;
  retentionBytes: number;
  fileDeleteDelayMs: number;
  now: number;
}

export interface PartitionLogOptions {
  /** The log start offset from the checkpoint (clamped to [first segment base, LEO]). */
  logStartOffset?: number;
}

export class PartitionLog {
  private readonly segments: LogSegment[] = [];
  private readonly appendListeners = new Set<() => void>();
  private startOffset = asOffset(0);
  /** Segments renamed `.deleted`, waiting for `file.delete.delay.ms` before their files go. */
  private readonly pendingDeletes = new Map<LogSegment, NodeJS.Timeout>();
  /** Idempotent producers' sequences and last batches (KIP-98). */
  readonly producerState = new ProducerStateManager();
  /** The offset and state version of the newest snapshot written or loaded. */
  private snapshotAt: { offset: number; version: number } | null = null;
  /** True while the cleaner works on this log: retention waits (it would delete under it). */
  cleaning = false;
  private closed = false;
  /** Replicated (cluster mode): the high watermark is set by replication, not the log end. */
  private replicated = false;
  private hw = 0;
  /** The worker pool's run being validated (stageRun → releaseRun); appends wait for it. */
  private stagedRun: StagedRun | null = null;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    private readonly config: LogConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the log in `dir` (created by the caller), recovering it: sealed segments have
   * their indexes checked (rebuilt if bad); the active segment is validated batch by batch
   * and a torn/corrupt tail truncated (logged with the byte count).
   */
  static open(topic: string, partition: number, dir: string, config: LogConfig, logger: Logger, options: PartitionLogOptions = {}): PartitionLog {
    const log = new PartitionLog(topic, partition, dir, config, logger);
    log.load(options.logStartOffset ?? 0);
    return log;
  }

  /** What open() does after construction: reads, recovers and indexes the segments in `dir`. */
  private load(storedLogStartOffset: number): void {
    const { dir, config, logger } = this;
    for (const name of readdirSync(dir)) {
      // Deletions that a restart interrupted: the files were already out of the log.
      if (name.endsWith(DELETED_SUFFIX)) unlinkSync(join(dir, name));
    }
    recoverInterruptedSwaps(dir, config, logger);
    const baseOffsets = readdirSync(dir)
      .map((name) => SEGMENT_LOG_SUFFIX.exec(name)?.[1])
      .filter((s): s is string => s !== undefined)
      .map((s) => asOffset(Number(s)))
      .sort((a, b) => a - b);
    if (baseOffsets.length === 0) baseOffsets.push(asOffset(0));
    baseOffsets.forEach((baseOffset, i) => {
      if (i < baseOffsets.length - 1) {
        const { segment, rebuilt } = LogSegment.openSealed(dir, baseOffset, config);
        if (rebuilt) logger.warn({ segment: segment.logPath }, 'rebuilt missing or inconsistent index');
        this.segments.push(segment);
      } else {
        const { segment, truncatedBytes } = LogSegment.openActive(dir, baseOffset, config);
        if (truncatedBytes > 0) {
          logger.warn(
            { segment: segment.logPath, truncatedBytes, logEndOffset: segment.nextOffset },
            'truncated a torn or corrupt tail to the last valid batch',
          );
        }
        this.segments.push(segment);
      }
    });
    // An empty active segment after a sealed one continues at the sealed one's end.
    const active = this.activeSegment;
    if (active.isEmpty && this.segments.length > 1) {
      const previous = this.segments[this.segments.length - 2]!;
      if (previous.nextOffset > active.baseOffset) {
        throw new Error(`${dir}: segment ${active.baseOffset} starts below the previous segment's end ${previous.nextOffset}`);
      }
    }
    this.startOffset = asOffset(Math.min(Math.max(storedLogStartOffset, this.segments[0]!.baseOffset), this.logEndOffset));
    this.loadProducerState();
  }

  /**
   * Closes the segments' files and opens them again from disk exactly as at start-up
   * (active segment validated batch by batch, torn tail truncated, indexes checked, producer
   * state rebuilt); the object, its listeners and the log start offset stay. The worker pool
   * calls it for the partitions of a worker that threw or died, whose staged bytes in shared
   * memory may be half stamped: the disk, where only acknowledged appends went, is the truth.
   */
  reload(): void {
    if (this.closed) return;
    const start = this.startOffset;
    this.finishPendingDeletes();
    for (const segment of this.segments.splice(0)) segment.close();
    this.producerState.clear();
    this.snapshotAt = null;
    this.load(start);
    this.hw = Math.min(this.hw, this.logEndOffset);
  }

  /**
   * Rebuilds the producer state: from the newest valid snapshot at or below the log end
   * offset (snapshots above it, left by a truncated tail, are removed), then by replaying the
   * batches after it. Without a snapshot only the last two segments are replayed, as Kafka
   * does, to bound start-up time.
   */
  private loadProducerState(): void {
    const leo = this.logEndOffset;
    deleteSnapshots(this.dir, (offset) => offset > leo);
    let from: number | null = null;
    for (const offset of listSnapshots(this.dir).reverse()) {
      const entries = readProducerSnapshot(this.dir, offset, this.config.engine);
      if (!entries) {
        this.logger.warn({ topic: this.topic, partition: this.partition, offset }, 'ignored a corrupt producer snapshot');
        continue;
      }
      for (const entry of entries) this.producerState.load(entry);
      from = offset;
      break;
    }
    if (from === null) from = this.segments[Math.max(0, this.segments.length - 2)]!.baseOffset;
    from = Math.max(from, this.startOffset);
    const replayed = this.replayProducerState(from);
    if (replayed === 0 && from === leo) this.snapshotAt = { offset: leo, version: this.producerState.version };
  }

  /** Applies every batch with offsets at or after `from` to the producer state; returns their count. */
  private replayProducerState(from: number): number {
    let count = 0;
    for (let i = this.segmentIndexFor(from); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      for (const batch of segment.batchesFrom(segment.offsetIndex.lookup(from))) {
        if (batch.lastOffset < from) continue;
        count++;
        if (batch.producerId < 0) continue;
        this.producerState.replay({
          producerId: batch.producerId,
          producerEpoch: batch.producerEpoch,
          baseSequence: batch.baseSequence,
          lastOffsetDelta: batch.lastOffset - batch.baseOffset,
          maxTimestamp: batch.maxTimestamp,
          firstOffset: batch.baseOffset,
        });
      }
    }
    return count;
  }

  /**
   * Writes a producer snapshot at `offset` — on every roll and at shutdown, as Kafka does, so
   * recovery replays at most the active segment and a clean restart nothing — unless the same
   * state is already there; keeps the newest two.
   */
  private takeSnapshot(offset: number): void {
    const version = this.producerState.version;
    const last = this.snapshotAt;
    if (last && last.offset === offset && last.version === version) return;
    writeProducerSnapshot(this.dir, asOffset(offset), this.producerState.entries(), this.config.engine);
    this.snapshotAt = { offset, version };
    const kept = listSnapshots(this.dir).slice(-SNAPSHOTS_KEPT);
    deleteSnapshots(this.dir, (o) => !kept.includes(o));
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  /** The first offset a fetch may read; below it is OFFSET_OUT_OF_RANGE. */
  get logStartOffset(): Offset {
    return this.startOffset;
  }

  get logEndOffset(): Offset {
    return this.activeSegment.nextOffset;
  }

  /**
   * The offset below which records are committed (on every in-sync replica): consumers read
   * only below it. A single broker's high watermark is its log end offset.
   */
  get highWatermark(): Offset {
    return this.replicated ? asOffset(Math.min(this.hw, this.logEndOffset)) : this.logEndOffset;
  }

  /** Switches to a replication-managed high watermark (cluster mode). */
  setReplicated(on: boolean): void {
    this.replicated = on;
  }

  /** Moves the high watermark (clamped to the log end) and wakes waiting consumer fetches. */
  setHighWatermark(offset: number): void {
    const hw = Math.min(offset, this.logEndOffset);
    if (hw === this.hw) return;
    this.hw = hw;
    for (const listener of this.appendListeners) listener();
  }

  /**
   * Appends batches fetched from the leader as they are: offsets, leader epochs and bytes
   * unchanged (Kafka Log.appendAsFollower). Each batch's CRC-32C is checked; batches wholly
   * below the log end offset are skipped. Returns the leader epochs that start in these
   * batches, for the epoch cache.
   * Errors: CORRUPT_MESSAGE (CRC, lengths), OFFSET_OUT_OF_RANGE (a gap or an overlap with the
   * log end: the follower must truncate first).
   */
  appendAsFollower(records: Uint8Array): Array<{ epoch: number; startOffset: number }> {
    const engine = this.config.engine;
    const epochs: Array<{ epoch: number; startOffset: number }> = [];
    let start = 0;
    let end = 0;
    let lastEpoch = -1;
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    while (end + RECORD_BATCH_OVERHEAD <= records.byteLength) {
      const header = readBatchHeader(records, end, end);
      if (end + header.sizeInBytes > records.byteLength) break;
      if (header.lastOffset < this.logEndOffset && end === start) {
        start = end + header.sizeInBytes;
        end = start;
        continue;
      }
      const expected = end === start ? this.logEndOffset : -1;
      if (expected >= 0 && header.baseOffset !== expected) {
        throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `batch at offset ${header.baseOffset} does not continue ${this.topic}-${this.partition} at ${expected}`);
      }
      const ptr = engine.memory.alloc(header.sizeInBytes);
      try {
        engine.memory.write(records.subarray(end, end + header.sizeInBytes), ptr);
        const crc = engine.crc32c(ptr + CRC_COVERED_OFFSET, header.sizeInBytes - CRC_COVERED_OFFSET);
        if (crc !== view.getUint32(end + CRC_OFFSET)) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `batch at offset ${header.baseOffset} fails its CRC`);
      } finally {
        engine.memory.free(ptr);
      }
      const epoch = view.getInt32(end + PARTITION_LEADER_EPOCH_OFFSET);
      if (epoch > lastEpoch) {
        epochs.push({ epoch, startOffset: header.baseOffset });
        lastEpoch = epoch;
      }
      end += header.sizeInBytes;
    }
    if (end === start) return [];
    const bytes = records.subarray(start, end);
    this.maybeRoll(bytes.byteLength);
    const from = this.logEndOffset;
    this.activeSegment.appendRaw(bytes);
    this.replayProducerState(from);
    for (const listener of this.appendListeners) listener();
    return epochs;
  }

  /**
   * Removes every record at or after `offset` (whole batches), as a follower does before
   * fetching from a new leader (KIP-101); the high watermark and producer state follow.
   */
  truncateTo(offset: number): void {
    if (offset >= this.logEndOffset) return;
    if (offset <= this.logStartOffset) return this.truncateFullyAndStartAt(this.logStartOffset);
    while (this.segments.length > 1 && this.activeSegment.baseOffset >= offset) {
      const doomed = this.segments.pop()!;
      doomed.delete();
    }
    const removed = this.activeSegment.truncateTo(offset);
    this.hw = Math.min(this.hw, this.logEndOffset);
    this.producerState.clear();
    this.loadProducerState();
    this.logger.warn({ topic: this.topic, partition: this.partition, offset, removedBytes: removed, logEndOffset: this.logEndOffset }, 'truncated log');
  }

  /** Empties the log and continues at `offset` (a replica behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void {
    for (const segment of this.segments.splice(0)) segment.delete();
    this.segments.push(LogSegment.create(this.dir, asOffset(offset), this.config));
    this.startOffset = asOffset(offset);
    this.hw = offset;
    this.producerState.clear();
    this.logger.warn({ topic: this.topic, partition: this.partition, offset }, 'emptied log to restart at the leader\'s log start');
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** The segments, oldest first (the last is active). For the cleaner; do not mutate. */
  get segmentList(): readonly LogSegment[] {
    return this.segments;
  }

  /** True once closed or deleted (the cleaner stops working on it). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The topic settings' LogConfig this log runs with (shared, live). */
  get logConfig(): LogConfig {
    return this.config;
  }

  /** Bytes on disk over all segments' `.log` files. */
  get sizeInBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  /**
   * Appends one produce request's record batches for this partition (see LogSegment.append
   * for validation and errors), rolling first if the active segment would exceed
   * `log.segment.bytes` or is older than `log.roll.ms`. Wakes waiting fetches.
   */
  append(records: Uint8Array, partitionLeaderEpoch: number): AppendResult {
    if (this.stagedRun) throw new Error(`${this.topic}-${this.partition}: append while a staged run awaits its worker`);
    this.maybeRoll(records.byteLength);
    const producers: { pending: PendingAppend | null } = { pending: null };
    const info = this.activeSegment.append(records, partitionLeaderEpoch, this.config.maxBatchBytes, (batches) => this.checkBatches(records, batches, producers));
    return this.appended(info, producers.pending);
  }

  /**
   * What every append checks between validation and the write: no control batches from
   * producers (INVALID_TXN_STATE), keys on compacted topics (INVALID_RECORD), idempotent
   * producers' sequences (producer-state.ts; OUT_OF_ORDER_SEQUENCE_NUMBER,
   * INVALID_PRODUCER_EPOCH…). Returns the original append's answer for a retried batch
   * (nothing is written then), else null; `producers.pending` gets what to commit after.
   */
  private checkBatches(records: Uint8Array, batches: readonly BatchInfo[], producers: { pending: PendingAppend | null }): SegmentAppendInfo | null {
    let idempotent = false;
    for (const b of batches) {
      if ((b.attributes & CONTROL) !== 0) {
        throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `producers may not write control batches (${this.topic}-${this.partition})`);
      }
      if (b.producerId >= 0) idempotent = true;
    }
    if (this.config.compacted) this.requireKeys(records);
    if (!idempotent) return null;
    producers.pending = this.producerState.prepare(batches, `${this.topic}-${this.partition}`);
    const dup = producers.pending.duplicate;
    if (!dup) return null;
    return { firstOffset: asOffset(dup.firstOffset), lastOffset: asOffset(dup.lastOffset), maxTimestamp: dup.maxTimestamp, recordCount: dup.lastOffset - dup.firstOffset + 1, bytes: 0 };
  }

  /** After an append's write (or an idempotent retry's answer): producer state, flush policy, listeners. */
  private appended(info: SegmentAppendInfo, pending: PendingAppend | null): AppendResult {
    const duplicate = pending?.duplicate != null;
    if (duplicate) return { ...info, logAppendTimeMs: -1, logStartOffset: this.logStartOffset, duplicate };
    pending?.commit(info.firstOffset);
    if (this.activeSegment.unflushedRecordCount >= this.config.flushIntervalMessages) this.activeSegment.flush();
    for (const listener of this.appendListeners) listener();
    return { ...info, logAppendTimeMs: -1, logStartOffset: this.logStartOffset, duplicate };
  }

  /**
   * Worker-pool appends, step 1 (main thread): rolls first if the first request needs it
   * (as {@link append} does), then takes the leading requests of `requests` (one partition's
   * produce data, in arrival order) that fit in the active segment without another roll and
   * together in its tail buffer — one only when the segment is empty, since its first batch
   * sets the segment's age — and copies them once, back to back, into shared memory
   * (LogSegment.stage). Until {@link releaseRun}, other appends to this log throw.
   * Returns the run; the caller hands `parts` (addresses, lengths) and `baseOffset` to a
   * worker, which validates and stamps them in place, then calls {@link commitStagedPart}
   * for each part in order. Errors: NOT_LEADER_OR_FOLLOWER on a closed log; fs errors of a roll.
   */
  stageRun(requests: readonly Uint8Array[], partitionLeaderEpoch: number): StagedRun {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.partition} is closed`);
    if (this.stagedRun) throw new Error(`${this.topic}-${this.partition}: a run is already staged`);
    const first = requests[0]!;
    this.maybeRoll(first.byteLength);
    const segment = this.activeSegment;
    let len = first.byteLength;
    let n = 1;
    if (!segment.isEmpty) {
      while (n < requests.length) {
        const next = requests[n]!.byteLength;
        if (len + next > this.config.tailCapacity || segment.size + len + next > this.config.segmentBytes) break;
        len += next;
        n++;
      }
    }
    const taken = requests.slice(0, n);
    const region = segment.stage(taken, len);
    const parts: StagedPart[] = [];
    let ptr = region.ptr;
    for (const records of taken) {
      parts.push({ records, ptr });
      ptr += records.byteLength;
    }
    const run: StagedRun = { segment, region, parts, baseOffset: this.logEndOffset, partitionLeaderEpoch, maxBatchBytes: this.config.maxBatchBytes };
    this.stagedRun = run;
    return run;
  }

  /**
   * Worker-pool appends, step 3 (main thread, parts in order): appends part `index` of `run`
   * given the worker's outcome for it — `status` (its batch count, or a negated Kafka error
   * code from request-validation.ts, at byte `errorPosition`) and the base offset it stamped.
   * Checks and answers as {@link append}: CORRUPT_MESSAGE, INVALID_RECORD,
   * MESSAGE_TOO_LARGE, INVALID_TXN_STATE, the idempotence errors, a retry's original offsets;
   * NOT_LEADER_OR_FOLLOWER (retriable) if the log changed under the run.
   */
  commitStagedPart(run: StagedRun, index: number, status: number, errorPosition: number, stampedBase: number): AppendResult {
    const part = run.parts[index]!;
    if (status <= 0) throw requestError({ status: status === 0 ? -ErrorCode.CORRUPT_MESSAGE : status, position: errorPosition }, part.records, run.maxBatchBytes);
    if (this.stagedRun !== run || this.activeSegment !== run.segment) {
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.partition} changed while an append was being validated`);
    }
    const bytes = this.config.engine.memory.bytes;
    const batches: BatchInfo[] = [];
    for (let k = 0, at = part.ptr; k < status; k++) {
      const info = readBatchInfo(bytes, at, newBatchInfo());
      batches.push(info);
      at += info.sizeInBytes;
    }
    const producers: { pending: PendingAppend | null } = { pending: null };
    const answer = this.checkBatches(part.records, batches, producers);
    if (answer) return this.appended(answer, producers.pending);
    const info = run.segment.commitStaged(run.region, part.ptr, batches, run.partitionLeaderEpoch, stampedBase);
    return this.appended(info, producers.pending);
  }

  /** Worker-pool appends, last step: ends the run (its shared-memory lease); appends may go on. */
  releaseRun(run: StagedRun): void {
    if (this.stagedRun === run) this.stagedRun = null;
    run.segment.unstage(run.region);
  }

  /**
   * A compacted topic refuses records without a key (they could never be compacted).
   * Errors: INVALID_RECORD. Source: Kafka LogValidator.validateKey.
   */
  private requireKeys(records: Uint8Array): void {
    for (let pos = 0; pos < records.byteLength; ) {
      const header = readBatchHeader(records, pos, pos);
      const batch = records.subarray(pos, pos + header.sizeInBytes);
      for (const record of recordsOf(recordsSection(batch, header), header)) {
        if (record.key === null) {
          throw new KafkaError(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${this.topic}-${this.partition}`);
        }
      }
      pos += header.sizeInBytes;
    }
  }

  /** Forgets idempotent producers idle longer than `expirationMs` (producer.id.expiration.ms). */
  expireProducers(now: number, expirationMs: number): number {
    return this.producerState.removeExpired(now, expirationMs);
  }

  private maybeRoll(incomingBytes: number): void {
    const active = this.activeSegment;
    if (active.isEmpty) return;
    const full = active.size + incomingBytes > this.config.segmentBytes;
    const old = Date.now() - active.rollingBasedTimestamp > this.config.rollMs;
    if (full || old) this.roll();
  }

  /** Seals the active segment and starts a new one at the log end offset. */
  roll(): void {
    const active = this.activeSegment;
    active.seal();
    this.segments.push(LogSegment.create(this.dir, active.nextOffset, this.config));
    this.takeSnapshot(active.nextOffset);
    this.logger.debug({ topic: this.topic, partition: this.partition, baseOffset: active.nextOffset }, 'rolled segment');
  }

  /**
   * Reads whole batches from the one holding `fetchOffset`, up to `maxBytes` (at least one
   * batch, KIP-74), from a single segment.
   * Errors: OFFSET_OUT_OF_RANGE if fetchOffset < logStartOffset or > logEndOffset.
   */
  read(fetchOffset: number, maxBytes: number, maxOffset = Number.MAX_SAFE_INTEGER): ReadResult {
    const result: ReadResult = {
      highWatermark: this.highWatermark,
      lastStableOffset: this.highWatermark,
      logStartOffset: this.logStartOffset,
      slice: null,
    };
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${fetchOffset} is outside [${this.logStartOffset}, ${this.logEndOffset}] of ${this.topic}-${this.partition}`,
      );
    }
    if (fetchOffset === this.logEndOffset || fetchOffset >= maxOffset) return result;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const first = segment.translateOffset(fetchOffset);
      if (first) {
        if (first.lastOffset >= maxOffset) return result;
        const slice = segment.read(first, maxBytes);
        result.slice = { ...slice, bytes: batchesBelow(slice.bytes, maxOffset) };
        return result;
      }
    }
    return result;
  }

  /** Index of the segment with the largest base offset <= offset (binary search). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * ListOffsets by timestamp: the first record with timestamp >= `timestamp` (ms), as
   * { offset, timestamp }, or null if every record is older (Kafka Log.fetchOffsetByTimestamp).
   * Uses the segments' largest timestamps, then the time and offset indexes, then a scan.
   */
  offsetForTimestamp(timestamp: number): { offset: Offset; timestamp: number } | null {
    for (const segment of this.segments) {
      if (segment.maxTimestampSoFar < timestamp) continue;
      const fromOffset = Math.max(segment.timeIndex.lookup(timestamp), this.startOffset);
      const startPosition = segment.offsetIndex.lookup(fromOffset);
      for (const batch of segment.batchesFrom(startPosition)) {
        if (batch.maxTimestamp < timestamp || batch.lastOffset < this.startOffset) continue;
        const slice = segment.read(batch, 0);
        try {
          const found = findRecordByTimestamp(slice.bytes, batch, timestamp, this.startOffset);
          if (found) return { offset: asOffset(found.offset), timestamp: found.timestamp };
        } finally {
          slice.release?.();
        }
      }
    }
    return null;
  }

  /** The offset with the largest timestamp (ListOffsets MAX_TIMESTAMP, KIP-734). */
  offsetOfMaxTimestamp(): { offset: Offset; timestamp: number } | null {
    let best: { offset: Offset; timestamp: number } | null = null;
    for (const segment of this.segments) {
      for (const batch of segment.batchesFrom(0)) {
        if (batch.lastOffset < this.startOffset) continue;
        if (!best || batch.maxTimestamp > best.timestamp) best = { offset: asOffset(batch.lastOffset), timestamp: batch.maxTimestamp };
      }
    }
    return best;
  }

  /**
   * Registers a callback run after every append and every move of the high watermark (fetch
   * purgatory, WebSocket subscriptions); returns its remover.
   */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** fsyncs the active segment. */
  flush(): void {
    this.activeSegment.flush();
  }

  /**
   * Applies retention (see retention.ts): deletes old segments by time and size (with the
   * `delete` policy) and those entirely below the log start offset; the log start offset
   * moves up to the first remaining segment. Returns the number of segments deleted.
   */
  deleteOldSegments(policy: RetentionPolicy): number {
    if (this.cleaning) return 0;
    let deleted = 0;
    for (;;) {
      const found = deletableSegments(this.segments, { ...policy, logStartOffset: this.startOffset });
      if (!found) return deleted;
      this.deleteSegments(found.count, found.reason, policy.fileDeleteDelayMs);
      deleted += found.count;
    }
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (never down) and deletes the
   * segments now wholly below it. Returns the new log start offset (the low watermark).
   * Errors: OFFSET_OUT_OF_RANGE if `offset` is negative or above the high watermark.
   * Source: Kafka UnifiedLog.maybeIncrementLogStartOffset, protocol guide "DeleteRecords".
   */
  deleteRecordsBefore(offset: number, fileDeleteDelayMs: number): Offset {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.highWatermark) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `cannot delete records of ${this.topic}-${this.partition} before offset ${offset}: outside [0, ${this.highWatermark}]`,
      );
    }
    if (offset > this.startOffset) {
      this.startOffset = asOffset(offset);
      this.logger.info({ topic: this.topic, partition: this.partition, logStartOffset: offset }, 'log start offset moved by DeleteRecords');
    }
    this.deleteOldSegments({ deleteEnabled: false, retentionMs: -1, retentionBytes: -1, fileDeleteDelayMs, now: Date.now() });
    return this.startOffset;
  }

  /**
   * The cleaner's swap (Kafka UnifiedLog.replaceSegments): `cleaned` (complete, fsynced,
   * files `.cleaned`) takes the place of the consecutive sealed segments `old`:
   *   1. cleaned `.cleaned` → `.swap`      (from here recovery completes the swap)
   *   2. old segments leave the log, their files → `.deleted` (removed after the delay)
   *   3. cleaned `.swap` → live names
   * A crash at any point leaves files that open() recovers to a valid log (swap-recovery.ts).
   * `step` observes each point (tests stop the process there).
   * Errors: Error if `old` is no longer a run of this log's sealed segments (nothing changes).
   */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[], fileDeleteDelayMs: number, step: (name: string) => void = () => {}): void {
    const at = this.segments.indexOf(old[0]!);
    if (at < 0 || at + old.length > this.segments.length - 1 || old.some((s, i) => this.segments[at + i] !== s)) {
      throw new Error(`${this.dir}: the segments to replace are no longer in the log`);
    }
    cleaned.renameFiles('.swap', () => step('swap-partial'));
    step('swapped');
    this.segments.splice(at, old.length, cleaned);
    old.forEach((segment, i) => {
      this.scheduleDelete(segment, fileDeleteDelayMs);
      if (i === 0) step('old-deleted-partial');
    });
    step('old-deleted');
    cleaned.renameFiles('', () => step('live-partial'));
    step('done');
  }

  private scheduleDelete(segment: LogSegment, fileDeleteDelayMs: number): void {
    segment.renameFiles(DELETED_SUFFIX);
    const timer = setTimeout(() => {
      this.pendingDeletes.delete(segment);
      segment.deleteFiles();
    }, timerMs(fileDeleteDelayMs));
    timer.unref();
    this.pendingDeletes.set(segment, timer);
  }

  /** Removes the first `count` (sealed) segments from the log and schedules their files' removal. */
  private deleteSegments(count: number, reason: RetentionReason, fileDeleteDelayMs: number): void {
    const doomed = this.segments.splice(0, Math.min(count, this.segments.length - 1));
    if (this.segments[0]!.baseOffset > this.startOffset) this.startOffset = this.segments[0]!.baseOffset;
    for (const segment of doomed) this.scheduleDelete(segment, fileDeleteDelayMs);
    this.logger.info(
      { topic: this.topic, partition: this.partition, reason, segments: doomed.map((s) => s.baseOffset), logStartOffset: this.startOffset },
      'deleted old segments',
    );
  }

  /** Removes the files of segments still waiting out `file.delete.delay.ms` (shutdown). */
  private finishPendingDeletes(): void {
    for (const [segment, timer] of this.pendingDeletes) {
      clearTimeout(timer);
      segment.deleteFiles();
    }
    this.pendingDeletes.clear();
  }

  /** Writes a producer snapshot at the log end, writes indexes and closes every segment's files. */
  close(): void {
    this.closed = true;
    this.finishPendingDeletes();
    try {
      this.takeSnapshot(this.logEndOffset);
    } catch (err) {
      this.logger.warn({ topic: this.topic, partition: this.partition, err: (err as Error).message }, 'could not write the producer snapshot');
    }
    for (const segment of this.segments) segment.close();
  }

  /** Closes and removes every segment's files (the caller removes the directory). */
  delete(): void {
    this.closed = true;
    this.finishPendingDeletes();
    for (const segment of this.segments) segment.delete();
    this.segments.length = 0;
  }
}

/** The leading whole batches of `bytes` whose offsets are all below `maxOffset` (a view). */
function batchesBelow(bytes: Uint8Array, maxOffset: number): Uint8Array {
  if (maxOffset === Number.MAX_SAFE_INTEGER) return bytes;
  let pos = 0;
  while (pos + RECORD_BATCH_OVERHEAD <= bytes.byteLength) {
    const header = readBatchHeader(bytes, pos, pos);
    if (header.lastOffset >= maxOffset || pos + header.sizeInBytes > bytes.byteLength) break;
    pos += header.sizeInBytes;
  }
  return pos === bytes.byteLength ? bytes : bytes.subarray(0, pos);
}
