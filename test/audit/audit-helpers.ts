/**
 * Shared pieces of the audit tests: a broker process with the audit on, raw acks=0 produce
 * frames with records in chosen buckets, the producer tier publishing to `__audit` over its own
 * connection, and polling `GET /audit/report.json`.
 */
import { createEngine } from '../../src/engine/index.js';
import { createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, createProduceRequest } from '../../src/protocol/generated/index.js';
import { ClientAuditTier } from '../../src/audit/client-tier.js';
import type { AuditRow } from '../../src/audit/collector.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';

export const BUCKET_MS = 60_000;
const PRODUCE = 0;
const CREATE_TOPICS = 19;
const engine = createEngine('js');

/** Spawns `gregor start` on `logDir` with the audit on (reports every 200 ms, no grace). */
export async function spawnAuditedBroker(logDir: string, extra: string[] = []): Promise<BrokerProcess & { httpPort: number }> {
  const proc = await spawnBroker([
    '--port', '0', '--log-dirs', logDir,
    '-o', 'advertised.listeners=PLAINTEXT://127.0.0.1:0',
    '-o', 'gregor.websocket.port=0', '-o', 'gregor.websocket.host=127.0.0.1',
    '-o', 'gregor.audit.enable=true', '-o', `gregor.audit.bucket.ms=${BUCKET_MS}`,
    '-o', 'gregor.audit.report.interval.ms=200', '-o', 'gregor.audit.grace.ms=0',
    ...extra,
  ]);
  const httpPort = Number(/"websocketPort":(\d+)/.exec(proc.output())![1]);
  return Object.assign(proc, { httpPort });
}

/** Creates `topic` (one partition) through CreateTopics on `port`. */
export function createTopic(port: number, topic: string): Promise<void> {
  return createTopicReplicated(port, topic, 1);
}

/** Creates `topic` (one partition, `replicationFactor` replicas) through CreateTopics on `port`. */
export async function createTopicReplicated(port: number, topic: string, replicationFactor: number): Promise<void> {
  const response = await RawClient.requestOnce(port, CREATE_TOPICS, 4, createCreateTopicsRequest({
    topics: [createCreateTopicsRequestCreatableTopic({ name: topic, numPartitions: 1, replicationFactor })],
    timeoutMs: 10_000,
  }));
  const code = response.topics[0].errorCode;
  if (code !== 0) throw new Error(`CreateTopics ${topic}: error ${code}`);
}

/** One acks=0 Produce frame of `count` records of `valueBytes` bytes, all with timestamp `timestamp`. */
export function produceFrame(client: RawClient, topic: string, count: number, timestamp: number, valueBytes = 20, acks = 0): Buffer {
  const records = Array.from({ length: count }, () => ({ key: null, value: new Uint8Array(valueBytes), timestamp }));
  const batch = engine.encodeRecordBatch(records, { baseTimestamp: timestamp });
  return client.encode(PRODUCE, 9, createProduceRequest({ acks, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] }));
}

/** A producer tier that publishes its reports to `__audit` over its own connection to `port` (acks=1). */
export function producerTier(port: () => number, reporter?: string): ClientAuditTier {
  return new ClientAuditTier({
    tier: 'producer',
    bucketMs: BUCKET_MS,
    reportIntervalMs: 0,
    reporter,
    publish: async ({ key, value }) => {
      const client = await RawClient.connect(port());
      try {
        const batch = engine.encodeRecordBatch([{ key, value }]);
        const res = await client.request(PRODUCE, 9, createProduceRequest({ acks: 1, timeoutMs: 10_000, topicData: [{ name: '__audit', partitionData: [{ index: 0, records: batch }] }] }));
        const code = res.responses[0].partitionResponses[0].errorCode;
        if (code !== 0) throw new Error(`audit report produce failed: error ${code}`);
      } finally {
        client.close();
      }
    },
  });
}

/** GET /audit/report.json. */
export async function auditReport(httpPort: number, topic: string): Promise<AuditRow[]> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/audit/report.json?topic=${encodeURIComponent(topic)}`);
  if (res.status !== 200) throw new Error(`/audit/report.json: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { rows: AuditRow[] }).rows;
}

/** Polls the report until `done(rows)` (at most `timeoutMs`); returns the last rows. */
export async function reportWhen(httpPort: number, topic: string, done: (rows: AuditRow[]) => boolean, timeoutMs = 20_000): Promise<AuditRow[]> {
  const deadline = Date.now() + timeoutMs;
  let rows = await auditReport(httpPort, topic);
  while (!done(rows) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    rows = await auditReport(httpPort, topic);
  }
  return rows;
}

/** Records per bucket start for one tier. */
export function byBucket(rows: AuditRow[], pick: (r: AuditRow) => number | null | undefined): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of rows) {
    const v = pick(r);
    if (v != null) out[r.bucketStartMs] = v;
  }
  return out;
}
