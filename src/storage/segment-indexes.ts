/**
 * A segment's two sparse indexes and what keeps them (Kafka LogSegment: offsetIndex,
 * timeIndex, maxTimestampAndOffsetSoFar, bytesSinceLastIndexEntry, onBecomeInactiveSegment,
 * sanityCheck): every batch written is accounted here, the indexes get an entry each time more
 * than `log.index.interval.bytes` were written since the last, and a sealed segment's index
 * files are loaded and checked against its `.log` at start-up.
 *
 *   <baseOffset>.index      relative offset → position (offset-index.ts)
 *   <baseOffset>.timeindex  timestamp → relative offset (time-index.ts)
 */
import { join } from 'node:path';
import type { Engine } from '../engine/engine.js';
import type { BatchHeader } from './batch-header.js';
import { type Offset, asOffset, offsetFileName } from './offset.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';

export class SegmentIndexes {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Largest batch maxTimestamp in the segment, ms; -1 when empty. */
  maxTimestampSoFar = -1;
  private offsetOfMaxTimestampSoFar = -1;
  private bytesSinceLastIndexEntry = 0;

  /** Opens (or creates) the index files of the segment at `baseOffset` in `dir`, named with `suffix`. */
  constructor(
    dir: string,
    private readonly baseOffset: Offset,
    suffix: string,
    engine: Engine,
    private readonly indexIntervalBytes: number,
  ) {
    this.offsetIndex = new OffsetIndex(join(dir, offsetFileName(baseOffset, '.index') + suffix), engine, baseOffset);
    this.timeIndex = new TimeIndex(join(dir, offsetFileName(baseOffset, '.timeindex') + suffix), engine, baseOffset);
  }

  /**
   * Accounts one batch written at byte `position` (appends, follower appends and recovery
   * alike): the segment's largest timestamp and its offset; an offset-index entry (and a
   * time-index entry) once more than `log.index.interval.bytes` were written since the last.
   */
  add(lastOffset: number, maxTimestamp: number, position: number, sizeInBytes: number): void {
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += sizeInBytes;
  }

  /** Empties both indexes and the counters, before they are rebuilt from the log (recovery). */
  reset(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
  }

  /**
   * Loads the index files of a sealed segment of `size` bytes and checks them against its log
   * (`batchesFrom` scans batch headers from a position); returns the segment's next offset,
   * or null if the files are missing, torn or inconsistent (the caller rebuilds them).
   */
  load(size: number, batchesFrom: (position: number) => Iterable<BatchHeader>): Offset | null {
    if (!this.offsetIndex.load() || !this.timeIndex.load()) return null;
    const lastPosition = this.offsetIndex.entries > 0 ? this.offsetIndex.positionAt(this.offsetIndex.entries - 1) : 0;
    let next = this.baseOffset as number;
    let end = lastPosition;
    let maxTimestamp = this.timeIndex.entries > 0 ? this.timeIndex.lastEntry().timestamp : -1;
    for (const batch of batchesFrom(lastPosition)) {
      next = batch.lastOffset + 1;
      end = batch.position + batch.sizeInBytes;
      maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp);
    }
    if (end !== size) return null;
    if (!this.offsetIndex.isConsistent(size, next) || !this.timeIndex.isConsistent(next)) return null;
    this.maxTimestampSoFar = maxTimestamp;
    return asOffset(next);
  }

  /**
   * The segment is no longer active (Kafka onBecomeInactiveSegment): a final time-index entry
   * for its largest timestamp, and both indexes written to their files.
   */
  seal(): void {
    if (this.maxTimestampSoFar >= 0 && this.offsetOfMaxTimestampSoFar >= 0) {
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    }
    this.flush();
  }

  /** Writes both indexes to their files (the page cache). */
  flush(): void {
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  close(): void {
    this.offsetIndex.close();
    this.timeIndex.close();
  }

  /** The two index files (their `path` changes when the segment's files are renamed). */
  get files(): Array<OffsetIndex | TimeIndex> {
    return [this.offsetIndex, this.timeIndex];
  }
}
