/**
 * Issue 15 acceptance, end-to-end audit: a broker killed with -9 and restarted counts nothing
 * twice and loses nothing (the broker tier re-derives what it had not reported from the log,
 * from the offset after its last reported range); and the WASM core and the JS twin count the
 * same records, bytes and missing timestamps.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { createEngine } from '../../src/engine/index.js';
import type { AuditRow } from '../../src/audit/collector.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { auditReport, createTopic, produceFrame, reportWhen, spawnAuditedBroker } from './audit-helpers.js';

const TOPIC = 'audited';
const sum = (rows: AuditRow[], pick: (r: AuditRow) => number | undefined) => rows.reduce((n, r) => n + (pick(r) ?? 0), 0);

/** Sends `requests` acks=1 Produce requests of `perRequest` records each; fails on any error. */
async function produceAcked(port: number, requests: number, perRequest: number, timestamp: number): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    for (let i = 0; i < requests; i++) {
      const frame = produceFrame(client, TOPIC, perRequest, timestamp + i, 20, 1);
      const answer = client.nextFrame();
      client.sendRaw(frame);
      const bytes = await answer;
      expect(bytes.length).toBeGreaterThan(0);
    }
  } finally {
    client.close();
  }
}

describe('audit: kill -9 and restart', () => {
  const dir = makeTempDir();
  let broker: Awaited<ReturnType<typeof spawnAuditedBroker>> | undefined;
  afterAll(async () => {
    await broker?.stop('SIGKILL');
    dir.remove();
  });

  it('counts every record once: reported before the crash, appended but unreported at the crash', async () => {
    // a long report interval: only what a report request flushes is reported before the crash
    broker = await spawnAuditedBroker(dir.path, ['-o', 'gregor.audit.report.interval.ms=600000']);
    await createTopic(broker.port, TOPIC);
    const now = Date.now();
    await produceAcked(broker.port, 20, 50, now);
    const reported = await auditReport(broker.httpPort, TOPIC); // flushes the broker tier's counts to __audit
    expect(sum(reported, (r) => r.broker?.records)).toBe(1_000);
    await produceAcked(broker.port, 30, 50, now); // appended, acknowledged, never reported
    expect(await broker.stop('SIGKILL')).toBe('SIGKILL');

    broker = await spawnAuditedBroker(dir.path);
    const rows = await reportWhen(broker.httpPort, TOPIC, (rs) => sum(rs, (r) => r.broker?.records) >= 2_500);
    expect(sum(rows, (r) => r.broker?.records)).toBe(2_500);
    expect(sum(rows, (r) => r.broker?.bytes)).toBe(2_500 * 20);
    // a second restart (graceful this time) still counts each record once
    await broker.stop();
    broker = await spawnAuditedBroker(dir.path);
    await new Promise((r) => setTimeout(r, 600)); // a few report rounds
    expect(sum(await auditReport(broker.httpPort, TOPIC), (r) => r.broker?.records)).toBe(2_500);
  }, 90_000);
});

describe('audit: the WASM core and the JS twin count alike', () => {
  const dirs = [makeTempDir(), makeTempDir()];
  const brokers: Array<Awaited<ReturnType<typeof spawnAuditedBroker>>> = [];
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop()));
    for (const d of dirs) d.remove();
  });

  it('same records, bytes and no-timestamp counts per bucket from --engine wasm and js', async () => {
    for (const [i, kind] of (['wasm', 'js'] as const).entries()) brokers.push(await spawnAuditedBroker(dirs[i]!.path, ['-o', `gregor.engine=${kind}`]));
    expect(brokers[0]!.output()).toContain('"engine":"wasm"');
    expect(brokers[1]!.output()).toContain('"engine":"js"');
    // batches with keys, headers, mixed timestamps (several buckets) and records without one
    const engine = createEngine('js');
    const base = Date.now() - 3 * 60_000;
    const batches = Array.from({ length: 40 }, (_, b) => engine.encodeRecordBatch(
      Array.from({ length: 1 + (b % 7) * 13 }, (_, r) => ({
        key: r % 3 === 0 ? null : new Uint8Array(r % 11),
        value: r % 5 === 0 ? null : new Uint8Array(10 + ((b * r) % 97)),
        headers: r % 4 === 0 ? [{ key: 'h', value: new Uint8Array(3) }] : [],
        timestamp: (b + r) % 9 === 0 ? -1 : base + ((b * 7919 + r * 104729) % (3 * 60_000)),
      })),
      { baseTimestamp: base },
    ));
    for (const b of brokers) {
      await createTopic(b.port, TOPIC);
      const client = await RawClient.connect(b.port);
      for (const records of batches) await client.request(0, 9, createProduceRequest({ acks: 1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }));
      client.close();
    }
    const expected = batches.reduce((n, b) => n + new DataView(b.buffer, b.byteOffset).getInt32(57), 0);
    const counts = [];
    for (const b of brokers) {
      const rows = await reportWhen(b.httpPort, TOPIC, (rs) => sum(rs, (r) => r.broker?.records) >= expected);
      expect(sum(rows, (r) => r.broker?.records)).toBe(expected);
      expect(sum(rows, (r) => r.broker?.noTimestamp)).toBeGreaterThan(0);
      counts.push(rows.map((r) => ({ bucket: r.bucketStartMs, records: r.broker?.records, bytes: r.broker?.bytes, noTimestamp: r.broker?.noTimestamp })));
    }
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[0]!.length).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
