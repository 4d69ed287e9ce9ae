/**
 * Which old segments retention deletes (Kafka UnifiedLog.deleteOldSegments): always whole
 * segments, oldest first, never the active (last) one, and only a run of consecutive
 * segments from the start of the log.
 *
 *   time:      a segment whose largest timestamp is older than now − retention.ms
 *   size:      while the log minus the segment would still be >= retention.bytes
 *   log start: a segment entirely below the log start offset (DeleteRecords moved it)
 *
 * Time and size apply with cleanup.policy containing `delete`; log start always.
 */

/** What retention needs of a topic's settings, plus the clock. Units: ms, bytes. */
export interface RetentionPolicy {
  deleteEnabled: boolean;
  retentionMs: number;
  retentionBytes: number;
  fileDeleteDelayMs: number;
  now: number;
}

/** What the policy looks at in a segment. Units: offsets, bytes, ms since the epoch. */
export interface RetainedSegment {
  baseOffset: number;
  size: number;
  /** The largest record timestamp (or, with none, the file's modification time). */
  largestTimestamp: number;
}

/** Why segments were deleted, for logs and metrics. */
export type RetentionReason = 'retention.ms' | 'retention.bytes' | 'log-start-offset';

/**
 * The number of leading segments that are deletable, and why; `segments` is the whole log,
 * its last element the active segment (never counted).
 */
export function deletableSegments(
  segments: readonly RetainedSegment[],
  policy: { deleteEnabled: boolean; retentionMs: number; retentionBytes: number; logStartOffset: number; now: number },
): { count: number; reason: RetentionReason } | null {
  const sealed = segments.length - 1;
  const leading = (predicate: (s: RetainedSegment, i: number) => boolean): number => {
    let n = 0;
    while (n < sealed && predicate(segments[n]!, n)) n++;
    return n;
  };
  if (policy.deleteEnabled && policy.retentionMs >= 0) {
    const cutoff = policy.now - policy.retentionMs;
    const n = leading((s) => s.largestTimestamp < cutoff);
    if (n > 0) return { count: n, reason: 'retention.ms' };
  }
  if (policy.deleteEnabled && policy.retentionBytes >= 0) {
    let excess = segments.reduce((sum, s) => sum + s.size, 0) - policy.retentionBytes;
    const n = leading((s) => {
      if (excess - s.size < 0) return false;
      excess -= s.size;
      return true;
    });
    if (n > 0) return { count: n, reason: 'retention.bytes' };
  }
  const n = leading((_s, i) => segments[i + 1]!.baseOffset <= policy.logStartOffset);
  if (n > 0) return { count: n, reason: 'log-start-offset' };
  return null;
}
