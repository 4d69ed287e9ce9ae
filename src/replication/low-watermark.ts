/**
 * The low watermark of a replicated partition (Kafka Partition.lowWatermarkIfLeader); the
 * DeleteRecords requests waiting on it sit in an OffsetPurgatory (DelayedDeleteRecords).
 *
 * Low watermark = the smallest log start offset over the leader's log and the followers on
 * live brokers (each follower reports its own in the `log_start_offset` of its Fetch; -1
 * before its first one). A follower learns the leader's log start offset from the Fetch
 * response and moves its own up to it, so the low watermark follows within a fetch round.
 * Source: protocol guide "DeleteRecords"; KIP-107.
 */
import type { Replica } from './replica.js';

/**
 * `replica`'s low watermark on its leader: min log start offset over the local log and every
 * follower for which `isLive(brokerId)` holds (a follower not heard from yet counts as -1).
 */
export function lowWatermarkOf(replica: Replica, isLive: (brokerId: number) => boolean): number {
  let low: number = replica.log.logStartOffset;
  for (const [id, f] of replica.followers) if (isLive(id) && f.logStartOffset < low) low = f.logStartOffset;
  return low;
}
