/**
 * A group's committed offset as the coordinator holds it (OffsetCommit / TxnOffsetCommit,
 * replayed from `__consumer_offsets`, coordinator-records/OffsetCommitValue.json) and its key.
 */

/** A committed offset of a group, as replayed from or written to `__consumer_offsets`. Units: ms since the epoch. */
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /**
   * Base offset of the `__consumer_offsets` batch holding it (-1 while its write is in flight;
   * absent when not known), which decides between a transactional and a plain commit.
   */
  appendOffset?: number;
}

/** The key of a committed offset in {@link Group.offsets}: "topic\0partition". */
export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
