/**
 * Segments leaving a partition log (Kafka LocalLog.deleteSegmentFiles, UnifiedLog.replaceSegments):
 * a deleted segment's files are renamed `.deleted` at once and unlinked after
 * `file.delete.delay.ms`, so that a reader holding one is never cut short; the cleaner's
 * output replaces the segments it compacted through the crash-safe `.cleaned` → `.swap` →
 * live renames (recovered by cleaner/swap-recovery.ts).
 */
import { DELETED_SUFFIX } from './log-loader.js';
import type { LogSegment } from './log-segment.js';
import { timerMs } from './timer-ms.js';

/** Segments renamed `.deleted`, waiting for `file.delete.delay.ms` before their files go. */
export class PendingDeletes {
  private readonly pending = new Map<LogSegment, NodeJS.Timeout>();

  /** Renames the segment's files `.deleted` and unlinks them after `fileDeleteDelayMs`. */
  schedule(segment: LogSegment, fileDeleteDelayMs: number): void {
    segment.renameFiles(DELETED_SUFFIX);
    const timer = setTimeout(() => {
      this.pending.delete(segment);
      segment.deleteFiles();
    }, timerMs(fileDeleteDelayMs));
    timer.unref();
    this.pending.set(segment, timer);
  }

  /** Removes the files of segments still waiting out `file.delete.delay.ms` (shutdown, reload). */
  finishAll(): void {
    for (const [segment, timer] of this.pending) {
      clearTimeout(timer);
      segment.deleteFiles();
    }
    this.pending.clear();
  }
}

/**
 * The cleaner's swap (Kafka UnifiedLog.replaceSegments): `cleaned` (complete, fsynced,
 * files `.cleaned`) takes the place of the consecutive sealed segments `old` in `segments`:
 *   1. cleaned `.cleaned` → `.swap`      (from here recovery completes the swap)
 *   2. old segments leave the log, their files → `.deleted` (removed after the delay)
 *   3. cleaned `.swap` → live names
 * A crash at any point leaves files that the log loader recovers to a valid log.
 * `step` observes each point (tests stop the process there).
 * Errors: Error if `old` is no longer a run of the log's sealed segments (nothing changes).
 */
export function replaceSegments(
  segments: LogSegment[],
  dir: string,
  cleaned: LogSegment,
  old: readonly LogSegment[],
  deletes: PendingDeletes,
  fileDeleteDelayMs: number,
  step: (name: string) => void,
): void {
  const at = segments.indexOf(old[0]!);
  if (at < 0 || at + old.length > segments.length - 1 || old.some((s, i) => segments[at + i] !== s)) {
    throw new Error(`${dir}: the segments to replace are no longer in the log`);
  }
  cleaned.renameFiles('.swap', () => step('swap-partial'));
  step('swapped');
  segments.splice(at, old.length, cleaned);
  old.forEach((segment, i) => {
    deletes.schedule(segment, fileDeleteDelayMs);
    if (i === 0) step('old-deleted-partial');
  });
  step('old-deleted');
  cleaned.renameFiles('', () => step('live-partial'));
  step('done');
}
