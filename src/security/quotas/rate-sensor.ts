/**
 * A rate over sampled windows, measured as Kafka's metrics do (SampledStat + Rate): up to
 * `samples` windows of `windowMs` each; a window starts at the first record after the
 * previous one is complete; windows older than samples × windowMs count as empty; the rate is
 * the total over the elapsed time since the oldest window, that time padded up to at least
 * (samples − 1) windows so that a fresh sensor does not report a huge rate.
 */
interface Sample {
  start: number;
  value: number;
}

export class RateSensor {
  private readonly ring: Sample[] = [];
  private current = 0;
  /** When a quota check last ran (for idle sensor expiry). */
  lastRecordMs = 0;

  constructor(
    private readonly samples: number,
    private readonly windowMs: number,
  ) {}

  /** Adds `value` at `nowMs` and returns the rate (value per second) including it. */
  record(value: number, nowMs: number): number {
    this.lastRecordMs = nowMs;
    if (this.ring.length === 0) this.ring.push({ start: nowMs, value: 0 });
    let sample = this.ring[this.current]!;
    if (nowMs - sample.start >= this.windowMs) {
      this.current = (this.current + 1) % this.samples;
      if (this.current >= this.ring.length) this.ring.push({ start: nowMs, value: 0 });
      else this.ring[this.current] = { start: nowMs, value: 0 };
      sample = this.ring[this.current]!;
    }
    sample.value += value;
    return this.rate(nowMs);
  }

  /** The rate in value per second at `nowMs`. */
  rate(nowMs: number): number {
    return this.total(nowMs) / (this.windowSizeMs(nowMs) / 1000);
  }

  /** The time the rate is taken over (Kafka's Rate.windowSize), in ms, at least 1. */
  windowSizeMs(nowMs: number): number {
    this.purge(nowMs);
    let oldest = nowMs;
    for (const s of this.ring) oldest = Math.min(oldest, s.start);
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minFullWindows = this.samples - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.windowMs;
    return Math.max(elapsed, 1);
  }

  private total(nowMs: number): number {
    this.purge(nowMs);
    let sum = 0;
    for (const s of this.ring) sum += s.value;
    return sum;
  }

  /** Windows older than samples × windowMs restart empty at `nowMs` (Kafka's purgeObsoleteSamples). */
  private purge(nowMs: number): void {
    const expireAge = this.samples * this.windowMs;
    for (const s of this.ring) {
      if (nowMs - s.start >= expireAge) {
        s.start = nowMs;
        s.value = 0;
      }
    }
  }
}

/**
 * Kafka's throttle time for a rate over its bound (QuotaUtils.throttleTime, KIP-13):
 * (rate − bound) / bound × window size, in ms, rounded; 0 within the bound.
 */
export function throttleTimeMs(rate: number, bound: number, windowSizeMs: number): number {
  if (rate <= bound) return 0;
  return Math.round(((rate - bound) / bound) * windowSizeMs);
}
