/**
 * Issue 15 acceptance, end-to-end audit: records lost between an acks=0 producer and the
 * broker show as missing in the collector, exactly, in the buckets of their timestamps.
 * Real broker process, real sockets: the producer sends through test/helpers/dropping-proxy.ts,
 * which swallows 37 of the 1,000 Produce requests (100 records each); the producer tier counts
 * what it handed to the wire and reports to `__audit` directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DroppingProxy, startDroppingProxy } from '../helpers/dropping-proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { BUCKET_MS, byBucket, createTopic, producerTier, produceFrame, reportWhen, spawnAuditedBroker } from './audit-helpers.js';

const TOPIC = 'audited';
const REQUESTS = 1_000;
const PER_REQUEST = 100;
/** Requests (1-based, in sending order) the proxy swallows: 37 of them. */
const DROPPED = new Set(Array.from({ length: 37 }, (_, i) => 7 + i * 26));

describe('audit: records lost on the way (acks=0) are missing in their buckets', () => {
  const dir = makeTempDir();
  let broker: Awaited<ReturnType<typeof spawnAuditedBroker>>;
  let proxy: DroppingProxy;

  beforeAll(async () => {
    broker = await spawnAuditedBroker(dir.path);
    await createTopic(broker.port, TOPIC);
    proxy = await startDroppingProxy(broker.port, (n) => DROPPED.has(n), { drop: 'requests' });
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await broker?.stop();
    dir.remove();
  });

  it('100,000 records, 37 requests dropped: the report shows exactly those missing', async () => {
    // three past buckets; request i carries records stamped in bucket i % 3
    const base = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS - 3 * BUCKET_MS;
    const bucketOf = (i: number) => base + (i % 3) * BUCKET_MS;
    const producer = producerTier(() => broker.port);
    const client = await RawClient.connect(proxy.port);
    const expectedMissing: Record<number, number> = {};
    for (let i = 0; i < REQUESTS; i++) {
      const timestamp = bucketOf(i) + 1_000 + i;
      for (let r = 0; r < PER_REQUEST; r++) producer.count(TOPIC, timestamp, 20);
      client.sendRaw(produceFrame(client, TOPIC, PER_REQUEST, timestamp));
      if (DROPPED.has(i + 1)) expectedMissing[bucketOf(i)] = (expectedMissing[bucketOf(i)] ?? 0) + PER_REQUEST;
    }
    await producer.close();
    // the proxy has seen every request (bounded wait), and swallowed exactly the chosen 37
    for (let waited = 0; proxy.produced < REQUESTS && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(proxy.produced).toBe(REQUESTS);
    expect(proxy.dropped).toBe(37);

    const total = REQUESTS * PER_REQUEST;
    const lost = 37 * PER_REQUEST;
    const rows = await reportWhen(broker.httpPort, TOPIC, (rs) => rs.reduce((n, r) => n + (r.broker?.records ?? 0), 0) >= total - lost && rs.every((r) => r.producer));
    client.close();

    expect(rows.reduce((n, r) => n + (r.producer?.records ?? 0), 0)).toBe(total);
    expect(rows.reduce((n, r) => n + (r.broker?.records ?? 0), 0)).toBe(total - lost);
    expect(byBucket(rows, (r) => r.missing)).toEqual({ [base]: expectedMissing[base] ?? 0, [base + BUCKET_MS]: expectedMissing[base + BUCKET_MS] ?? 0, [base + 2 * BUCKET_MS]: expectedMissing[base + 2 * BUCKET_MS] ?? 0 });
    expect(Object.values(expectedMissing).reduce((a, b) => a + b, 0)).toBe(lost);
    expect(rows.every((r) => r.duplicated === 0)).toBe(true);
    // bytes: 20-byte values, no keys; latency recorded for every record the broker counted
    expect(rows.reduce((n, r) => n + (r.broker?.bytes ?? 0), 0)).toBe((total - lost) * 20);
    expect(rows.reduce((n, r) => n + (r.broker?.latencyMs.count ?? 0), 0)).toBe(total - lost);

    // Prometheus: the gauges the collector feeds
    const metrics = await (await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`)).text();
    expect(metrics).toContain(`gregor_audit_missing_records{topic="${TOPIC}"} ${lost}`);
    expect(metrics).toContain(`gregor_audit_records{topic="${TOPIC}",tier="broker"} ${total - lost}`);
    expect(metrics).toContain(`gregor_audit_records{topic="${TOPIC}",tier="producer"} ${total}`);
    expect(metrics).toMatch(new RegExp(`gregor_audit_latency_ms\\{topic="${TOPIC}",tier="broker",quantile="0.5"\\} \\d+`));
  }, 60_000);
});

describe('audit: retries without idempotence show as duplicates', () => {
  const dir = makeTempDir();
  let broker: Awaited<ReturnType<typeof spawnAuditedBroker>>;
  let proxy: DroppingProxy;
  /** Produce responses (1-based) the proxy swallows, cutting the connection: the batch was appended, the client retries it. */
  const LOST_RESPONSES = new Set([3, 10, 11, 25]);

  beforeAll(async () => {
    broker = await spawnAuditedBroker(dir.path);
    await createTopic(broker.port, TOPIC);
    proxy = await startDroppingProxy(broker.port, (n) => LOST_RESPONSES.has(n));
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await broker?.stop();
    dir.remove();
  });

  it('a request re-sent after a lost response is counted twice by the broker, once by the producer', async () => {
    const producer = producerTier(() => broker.port);
    const timestamp = Date.now();
    let client = await RawClient.connect(proxy.port);
    let retries = 0;
    for (let i = 0; i < 30; i++) {
      for (let r = 0; r < PER_REQUEST; r++) producer.count(TOPIC, timestamp, 20);
      // a non-idempotent producer: no producer id, so the broker cannot tell a retry from new records
      for (let attempt = 0; ; attempt++) {
        expect(attempt).toBeLessThan(3);
        const answer = client.nextFrame(10_000);
        client.sendRaw(produceFrame(client, TOPIC, PER_REQUEST, timestamp, 20, 1));
        try {
          await answer;
          break;
        } catch {
          retries++;
          client = await RawClient.connect(proxy.port);
        }
      }
    }
    client.close();
    await producer.close();
    expect(retries).toBe(LOST_RESPONSES.size);
    const rows = await reportWhen(broker.httpPort, TOPIC, (rs) => rs.reduce((n, r) => n + (r.broker?.records ?? 0), 0) >= (30 + retries) * PER_REQUEST && rs.some((r) => r.producer));
    expect(rows.reduce((n, r) => n + (r.producer?.records ?? 0), 0)).toBe(30 * PER_REQUEST);
    expect(rows.reduce((n, r) => n + (r.broker?.records ?? 0), 0)).toBe((30 + retries) * PER_REQUEST);
    expect(rows.reduce((n, r) => n + (r.duplicated ?? 0), 0)).toBe(retries * PER_REQUEST);
    expect(rows.reduce((n, r) => n + (r.missing ?? 0), 0)).toBe(0);
  }, 60_000);
});
