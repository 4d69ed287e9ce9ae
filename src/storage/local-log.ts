/**
 * A partition log's segments on local disk (Kafka LocalLog): the directory, its segments
 * ordered by base offset (the last one active), and the operations on that list — opening it
 * (log-loader.ts), rolling, truncating, removing the oldest segments, the cleaner's swap, and
 * closing or deleting the files. It knows nothing of the log start offset, the high
 * watermark or producers: PartitionLog (log.ts, Kafka UnifiedLog) decides, this list obeys.
 */
import type { Logger } from 'pino';
import type { LogConfig } from './log-config.js';
import { loadSegments } from './log-loader.js';
import { LogSegment } from './log-segment.js';
import { type Offset, asOffset } from './offset.js';
import { PendingDeletes, replaceSegments } from './segment-deletion.js';

export class LocalLog {
  private readonly segments: LogSegment[] = [];
  /** Segments renamed `.deleted`, waiting for `file.delete.delay.ms` before their files go. */
  private readonly pendingDeletes = new PendingDeletes();

  constructor(
    readonly dir: string,
    private readonly config: LogConfig,
    private readonly logger: Logger,
  ) {}

  /** Opens and recovers the segments in the directory (log-loader.ts); called once, on an empty list. */
  open(): void {
    for (const segment of loadSegments(this.dir, this.config, this.logger)) this.segments.push(segment);
  }

  /** The segments, oldest first (the last is active). Do not mutate. */
  get segmentList(): readonly LogSegment[] {
    return this.segments;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  get logEndOffset(): Offset {
    return this.activeSegment.nextOffset;
  }

  /** Bytes on disk over all segments' `.log` files. */
  get sizeInBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  /** Seals the active segment and starts a new one at the log end offset; returns that offset. */
  roll(): Offset {
    const active = this.activeSegment;
    active.seal();
    this.segments.push(LogSegment.create(this.dir, active.nextOffset, this.config));
    return active.nextOffset;
  }

  /**
   * Removes every batch holding an offset >= `offset` (whole batches; segments starting at or
   * above it are deleted, the one holding it is cut). Returns the bytes cut from that segment.
   */
  truncateTo(offset: number): number {
    while (this.segments.length > 1 && this.activeSegment.baseOffset >= offset) {
      const doomed = this.segments.pop()!;
      doomed.delete();
    }
    return this.activeSegment.truncateTo(offset);
  }

  /** Deletes every segment and starts an empty one at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    for (const segment of this.segments.splice(0)) segment.delete();
    this.segments.push(LogSegment.create(this.dir, asOffset(offset), this.config));
  }

  /**
   * Removes the first `count` segments (never the active one) from the list and schedules
   * their files' removal after `fileDeleteDelayMs`; returns them.
   */
  removeOldest(count: number, fileDeleteDelayMs: number): LogSegment[] {
    const doomed = this.segments.splice(0, Math.min(count, this.segments.length - 1));
    for (const segment of doomed) this.pendingDeletes.schedule(segment, fileDeleteDelayMs);
    return doomed;
  }

  /** The cleaner's swap of `old` for `cleaned` (segment-deletion.ts replaceSegments). */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[], fileDeleteDelayMs: number, step: (name: string) => void): void {
    replaceSegments(this.segments, this.dir, cleaned, old, this.pendingDeletes, fileDeleteDelayMs, step);
  }

  /**
   * Closes every segment's files (indexes written, fsync if appended to) after removing the
   * files of segments still waiting out `file.delete.delay.ms`. The list stays as it was.
   */
  close(): void {
    this.pendingDeletes.finishAll();
    for (const segment of this.segments) segment.close();
  }

  /** Closes every segment and opens the directory again from disk, as at start-up ({@link open}). */
  reopen(): void {
    this.pendingDeletes.finishAll();
    for (const segment of this.segments.splice(0)) segment.close();
    this.open();
  }

  /** Closes and removes every segment's files (the caller removes the directory). */
  delete(): void {
    this.pendingDeletes.finishAll();
    for (const segment of this.segments.splice(0)) segment.delete();
  }
}
