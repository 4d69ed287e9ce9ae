/**
 * Where long-poll fetches wait (Kafka's DelayedFetch purgatory): a fetch that found fewer
 * than `min_bytes` parks here until an append to one of its partitions or `max_wait_ms`
 * passes, whichever is first. Woken by the append itself (PartitionLog.onAppend), never by
 * polling. One timer per waiting fetch, cleared when it wakes.
 */
import type { PartitionLog } from '../storage/log.js';

export type WakeReason = 'append' | 'timeout' | 'closed';

export class FetchPurgatory {
  private readonly waiting = new Set<(reason: WakeReason) => void>();
  private closed = false;

  /** Number of parked fetches (for metrics and tests). */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * Resolves on the first append to any of `logs`, after `maxWaitMs` (ms), or when the
   * broker stops.
   */
  wait(logs: readonly PartitionLog[], maxWaitMs: number): Promise<WakeReason> {
    if (this.closed) return Promise.resolve('closed');
    return new Promise<WakeReason>((resolve) => {
      const removers: Array<() => void> = [];
      const wake = (reason: WakeReason) => {
        clearTimeout(timer);
        for (const remove of removers) remove();
        this.waiting.delete(wake);
        resolve(reason);
      };
      const timer = setTimeout(() => wake('timeout'), Math.max(0, maxWaitMs));
      for (const log of logs) removers.push(log.onAppend(() => wake('append')));
      this.waiting.add(wake);
    });
  }

  /** Wakes every parked fetch (broker shutdown). */
  close(): void {
    this.closed = true;
    for (const wake of [...this.waiting]) wake('closed');
  }
}
