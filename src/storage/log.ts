/**
 * A partition's log: its directory `log.dirs/<topic>-<partition>/` and the segments in it,
 * ordered by base offset; the last one is active (appended to). Offsets are monotonic and
 * never reused, across rolls and restarts: a new segment's base offset is the log end offset.
 *
 *   logStartOffset ── first segment ─ … ─ active segment ── logEndOffset (LEO)
 *   highWatermark = LEO on a single broker (every replica is this one).
 */
import { readdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { LogSegment, type SegmentAppendInfo, type SegmentOptions, type SegmentSlice } from './log-segment.js';
import { type Offset, asOffset } from './offset.js';
import { findRecordByTimestamp } from './record-scan.js';

export interface LogConfig extends SegmentOptions {
  /** `log.segment.bytes` */
  segmentBytes: number;
  /** `log.roll.ms` */
  rollMs: number;
  /** `message.max.bytes` */
  maxBatchBytes: number;
  /** `log.flush.interval.messages` */
  flushIntervalMessages: number;
}

/** What Produce answers for one partition. Units: offsets; ms (-1: CreateTime, no append time). */
export interface AppendResult extends SegmentAppendInfo {
  logAppendTimeMs: number;
  logStartOffset: Offset;
}

/** What Fetch answers for one partition. */
export interface ReadResult {
  highWatermark: Offset;
  lastStableOffset: Offset;
  logStartOffset: Offset;
  /** Whole batches (a view or a file read) or null when there is nothing at the offset yet. */
  slice: SegmentSlice | null;
}

const SEGMENT_LOG_SUFFIX = /^(\d{20})\.log$/;

export class PartitionLog {
  private readonly segments: LogSegment[] = [];
  private readonly appendListeners = new Set<() => void>();

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
  static open(topic: string, partition: number, dir: string, config: LogConfig, logger: Logger): PartitionLog {
    const log = new PartitionLog(topic, partition, dir, config, logger);
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
        log.segments.push(segment);
      } else {
        const { segment, truncatedBytes } = LogSegment.openActive(dir, baseOffset, config);
        if (truncatedBytes > 0) {
          logger.warn(
            { segment: segment.logPath, truncatedBytes, logEndOffset: segment.nextOffset },
            'truncated a torn or corrupt tail to the last valid batch',
          );
        }
        log.segments.push(segment);
      }
    });
    // An empty active segment after a sealed one continues at the sealed one's end.
    const active = log.activeSegment;
    if (active.isEmpty && log.segments.length > 1) {
      const previous = log.segments[log.segments.length - 2]!;
      if (previous.nextOffset > active.baseOffset) {
        throw new Error(`${dir}: segment ${active.baseOffset} starts below the previous segment's end ${previous.nextOffset}`);
      }
    }
    return log;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  get logStartOffset(): Offset {
    return this.segments[0]!.baseOffset;
  }

  get logEndOffset(): Offset {
    return this.activeSegment.nextOffset;
  }

  get highWatermark(): Offset {
    return this.logEndOffset;
  }

  get segmentCount(): number {
    return this.segments.length;
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
    this.maybeRoll(records.byteLength);
    const info = this.activeSegment.append(records, partitionLeaderEpoch, this.config.maxBatchBytes);
    if (this.activeSegment.unflushedRecordCount >= this.config.flushIntervalMessages) this.activeSegment.flush();
    for (const listener of this.appendListeners) listener();
    return { ...info, logAppendTimeMs: -1, logStartOffset: this.logStartOffset };
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
    this.logger.debug({ topic: this.topic, partition: this.partition, baseOffset: active.nextOffset }, 'rolled segment');
  }

  /**
   * Reads whole batches from the one holding `fetchOffset`, up to `maxBytes` (at least one
   * batch, KIP-74), from a single segment.
   * Errors: OFFSET_OUT_OF_RANGE if fetchOffset < logStartOffset or > logEndOffset.
   */
  read(fetchOffset: number, maxBytes: number): ReadResult {
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
    if (fetchOffset === this.logEndOffset) return result;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const first = segment.translateOffset(fetchOffset);
      if (first) {
        result.slice = segment.read(first, maxBytes);
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
      const fromOffset = segment.timeIndex.lookup(timestamp);
      const startPosition = segment.offsetIndex.lookup(fromOffset);
      for (const batch of segment.batchesFrom(startPosition)) {
        if (batch.maxTimestamp < timestamp) continue;
        const slice = segment.read(batch, 0);
        try {
          const found = findRecordByTimestamp(slice.bytes, batch, timestamp);
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
        if (!best || batch.maxTimestamp > best.timestamp) best = { offset: asOffset(batch.lastOffset), timestamp: batch.maxTimestamp };
      }
    }
    return best;
  }

  /** Registers a callback run after every append (fetch purgatory); returns its remover. */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** fsyncs the active segment. */
  flush(): void {
    this.activeSegment.flush();
  }

  /** Writes indexes and closes every segment's files. */
  close(): void {
    for (const segment of this.segments) segment.close();
  }

  /** Closes and removes every segment's files (the caller removes the directory). */
  delete(): void {
    for (const segment of this.segments) segment.delete();
    this.segments.length = 0;
  }
}
