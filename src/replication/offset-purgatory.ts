/**
 * Delayed operations of the replica manager (Kafka's purgatory): each waits until its
 * partition reaches an offset, or times out.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { Replica } from './replica.js';

interface Waiter {
  replica: Replica;
  requiredOffset: number;
  resolve: (errorCode: number) => void;
  timer: NodeJS.Timeout;
}

/**
 * Requests waiting until a measure of their partition's replica (the high watermark for
 * acks=all produces and coordinator writes — Kafka's DelayedProduce; the low watermark for
 * DeleteRecords — DelayedDeleteRecords) reaches their offset. `check` whenever the measure
 * may have moved; `fail` when leadership moves or the broker stops.
 */
export class OffsetPurgatory {
  /** Waiters by replica, so a check touches only its own partition's. */
  private readonly waiters = new Map<Replica, Set<Waiter>>();

  constructor(private readonly measure: (replica: Replica) => number) {}

  /**
   * Resolves NONE once the measure of `replica` reaches `offset`, REQUEST_TIMED_OUT
   * after `timeoutMs`, or the code given to `fail` (NOT_LEADER_OR_FOLLOWER) first.
   */
  wait(replica: Replica, offset: number, timeoutMs: number): Promise<number> {
    if (this.measure(replica) >= offset) return Promise.resolve(ErrorCode.NONE);
    let set = this.waiters.get(replica);
    if (!set) this.waiters.set(replica, (set = new Set()));
    const waiting = set;
    return new Promise<number>((resolve) => {
      const waiter: Waiter = {
        replica,
        requiredOffset: offset,
        resolve: (code) => {
          waiting.delete(waiter);
          if (waiting.size === 0 && this.waiters.get(replica) === waiting) this.waiters.delete(replica);
          clearTimeout(waiter.timer);
          resolve(code);
        },
        timer: setTimeout(() => waiter.resolve(ErrorCode.REQUEST_TIMED_OUT), Math.max(1, timeoutMs)),
      };
      waiting.add(waiter);
    });
  }

  /** Completes the waiters of `replica` whose offset the measure has reached. */
  check(replica: Replica): void {
    const set = this.waiters.get(replica);
    if (!set) return;
    const reached = this.measure(replica);
    for (const w of [...set]) if (reached >= w.requiredOffset) w.resolve(ErrorCode.NONE);
  }

  /** Completes the waiters of `replica` (every waiter if null) with `errorCode`. */
  fail(replica: Replica | null, errorCode: number): void {
    const sets = replica === null ? [...this.waiters.values()] : [this.waiters.get(replica)];
    for (const set of sets) for (const w of [...(set ?? [])]) w.resolve(errorCode);
  }
}
