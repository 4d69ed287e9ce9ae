/**
 * The low watermark of a replicated partition and the DeleteRecords purgatory waiting on it
 * (Kafka Partition.lowWatermarkIfLeader, DelayedDeleteRecords).
 *
 * Low watermark = the smallest log start offset over the leader's log and the followers on
 * live brokers (each follower reports its own in the `log_start_offset` of its Fetch; -1
 * before its first one). A follower learns the leader's log start offset from the Fetch
 * response and moves its own up to it, so the low watermark follows within a fetch round.
 * Source: protocol guide "DeleteRecords"; KIP-107.
 */
import { ErrorCode } from '../protocol/error-codes.js';
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

interface Waiter {
  replica: Replica;
  requiredOffset: number;
  resolve: (errorCode: number) => void;
  timer: NodeJS.Timeout;
}

/**
 * DeleteRecords requests waiting until a partition's low watermark reaches their offset.
 * `check` after every follower fetch; `fail` when leadership moves.
 */
export class LowWatermarkPurgatory {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly lowWatermark: (replica: Replica) => number) {}

  /**
   * Resolves NONE once the low watermark of `replica` reaches `offset`, REQUEST_TIMED_OUT
   * after `timeoutMs`, or the code given to `fail` (NOT_LEADER_OR_FOLLOWER) first.
   */
  wait(replica: Replica, offset: number, timeoutMs: number): Promise<number> {
    if (this.lowWatermark(replica) >= offset) return Promise.resolve(ErrorCode.NONE);
    return new Promise<number>((resolve) => {
      const waiter: Waiter = {
        replica,
        requiredOffset: offset,
        resolve: (code) => {
          this.waiters.delete(waiter);
          clearTimeout(waiter.timer);
          resolve(code);
        },
        timer: setTimeout(() => waiter.resolve(ErrorCode.REQUEST_TIMED_OUT), Math.max(1, timeoutMs)),
      };
      this.waiters.add(waiter);
    });
  }

  /** Completes the waiters of `replica` whose offset the low watermark has reached. */
  check(replica: Replica): void {
    for (const w of [...this.waiters]) if (w.replica === replica && this.lowWatermark(replica) >= w.requiredOffset) w.resolve(ErrorCode.NONE);
  }

  /** Completes the waiters of `replica` (every waiter if null) with `errorCode`. */
  fail(replica: Replica | null, errorCode: number): void {
    for (const w of [...this.waiters]) if (replica === null || w.replica === replica) w.resolve(errorCode);
  }
}
