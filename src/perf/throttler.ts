/**
 * Paces a sender at a target rate, as kafka-producer-perf-test's ThroughputThrottler does
 * (tools/src/main/java/org/apache/kafka/tools/ThroughputThrottler.java, read, not copied):
 *
 * - `shouldThrottle(sentSoFar, nowMs)`: true while the average rate since the start exceeds
 *   the target, so a sender that fell behind (a slow broker, a long timer) catches up.
 * - `throttle()`: each call adds 1/target s of "sleep deficit"; once the deficit reaches
 *   MIN_SLEEP_MS it sleeps that long (here an awaited timer: Node must keep serving acks
 *   while it waits) and subtracts the time actually slept. A timer that overslept leaves the
 *   deficit at 0, never negative, and the average check above makes up for it.
 *
 * Units: records (or any "things") per second; times in ms (performance.now()).
 * `targetPerSec` < 0: never throttles (-1, "unthrottled"); 0 is refused (Kafka would pause
 * forever).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Shortest sleep, in ms: timers below ~2 ms are mostly overhead (Kafka: MIN_SLEEP_NS 2 ms). */
export const MIN_SLEEP_MS = 2;

export class ThroughputThrottler {
  private readonly sleepPerThingMs: number;
  private sleepDeficitMs = 0;

  /** `startMs`: when sending began (performance.now()); `targetPerSec`: -1 for no limit. */
  constructor(
    readonly targetPerSec: number,
    private readonly startMs: number,
  ) {
    if (targetPerSec === 0 || !Number.isFinite(targetPerSec)) throw new Error(`throughput ${targetPerSec} is not a positive rate or -1 (unthrottled)`);
    this.sleepPerThingMs = targetPerSec > 0 ? 1000 / targetPerSec : 0;
  }

  /** Whether `sentSoFar` things by `nowMs` is faster than the target (average since the start). */
  shouldThrottle(sentSoFar: number, nowMs: number): boolean {
    if (this.targetPerSec < 0) return false;
    const elapsedSec = (nowMs - this.startMs) / 1000;
    return elapsedSec > 0 && sentSoFar / elapsedSec > this.targetPerSec;
  }

  /** Accrues one thing's share of sleep; sleeps once MIN_SLEEP_MS have accrued. */
  async throttle(): Promise<void> {
    this.sleepDeficitMs += this.sleepPerThingMs;
    if (this.sleepDeficitMs < MIN_SLEEP_MS) return;
    const before = performance.now();
    await sleep(this.sleepDeficitMs);
    const slept = performance.now() - before;
    this.sleepDeficitMs = slept <= this.sleepDeficitMs ? this.sleepDeficitMs - slept : 0;
  }
}
