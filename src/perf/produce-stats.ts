/**
 * What `gregor perf produce` measures, as kafka-producer-perf-test's Stats class defines it
 * (tools/.../ProducerPerformance.java, read, not copied): a record's latency runs from the
 * moment the tool hands it to the producer (send()) to its acknowledgement; a window of
 * `reportingIntervalMs` (Kafka: 5,000) closes on the first acknowledgement after it elapsed
 * and becomes one periodic line.
 *
 * Here every latency also goes into an HDR histogram (hdr-histogram-js, 3 significant
 * digits, microseconds, up to one hour) for the percentiles and the report's percentile
 * curve, and acknowledgements are bucketed per second (`series`) for the throughput chart.
 * Units: times in ms from performance.now(); bytes are the value bytes (Kafka counts the
 * record size it was given).
 */
import { type Histogram, build } from 'hdr-histogram-js';

/** One closed reporting window (one periodic line). */
export interface ProduceWindow {
  /** ms since the start of the run when the window closed. */
  endMs: number;
  elapsedMs: number;
  records: number;
  bytes: number;
  latencyAvgMs: number;
  latencyMaxMs: number;
}

/**
 * One second of acknowledgements: records and bytes acknowledged in [second, second + 1);
 * `ms` is the time the bucket covers (1000, less for the last one of a run).
 */
export interface SeriesPoint {
  second: number;
  records: number;
  bytes: number;
  ms: number;
}

/** Adds `n` records of `bytes` at `atMs` ms since the start to per-second `series`. */
export function addToSeries(series: SeriesPoint[], atMs: number, n: number, bytes: number): void {
  const second = Math.floor(atMs / 1000);
  while (series.length <= second) series.push({ second: series.length, records: 0, bytes: 0, ms: 1000 });
  series[second]!.records += n;
  series[second]!.bytes += bytes;
}

/** Sets the last bucket's `ms` to what the run (`elapsedMs` long) covered of it. */
export function closeSeries(series: SeriesPoint[], elapsedMs: number): SeriesPoint[] {
  const last = series.at(-1);
  if (last) last.ms = Math.max(0, Math.min(1000, elapsedMs - last.second * 1000));
  return series;
}

/** The final line's figures plus the HDR percentiles (ms). */
export interface ProduceSummary {
  records: number;
  bytes: number;
  elapsedMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyAvgMs: number;
  latencyMaxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  errors: number;
}

/** A point of the percentile curve: `percentile` in [0, 100], latency in ms. */
export interface PercentilePoint {
  percentile: number;
  latencyMs: number;
}

const US_PER_MS = 1000;
const HOUR_US = 3_600_000_000;
export const MB = 1024 * 1024;

export class ProduceStats {
  readonly histogram: Histogram = build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: HOUR_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  readonly windows: ProduceWindow[] = [];
  readonly series: SeriesPoint[] = [];
  private records = 0;
  private bytes = 0;
  private latencyTotalMs = 0;
  private latencyMaxMs = 0;
  private errors = 0;
  private windowStartMs: number;
  private windowRecords = 0;
  private windowBytes = 0;
  private windowLatencyTotalMs = 0;
  private windowLatencyMaxMs = 0;

  /** `startMs`: performance.now() when sending began; `onWindow` gets each closed window. */
  constructor(
    readonly startMs: number,
    private readonly reportingIntervalMs: number,
    private readonly onWindow: (w: ProduceWindow) => void = () => {},
  ) {
    this.windowStartMs = startMs;
  }

  /**
   * Records acknowledged at `ackMs`: `sendMs[i]` is record i's send time and `sizes[i]` its
   * value's size in bytes.
   */
  acknowledged(sendMs: ArrayLike<number>, sizes: ArrayLike<number>, ackMs: number): void {
    const n = sendMs.length;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const latency = ackMs - sendMs[i]!;
      this.histogram.recordValue(Math.max(1, Math.round(latency * US_PER_MS)));
      this.latencyTotalMs += latency;
      this.windowLatencyTotalMs += latency;
      if (latency > this.latencyMaxMs) this.latencyMaxMs = latency;
      if (latency > this.windowLatencyMaxMs) this.windowLatencyMaxMs = latency;
      bytes += sizes[i]!;
    }
    this.records += n;
    this.bytes += bytes;
    this.windowRecords += n;
    this.windowBytes += bytes;
    addToSeries(this.series, ackMs - this.startMs, n, bytes);
    if (ackMs - this.windowStartMs >= this.reportingIntervalMs) this.closeWindow(ackMs);
  }

  /** `n` records whose send failed (counted apart; they have no latency). */
  failed(n: number): void {
    this.errors += n;
  }

  get acknowledgedRecords(): number {
    return this.records;
  }

  private closeWindow(nowMs: number): void {
    const w: ProduceWindow = {
      endMs: nowMs - this.startMs,
      elapsedMs: nowMs - this.windowStartMs,
      records: this.windowRecords,
      bytes: this.windowBytes,
      latencyAvgMs: this.windowRecords > 0 ? this.windowLatencyTotalMs / this.windowRecords : 0,
      latencyMaxMs: this.windowLatencyMaxMs,
    };
    this.windows.push(w);
    this.windowStartMs = nowMs;
    this.windowRecords = this.windowBytes = this.windowLatencyTotalMs = this.windowLatencyMaxMs = 0;
    this.onWindow(w);
  }

  /**
   * The latency (ms) at `percentile`: HDR reports the top of a value's bucket (up to 0.1 %
   * above the recorded value at 3 significant digits), so it is capped at the exact maximum.
   */
  latencyAtPercentile(percentile: number): number {
    return Math.min(this.histogram.getValueAtPercentile(percentile) / US_PER_MS, this.latencyMaxMs);
  }

  /** The totals at `endMs` (performance.now()). */
  summary(endMs: number): ProduceSummary {
    const elapsedMs = endMs - this.startMs;
    closeSeries(this.series, elapsedMs);
    const pct = (p: number) => (this.records > 0 ? this.latencyAtPercentile(p) : 0);
    return {
      records: this.records,
      bytes: this.bytes,
      elapsedMs,
      recordsPerSec: elapsedMs > 0 ? (1000 * this.records) / elapsedMs : 0,
      mbPerSec: elapsedMs > 0 ? (1000 * this.bytes) / elapsedMs / MB : 0,
      latencyAvgMs: this.records > 0 ? this.latencyTotalMs / this.records : 0,
      latencyMaxMs: this.latencyMaxMs,
      p50Ms: pct(50),
      p95Ms: pct(95),
      p99Ms: pct(99),
      p999Ms: pct(99.9),
      errors: this.errors,
    };
  }

  /**
   * The percentile curve for the report: percentiles 1 − 10^(−k/steps) for k = 0, 1, … up to
   * the last one the recorded count resolves (1 − 1/count), then the maximum; ms.
   */
  percentileCurve(stepsPerDecade = 10): PercentilePoint[] {
    const count = this.histogram.totalCount;
    if (count === 0) return [];
    const points: PercentilePoint[] = [];
    const lastFraction = 1 / count;
    for (let k = 0; ; k++) {
      const tail = 10 ** (-k / stepsPerDecade);
      if (tail < lastFraction) break;
      const percentile = 100 * (1 - tail);
      points.push({ percentile, latencyMs: this.latencyAtPercentile(percentile) });
    }
    points.push({ percentile: 100, latencyMs: this.latencyMaxMs });
    return points;
  }
}
