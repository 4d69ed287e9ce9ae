/**
 * `gregor perf consume`'s engine: a group consumer (@platformatic/kafka) reads `messages`
 * records of `topic` and measures them as kafka-consumer-perf-test does
 * (ConsumerPerformance.scala, read, not copied):
 *
 * - start/end: wall-clock ms when the test began and when it stopped (all records read, or
 *   `timeoutMs` passed without a record since the join or the last record — then
 *   `timedOut` and Kafka's WARNING).
 * - rebalance.time.ms: from the start to the group join; fetch.time.ms: the rest.
 * - bytes: key + value bytes of the records read; MB = 1024 × 1024 bytes.
 * - Offsets: the group's committed offsets, else the earliest (`fromLatest`: the latest),
 *   as auto.offset.reset does; offsets are auto-committed every auto.commit.interval.ms
 *   (5000) unless enable.auto.commit=false.
 *
 * Consumer properties (Kafka names): fetch.max.wait.ms (500), fetch.min.bytes (1),
 * fetch.max.bytes (52428800), max.partition.fetch.bytes (1048576), session.timeout.ms
 * (45000), heartbeat.interval.ms (3000), enable.auto.commit, auto.commit.interval.ms,
 * isolation.level (read_uncommitted | read_committed, KIP-98), and the security keys
 * (kafkaConnectionOptions).
 * Errors: rejects with the client's error (e.g. an unreachable broker), or an Error naming a
 * bad isolation.level.
 */
import { Consumer } from '@platformatic/kafka';
import { kafkaConnectionOptions } from '../cli/kafka-client-options.js';
import { type ClientMetric, consumerMetrics } from './client-metrics.js';
import type { ConsumeSummary } from './kafka-format.js';
import { MB, type SeriesPoint, addToSeries, closeSeries } from './produce-stats.js';

export interface ConsumePerfOptions {
  bootstrap: string;
  props: Readonly<Record<string, string>>;
  topic: string;
  messages: number;
  group: string;
  /** ms without a record before giving up (Kafka: --timeout, 10000). */
  timeoutMs: number;
  fromLatest: boolean;
  /** Called about every 200 ms with the records read so far. */
  onProgress?: (records: number) => void;
  /** Put the consumer's metrics (`--print-metrics`, client-metrics.ts) in the result's `metrics`. */
  metrics?: boolean;
}

export interface ConsumePerfResult {
  kind: 'consume';
  topic: string;
  bootstrap: string;
  group: string;
  startedAt: string;
  messages: number;
  timedOut: boolean;
  summary: ConsumeSummary;
  series: SeriesPoint[];
  /** With `metrics`: the consumer's metrics at the end (Kafka's names). */
  metrics?: ClientMetric[];
}

function intProp(props: Readonly<Record<string, string>>, key: string, fallback: number): number {
  const raw = props[key];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid value ${raw} for configuration ${key}: must be an integer >= 0`);
  return n;
}

export async function runConsumePerf(o: ConsumePerfOptions): Promise<ConsumePerfResult> {
  const clientId = 'perf-consumer-client';
  const connection = kafkaConnectionOptions(o.bootstrap, o.props, clientId);
  const autocommit = o.props['enable.auto.commit'] === 'false' ? false : intProp(o.props, 'auto.commit.interval.ms', 5000);
  const isolation = o.props['isolation.level'] ?? 'read_uncommitted';
  if (isolation !== 'read_committed' && isolation !== 'read_uncommitted') throw new Error(`Invalid value ${isolation} for configuration isolation.level: String must be one of: read_committed, read_uncommitted`);
  const consumer = new Consumer({
    ...connection,
    groupId: o.group,
    maxWaitTime: intProp(o.props, 'fetch.max.wait.ms', 500),
    minBytes: intProp(o.props, 'fetch.min.bytes', 1),
    maxBytes: intProp(o.props, 'fetch.max.bytes', 52_428_800),
    maxBytesPerPartition: intProp(o.props, 'max.partition.fetch.bytes', 1_048_576),
    sessionTimeout: intProp(o.props, 'session.timeout.ms', 45_000),
    heartbeatInterval: intProp(o.props, 'heartbeat.interval.ms', 3000),
    isolationLevel: isolation === 'read_committed' ? 1 : 0,
  });
  const startEpochMs = Date.now();
  const start = performance.now();
  let joinedMs: number | null = null;
  consumer.once('consumer:group:join', () => (joinedMs = performance.now() - start));
  let records = 0;
  let bytes = 0;
  let lastRecordMs = start;
  const series: SeriesPoint[] = [];
  let progressTimer: NodeJS.Timeout | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  try {
    const stream = await consumer.consume({ topics: [o.topic], mode: 'committed', fallbackMode: o.fromLatest ? 'latest' : 'earliest', autocommit });
    joinedMs ??= performance.now() - start;
    // The --timeout clock starts once the group is joined (a join may take the broker's
    // group.initial.rebalance.delay.ms, 3 s by default, before any fetch).
    lastRecordMs = performance.now();
    if (o.onProgress) progressTimer = setInterval(() => o.onProgress!(records), 200);
    const timedOut = await new Promise<boolean>((resolve, reject) => {
      if (o.messages <= 0) return resolve(false);
      watchdog = setInterval(() => {
        if (performance.now() - lastRecordMs > o.timeoutMs) resolve(true);
      }, 50);
      stream.on('error', reject);
      stream.on('data', (message) => {
        if (records >= o.messages) return;
        const now = performance.now();
        const size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
        records++;
        bytes += size;
        lastRecordMs = now;
        addToSeries(series, now - start, 1, size);
        if (records >= o.messages) resolve(false);
      });
    });
    const end = performance.now();
    const endEpochMs = Math.round(startEpochMs + (end - start));
    await stream.close().catch(() => {});
    const elapsedSec = (end - start) / 1000;
    const rebalanceMs = joinedMs ?? 0;
    const fetchMs = end - start - rebalanceMs;
    const mb = bytes / MB;
    return {
      kind: 'consume',
      topic: o.topic,
      bootstrap: o.bootstrap,
      group: o.group,
      startedAt: new Date(startEpochMs).toISOString(),
      messages: o.messages,
      timedOut,
      summary: {
        startEpochMs,
        endEpochMs,
        records,
        bytes,
        rebalanceMs,
        fetchMs,
        mbPerSec: elapsedSec > 0 ? mb / elapsedSec : 0,
        recordsPerSec: elapsedSec > 0 ? records / elapsedSec : 0,
        fetchMbPerSec: fetchMs > 0 ? mb / (fetchMs / 1000) : 0,
        fetchRecordsPerSec: fetchMs > 0 ? records / (fetchMs / 1000) : 0,
      },
      series: closeSeries(series, end - start),
      ...(o.metrics ? { metrics: consumerMetrics(clientId, { records, bytes, elapsedMs: end - start, rebalanceMs }) } : {}),
    };
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    if (watchdog) clearInterval(watchdog);
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
}
