/**
 * Opening a partition log's directory at start-up (Kafka LogLoader.load / recoverLog): files
 * of deletions a restart interrupted (`.deleted`) are removed, a cleaner swap in progress is
 * completed or undone (cleaner/swap-recovery.ts), then the segments are opened oldest first:
 * sealed ones with their indexes checked (rebuilt if missing, torn or inconsistent), the
 * active (last) one validated batch by batch and a torn or corrupt tail truncated.
 * The producer state is rebuilt afterwards by producer-state-loader.ts.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { recoverInterruptedSwaps } from './cleaner/swap-recovery.js';
import { LogSegment, type SegmentOptions } from './log-segment.js';
import { asOffset } from './offset.js';

const SEGMENT_LOG_SUFFIX = /^(\d{20})\.log$/;
/** Suffix of a deleted segment's files, unlinked after `file.delete.delay.ms` (segment-deletion.ts). */
export const DELETED_SUFFIX = '.deleted';

/**
 * The segments in `dir`, ordered by base offset, recovered; an empty directory gets one empty
 * segment at offset 0. Errors: Error if an empty active segment starts below the end of the
 * sealed one before it (the directory is not a log we wrote).
 */
export function loadSegments(dir: string, options: SegmentOptions, logger: Logger): LogSegment[] {
  for (const name of readdirSync(dir)) {
    // Deletions that a restart interrupted: the files were already out of the log.
    if (name.endsWith(DELETED_SUFFIX)) unlinkSync(join(dir, name));
  }
  recoverInterruptedSwaps(dir, options, logger);
  const baseOffsets = readdirSync(dir)
    .map((name) => SEGMENT_LOG_SUFFIX.exec(name)?.[1])
    .filter((s): s is string => s !== undefined)
    .map((s) => asOffset(Number(s)))
    .sort((a, b) => a - b);
  if (baseOffsets.length === 0) baseOffsets.push(asOffset(0));
  const segments: LogSegment[] = [];
  baseOffsets.forEach((baseOffset, i) => {
    if (i < baseOffsets.length - 1) {
      const { segment, rebuilt } = LogSegment.openSealed(dir, baseOffset, options);
      if (rebuilt) logger.warn({ segment: segment.logPath }, 'rebuilt missing or inconsistent index');
      segments.push(segment);
    } else {
      const { segment, truncatedBytes } = LogSegment.openActive(dir, baseOffset, options);
      if (truncatedBytes > 0) {
        logger.warn(
          { segment: segment.logPath, truncatedBytes, logEndOffset: segment.nextOffset },
          'truncated a torn or corrupt tail to the last valid batch',
        );
      }
      segments.push(segment);
    }
  });
  // An empty active segment after a sealed one continues at the sealed one's end.
  const active = segments[segments.length - 1]!;
  if (active.isEmpty && segments.length > 1) {
    const previous = segments[segments.length - 2]!;
    if (previous.nextOffset > active.baseOffset) {
      throw new Error(`${dir}: segment ${active.baseOffset} starts below the previous segment's end ${previous.nextOffset}`);
    }
  }
  return segments;
}
