/**
 * What every audit tier counts (issue 15, Chaperone-style): per topic × bucket of record
 * timestamp (`gregor.audit.bucket.ms`, buckets start at multiples of it, ms since the epoch),
 * the records, their key + value bytes, the records with no usable timestamp (negative, e.g.
 * -1 = RecordBatch.NO_TIMESTAMP) and a latency histogram of (observer's clock − record
 * timestamp) in ms. Records without a usable timestamp are bucketed by the observer's clock
 * and stay out of the histogram. Histograms are HDR histograms (hdr-histogram-js), merged
 * exactly (bucket-wise sum, not a max of percentiles) and encoded as HdrHistogram's compressed
 * base64 (the V2 compressed encoding) in reports.
 */
import * as hdr from 'hdr-histogram-js';

/** Latencies are tracked from 1 ms to 30 days, 3 significant digits. */
const HISTOGRAM = { lowestDiscernibleValue: 1, highestTrackableValue: 30 * 24 * 3600 * 1000, numberOfSignificantValueDigits: 3 as const };

/** A latency histogram (ms). */
export type LatencyHistogram = hdr.Histogram;

/** A fresh latency histogram (ms, 1 ms … 30 days, 3 significant digits). */
export function newLatencyHistogram(): LatencyHistogram {
  return hdr.build(HISTOGRAM);
}

/** `h` as HdrHistogram's compressed base64 encoding. */
export function encodeHistogram(h: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** A histogram from {@link encodeHistogram}'s text. Throws on malformed input. */
export function decodeHistogram(text: string): LatencyHistogram {
  const decoded = hdr.decodeFromCompressedBase64(text);
  const h = newLatencyHistogram();
  h.add(decoded);
  return h;
}

/** One topic × bucket's counts. */
export interface BucketCounts {
  topic: string;
  /** Start of the bucket, ms since the epoch (a multiple of the bucket width). */
  bucketStartMs: number;
  records: number;
  /** Key + value bytes. */
  bytes: number;
  /** Records without a usable timestamp (counted in `records` too). */
  noTimestamp: number;
  /** now − record timestamp, ms, of the records with a timestamp. */
  latency: LatencyHistogram;
}

/** Counts per topic × bucket, as one tier accumulates them between two reports. */
export class AuditCounts {
  private readonly buckets = new Map<string, BucketCounts>();

  /** `bucketMs`: the bucket width, ms (> 0). */
  constructor(readonly bucketMs: number) {
    if (!(bucketMs > 0)) throw new RangeError(`bucket width must be > 0 ms, got ${bucketMs}`);
  }

  /** The bucket start (ms) holding timestamp `t`. */
  bucketOf(t: number): number {
    return Math.floor(t / this.bucketMs) * this.bucketMs;
  }

  private bucket(topic: string, start: number): BucketCounts {
    const key = `${start}\u0000${topic}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = { topic, bucketStartMs: start, records: 0, bytes: 0, noTimestamp: 0, latency: newLatencyHistogram() };
      this.buckets.set(key, b);
    }
    return b;
  }

  /**
   * Counts `records` records of `topic` with timestamp `timestamp` (ms; negative = none) and
   * `bytes` key + value bytes, seen at `nowMs`. `latency` false keeps them out of the
   * histogram (records re-derived from the log after a restart: their latency is unknown).
   */
  add(topic: string, timestamp: number, records: number, bytes: number, nowMs: number, latency = true): void {
    if (records <= 0) return;
    const usable = timestamp >= 0;
    const b = this.bucket(topic, this.bucketOf(usable ? timestamp : nowMs));
    b.records += records;
    b.bytes += bytes;
    if (!usable) b.noTimestamp += records;
    else if (latency) b.latency.recordValueWithCount(Math.max(1, Math.min(nowMs - timestamp, HISTOGRAM.highestTrackableValue)), records);
  }

  /** Adds another bucket's counts (histograms merged exactly). */
  merge(other: BucketCounts): void {
    const b = this.bucket(other.topic, other.bucketStartMs);
    b.records += other.records;
    b.bytes += other.bytes;
    b.noTimestamp += other.noTimestamp;
    b.latency.add(other.latency);
  }

  get isEmpty(): boolean {
    return this.buckets.size === 0;
  }

  /** The buckets, oldest first. */
  all(): BucketCounts[] {
    return [...this.buckets.values()].sort((a, b) => a.bucketStartMs - b.bucketStartMs || a.topic.localeCompare(b.topic));
  }

  clear(): void {
    this.buckets.clear();
  }
}
