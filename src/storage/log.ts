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
 *
 * This class (Kafka UnifiedLog with LocalLog's segment list) holds the log's state and its
 * API; the concepts behind it have their own files:
 *   local-log.ts              the segment list on disk: roll, truncate, remove (Kafka LocalLog)
 *   log-loader.ts             opening and recovering the segments (Kafka LogLoader)
 *   producer-state-loader.ts  producer state rebuilt, replayed and snapshotted
 *   append-checks.ts          what a leader append checks before the write
 *   staged-run.ts             the worker pool's staging of appends in shared memory
 *   follower-append.ts        what a follower checks of fetched batches
 *   log-read.ts               reads and timestamp searches over the segments
 *   retention.ts              which old segments retention deletes
 *   segment-deletion.ts       delayed file deletion and the cleaner's segment swap
 */
import type { Logger } from 'pino';
import type { BatchInfo } from '../engine/engine.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { AppendAudit, LogConfig, PartitionLogOptions } from './log-config.js';
import type { LogSegment, SegmentAppendInfo, SegmentSlice } from './log-segment.js';
import { requestError } from './request-validation.js';
import { type Offset, asOffset } from './offset.js';
import { type PendingAppend, ProducerStateManager } from './producer-state.js';
import { type RetentionPolicy, type RetentionReason, deletableSegments } from './retention.js';
import { checkAppend } from './append-checks.js';
import { followerBatches } from './follower-append.js';
import { LocalLog } from './local-log.js';
import { ProducerStateLoader } from './producer-state-loader.js';
import { offsetForTimestamp, offsetOfMaxTimestamp, readSegments, segmentIndexFor } from './log-read.js';
import { type StagedRun, stageRequests, stagedBatches } from './staged-run.js';

export type { StagedPart, StagedRun } from './staged-run.js';
export type { LogConfig, PartitionLogOptions } from './log-config.js';
export type { RetentionPolicy } from './retention.js';

/** What Produce answers for one partition. Units: offsets; ms (-1: CreateTime, no append time). */
export interface AppendResult extends SegmentAppendInfo {
  logAppendTimeMs: number;
  logStartOffset: Offset;
  /** True when an idempotent producer's retry was answered with the original offsets. */
  duplicate: boolean;
}

/** What Fetch answers for one partition. */
export interface ReadResult {
  highWatermark: Offset;
  lastStableOffset: Offset;
  logStartOffset: Offset;
  /** Whole batches (a view or a file read) or null when there is nothing at the offset yet. */
  slice: SegmentSlice | null;
}

export class PartitionLog {
  /** The segments on disk (local-log.ts, Kafka LocalLog). */
  private readonly local: LocalLog;
  private readonly appendListeners = new Set<() => void>();
  private startOffset = asOffset(0);
  /** Idempotent producers' sequences and last batches (KIP-98). */
  readonly producerState = new ProducerStateManager();
  /** The producer state's rebuilding, replay and snapshots beside the segments. */
  private readonly producerStateLoader: ProducerStateLoader;
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
  ) {
    this.local = new LocalLog(dir, config, logger);
    this.producerStateLoader = new ProducerStateLoader(this.producerState, dir, config.engine, logger, { topic, partition });
  }

  /**
   * Opens the log in `dir` (created by the caller), recovering it: sealed segments have
   * their indexes checked (rebuilt if bad); the active segment is validated batch by batch
   * and a torn/corrupt tail truncated (logged with the byte count).
   */
  static open(topic: string, partition: number, dir: string, config: LogConfig, logger: Logger, options: PartitionLogOptions = {}): PartitionLog {
    const log = new PartitionLog(topic, partition, dir, config, logger);
    log.local.open();
    log.load(options.logStartOffset ?? 0);
    return log;
  }

  /** What open() does after construction: the log start offset and producer state of the opened segments. */
  private load(storedLogStartOffset: number): void {
    this.startOffset = asOffset(Math.min(Math.max(storedLogStartOffset, this.segmentList[0]!.baseOffset), this.logEndOffset));
    this.producerStateLoader.rebuild(this.segmentList, this.startOffset);
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
    this.local.reopen();
    this.producerStateLoader.reset();
    this.load(start);
    this.hw = Math.min(this.hw, this.logEndOffset);
  }

  get activeSegment(): LogSegment {
    return this.local.activeSegment;
  }

  /** The first offset a fetch may read; below it is OFFSET_OUT_OF_RANGE. */
  get logStartOffset(): Offset {
    return this.startOffset;
  }

  get logEndOffset(): Offset {
    return this.local.logEndOffset;
  }

  /**
   * The offset below which records are committed (on every in-sync replica): consumers read
   * only below it. A single broker's high watermark is its log end offset.
   */
  get highWatermark(): Offset {
    return this.replicated ? asOffset(Math.min(this.hw, this.logEndOffset)) : this.logEndOffset;
  }

  /**
   * The last stable offset (KIP-98): below it every transaction is decided, so read_committed
   * consumers read only below it — the first offset of the oldest ongoing transaction, or of
   * one whose marker is not below the high watermark yet (producer-state.ts), at least the log
   * start offset (DeleteRecords or retention may have removed its start), at most the high
   * watermark. Source: Kafka UnifiedLog.lastStableOffset,
   * maybeIncrementFirstUnstableOffset.
   */
  get lastStableOffset(): Offset {
    const hw = this.highWatermark;
    const unstable = this.producerState.firstUnstableOffset(hw);
    return unstable === null ? hw : asOffset(Math.min(Math.max(unstable, this.startOffset), hw));
  }

  /**
   * The aborted transactions a read_committed fetch from `fetchOffset` returning offsets below
   * `upperBoundOffset` must list (Fetch `aborted_transactions`): every `.txnindex` entry whose
   * marker is at or after `fetchOffset` and whose first offset is below the bound, from the
   * segment holding `fetchOffset` on. Source: Kafka UnifiedLog.collectAbortedTransactions.
   */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): Array<{ producerId: number; firstOffset: number }> {
    const out: Array<{ producerId: number; firstOffset: number }> = [];
    const segments = this.segmentList;
    for (let i = segmentIndexFor(segments, fetchOffset); i < segments.length; i++) {
      const segment = segments[i]!;
      for (const txn of segment.txnIndex.all) {
        if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) out.push({ producerId: txn.producerId, firstOffset: txn.firstOffset });
      }
    }
    return out;
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
    const { bytes, epochs } = followerBatches(records, this.logEndOffset, this.config.engine, `${this.topic}-${this.partition}`);
    if (!bytes) return [];
    this.maybeRoll(bytes.byteLength);
    const from = this.logEndOffset;
    this.activeSegment.appendRaw(bytes);
    this.audit?.followerAppended(this.topic, this.partition, bytes);
    this.producerStateLoader.replay(this.segmentList, from);
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
    const removed = this.local.truncateTo(offset);
    this.hw = Math.min(this.hw, this.logEndOffset);
    this.producerState.clear();
    this.producerStateLoader.rebuild(this.segmentList, this.startOffset);
    this.logger.warn({ topic: this.topic, partition: this.partition, offset, removedBytes: removed, logEndOffset: this.logEndOffset }, 'truncated log');
  }

  /** Empties the log and continues at `offset` (a replica behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void {
    this.local.truncateFullyAndStartAt(offset);
    this.startOffset = asOffset(offset);
    this.hw = offset;
    this.producerState.clear();
    this.logger.warn({ topic: this.topic, partition: this.partition, offset }, 'emptied log to restart at the leader\'s log start');
  }

  get segmentCount(): number {
    return this.segmentList.length;
  }

  /** The segments, oldest first (the last is active). For the cleaner; do not mutate. */
  get segmentList(): readonly LogSegment[] {
    return this.local.segmentList;
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
    return this.local.sizeInBytes;
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
    const audit = this.audit;
    audit?.discard();
    try {
      const info = this.activeSegment.append(records, partitionLeaderEpoch, this.config.maxBatchBytes, (batches) => this.checkBatches(records, batches, producers), audit);
      const result = this.appended(info, producers.pending);
      if (audit) {
        if (result.duplicate) audit.discard();
        else audit.commit(this.topic, this.partition, result.firstOffset, result.lastOffset);
      }
      return result;
    } catch (err) {
      audit?.discard();
      throw err;
    }
  }

  /** The audit hook when this partition is audited (`gregor.audit.enable`, topic `audit.enable`, not internal). */
  get audit(): AppendAudit | null {
    const c = this.config;
    return c.audit && c.auditEnable !== false && !this.topic.startsWith('__') ? c.audit : null;
  }

  /** What every append checks between validation and the write: see append-checks.ts. */
  private checkBatches(records: Uint8Array, batches: readonly BatchInfo[], producers: { pending: PendingAppend | null }): SegmentAppendInfo | null {
    return checkAppend(records, batches, this.config.compacted === true, this.producerState, `${this.topic}-${this.partition}`, producers);
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
   * (as {@link append} does), then stages the leading requests of `requests` (one partition's
   * produce data, in arrival order) in shared memory (staged-run.ts stageRequests).
   * Until {@link releaseRun}, other appends to this log throw.
   * Returns the run; the caller hands `parts` (addresses, lengths) and `baseOffset` to a
   * worker, which validates and stamps them in place, then calls {@link commitStagedPart}
   * for each part in order. Errors: NOT_LEADER_OR_FOLLOWER on a closed log; fs errors of a roll.
   */
  stageRun(requests: readonly Uint8Array[], partitionLeaderEpoch: number): StagedRun {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.partition} is closed`);
    if (this.stagedRun) throw new Error(`${this.topic}-${this.partition}: a run is already staged`);
    this.maybeRoll(requests[0]!.byteLength);
    const run = stageRequests(this.activeSegment, requests, this.logEndOffset, partitionLeaderEpoch, this.config);
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
    const batches = stagedBatches(this.config.engine.memory.bytes, part.ptr, status);
    const producers: { pending: PendingAppend | null } = { pending: null };
    const answer = this.checkBatches(part.records, batches, producers);
    if (answer) return this.appended(answer, producers.pending);
    const info = run.segment.commitStaged(run.region, part.ptr, batches, run.partitionLeaderEpoch, stampedBase);
    return this.appended(info, producers.pending);
  }

  /** True while a worker-pool run is staged (stageRun … releaseRun): no other append may write then. */
  get hasStagedRun(): boolean {
    return this.stagedRun !== null;
  }

  /** Worker-pool appends, last step: ends the run (its shared-memory lease); appends may go on. */
  releaseRun(run: StagedRun): void {
    if (this.stagedRun === run) this.stagedRun = null;
    run.segment.unstage(run.region);
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
    const baseOffset = this.local.roll();
    this.producerStateLoader.takeSnapshot(baseOffset);
    this.logger.debug({ topic: this.topic, partition: this.partition, baseOffset }, 'rolled segment');
  }

  /**
   * Reads whole batches from the one holding `fetchOffset`, up to `maxBytes` (at least one
   * batch, KIP-74), from a single segment. `forSocket`: the slice only goes to a socket
   * write and is released after it (Fetch), so a file read may use a recycled buffer.
   * Errors: OFFSET_OUT_OF_RANGE if fetchOffset < logStartOffset or > logEndOffset.
   */
  read(fetchOffset: number, maxBytes: number, maxOffset = Number.MAX_SAFE_INTEGER, forSocket = false): ReadResult {
    const result: ReadResult = {
      highWatermark: this.highWatermark,
      lastStableOffset: this.lastStableOffset,
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
    result.slice = readSegments(this.segmentList, fetchOffset, maxBytes, maxOffset, forSocket);
    return result;
  }

  /**
   * ListOffsets by timestamp: the first record with timestamp >= `timestamp` (ms), as
   * { offset, timestamp }, or null if every record is older (log-read.ts).
   */
  offsetForTimestamp(timestamp: number): { offset: Offset; timestamp: number } | null {
    return offsetForTimestamp(this.segmentList, timestamp, this.startOffset);
  }

  /** The offset with the largest timestamp (ListOffsets MAX_TIMESTAMP, KIP-734). */
  offsetOfMaxTimestamp(): { offset: Offset; timestamp: number } | null {
    return offsetOfMaxTimestamp(this.segmentList, this.startOffset);
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
      const found = deletableSegments(this.segmentList, { ...policy, logStartOffset: this.startOffset });
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
   * The cleaner's swap (Kafka UnifiedLog.replaceSegments): `cleaned` (complete, fsynced, files
   * `.cleaned`) takes the place of the consecutive sealed segments `old`, crash-safely; see
   * segment-deletion.ts. `step` observes each point (tests stop the process there).
   * Errors: Error if `old` is no longer a run of this log's sealed segments (nothing changes).
   */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[], fileDeleteDelayMs: number, step: (name: string) => void = () => {}): void {
    this.local.replaceSegments(cleaned, old, fileDeleteDelayMs, step);
  }

  /** Removes the first `count` (sealed) segments from the log and schedules their files' removal. */
  private deleteSegments(count: number, reason: RetentionReason, fileDeleteDelayMs: number): void {
    const doomed = this.local.removeOldest(count, fileDeleteDelayMs);
    const first = this.segmentList[0]!.baseOffset;
    if (first > this.startOffset) this.startOffset = first;
    this.logger.info(
      { topic: this.topic, partition: this.partition, reason, segments: doomed.map((s) => s.baseOffset), logStartOffset: this.startOffset },
      'deleted old segments',
    );
  }

  /** Writes a producer snapshot at the log end, writes indexes and closes every segment's files. */
  close(): void {
    this.closed = true;
    try {
      this.producerStateLoader.takeSnapshot(this.logEndOffset);
    } catch (err) {
      this.logger.warn({ topic: this.topic, partition: this.partition, err: (err as Error).message }, 'could not write the producer snapshot');
    }
    this.local.close();
  }

  /** Closes and removes every segment's files (the caller removes the directory). */
  delete(): void {
    this.closed = true;
    this.local.delete();
  }
}
