/**
 * The lines Kafka's perf tools print, character for character (formats read from
 * ProducerPerformance.java and ConsumerPerformance.java):
 *
 *   periodic: `%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.`
 *   final:    `%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency,
 *              %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.`   (one line)
 *   consumer: the header `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
 *             nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec` and one line
 *             `%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f` with times as `yyyy-MM-dd HH:mm:ss:SSS`
 *             (local time, Kafka's default --date-format).
 *
 * MB is 1024 × 1024 bytes. Kafka's percentiles are whole ms (its latencies are whole ms);
 * these are the HDR percentiles truncated to whole ms.
 */
import type { ProduceSummary, ProduceWindow } from './produce-stats.js';

/** The periodic line for one window. */
export function windowLine(w: ProduceWindow): string {
  const perSec = w.elapsedMs > 0 ? (1000 * w.records) / w.elapsedMs : 0;
  const mbPerSec = w.elapsedMs > 0 ? (1000 * w.bytes) / w.elapsedMs / (1024 * 1024) : 0;
  return `${w.records} records sent, ${perSec.toFixed(1)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${w.latencyAvgMs.toFixed(1)} ms avg latency, ${w.latencyMaxMs.toFixed(1)} ms max latency.`;
}

/** The final line. */
export function totalLine(s: ProduceSummary): string {
  const whole = (ms: number) => Math.floor(ms);
  return (
    `${s.records} records sent, ${s.recordsPerSec.toFixed(6)} records/sec (${s.mbPerSec.toFixed(2)} MB/sec), ` +
    `${s.latencyAvgMs.toFixed(2)} ms avg latency, ${s.latencyMaxMs.toFixed(2)} ms max latency, ` +
    `${whole(s.p50Ms)} ms 50th, ${whole(s.p95Ms)} ms 95th, ${whole(s.p99Ms)} ms 99th, ${whole(s.p999Ms)} ms 99.9th.`
  );
}

export const CONSUMER_HEADER = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';

/** Kafka's default --date-format, `yyyy-MM-dd HH:mm:ss:SSS`, in local time. */
export function kafkaDate(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

/** The consumer's figures (see consume-runner.ts for how each is measured). */
export interface ConsumeSummary {
  startEpochMs: number;
  endEpochMs: number;
  records: number;
  bytes: number;
  rebalanceMs: number;
  fetchMs: number;
  mbPerSec: number;
  recordsPerSec: number;
  fetchMbPerSec: number;
  fetchRecordsPerSec: number;
}

/** The consumer's result line (below CONSUMER_HEADER). */
export function consumerLine(s: ConsumeSummary): string {
  const mb = s.bytes / (1024 * 1024);
  return [
    kafkaDate(s.startEpochMs),
    kafkaDate(s.endEpochMs),
    mb.toFixed(4),
    s.mbPerSec.toFixed(4),
    String(s.records),
    s.recordsPerSec.toFixed(4),
    String(Math.round(s.rebalanceMs)),
    String(Math.round(s.fetchMs)),
    s.fetchMbPerSec.toFixed(4),
    s.fetchRecordsPerSec.toFixed(4),
  ].join(', ');
}
