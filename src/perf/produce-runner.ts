/**
 * `gregor perf produce`'s engine: sends `numRecords` values to `topic` through
 * @platformatic/kafka, paced by ThroughputThrottler, batched by RecordAccumulator, measured
 * by ProduceStats; the same loop as kafka-producer-perf-test (send, then throttle if ahead of
 * the target rate). Usable from the CLI (src/cli/perf.ts) and from bench/.
 *
 * Shape: ProducePerfResult { summary (the final line's figures + HDR percentiles, ms),
 * windows (periodic lines), series (acks per second), percentiles (the HDR curve) }.
 * Errors: rejects with the client's error when the topic's metadata cannot be had (e.g.
 * UNKNOWN_TOPIC_OR_PARTITION with auto-creation off); failed sends are counted in
 * `summary.errors` with `firstError`, not thrown.
 */
import { Producer } from '@platformatic/kafka';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { kafkaConnectionOptions } from '../cli/kafka-client-options.js';
import { describeError } from '../cli/kafka-client-errors.js';
import type { PayloadSource } from './payloads.js';
import { type PercentilePoint, ProduceStats, type ProduceSummary, type ProduceWindow, type SeriesPoint } from './produce-stats.js';
import { type ClientMetric, ProducerMetrics } from './client-metrics.js';
import { producerSettings } from './producer-settings.js';
import { RecordAccumulator } from './record-accumulator.js';
import { ThroughputThrottler } from './throttler.js';

export interface ProducePerfOptions {
  /** host:port[,host:port…] */
  bootstrap: string;
  /** Producer properties (Kafka names; see producer-settings.ts). */
  props: Readonly<Record<string, string>>;
  topic: string;
  numRecords: number;
  payloads: PayloadSource;
  /** records/s; -1 unthrottled. */
  throughput: number;
  /** ms per periodic window (Kafka: 5000). */
  reportingIntervalMs: number;
  /** Each closed window, as it closes. */
  onWindow?: (w: ProduceWindow) => void;
  /** Called about every 200 ms with records acknowledged so far. */
  onProgress?: (acknowledged: number) => void;
  /** Unknown producer properties, once (Kafka logs a warning). */
  onWarning?: (message: string) => void;
  /** Measure the producer's metrics (`--print-metrics`, client-metrics.ts) into the result's `metrics`. */
  metrics?: boolean;
}

export interface ProducePerfResult {
  kind: 'produce';
  topic: string;
  bootstrap: string;
  startedAt: string;
  numRecords: number;
  throughput: number;
  summary: ProduceSummary;
  windows: ProduceWindow[];
  series: SeriesPoint[];
  percentiles: PercentilePoint[];
  firstError: string | null;
  /** With `metrics`: the producer's metrics at the end (Kafka's names). */
  metrics?: ClientMetric[];
}

export async function runProducePerf(o: ProducePerfOptions): Promise<ProducePerfResult> {
  const settings = producerSettings(o.props);
  for (const key of settings.unknownKeys) o.onWarning?.(`The configuration '${key}' was supplied but isn't a known config.`);
  const clientId = 'perf-producer-client';
  const connection = kafkaConnectionOptions(o.bootstrap, o.props, clientId);
  const producer = new Producer({
    ...connection,
    timeout: settings.requestTimeoutMs,
    ...(settings.retries !== undefined ? { retries: settings.retries } : {}),
    autocreateTopics: true,
  });
  const startedAt = new Date().toISOString();
  let progressTimer: NodeJS.Timeout | null = null;
  try {
    const metadata = await producer.metadata({ topics: [o.topic], autocreateTopics: true });
    const partitions = metadata.topics.get(o.topic)?.partitionsCount ?? 0;
    if (partitions <= 0) throw new Error(`UNKNOWN_TOPIC_OR_PARTITION: topic ${o.topic} has no partitions`);
    const start = performance.now();
    const stats = new ProduceStats(start, o.reportingIntervalMs, o.onWindow);
    const metrics = o.metrics ? new ProducerMetrics() : null;
    const accumulator = new RecordAccumulator(producer, o.topic, partitions, settings, stats, metrics);
    const throttler = new ThroughputThrottler(o.throughput, start);
    if (o.onProgress) progressTimer = setInterval(() => o.onProgress!(stats.acknowledgedRecords), 200);
    for (let i = 0; i < o.numRecords; i++) {
      const sendMs = performance.now();
      if (accumulator.append(o.payloads.next(i), sendMs)) await accumulator.waitForSpace();
      if (throttler.shouldThrottle(i + 1, sendMs)) await throttler.throttle();
      // Kafka's Sender is its own thread; here the client's I/O runs when this loop yields.
      else if ((i & 1023) === 1023) await yieldToIo();
    }
    await accumulator.flush();
    const end = performance.now();
    return {
      kind: 'produce',
      topic: o.topic,
      bootstrap: o.bootstrap,
      startedAt,
      numRecords: o.numRecords,
      throughput: o.throughput,
      summary: stats.summary(end),
      windows: stats.windows,
      series: stats.series,
      percentiles: stats.percentileCurve(),
      firstError: accumulator.firstError ? describeError(accumulator.firstError) : null,
      ...(metrics ? { metrics: metrics.metrics(clientId, end - start) } : {}),
    };
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await producer.close().catch(() => {});
  }
}
