/**
 * Issue 15 acceptance, end-to-end audit with `gregor/client`: its producer tier and its
 * consumer tier (per group) report to `__audit` through the client's own produce path; a
 * consumer group that stops halfway shows its lag, which closes when it resumes. Real broker
 * process, real WebSocket connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GregorClient, connect } from '../../src/client/node.js';
import type { AuditRow } from '../../src/audit/collector.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { BUCKET_MS, reportWhen, spawnAuditedBroker } from './audit-helpers.js';

const TOPIC = 'orders';
const GROUP = 'billing';
const AUDIT = { bucketMs: BUCKET_MS, reportIntervalMs: 200 };
const sum = (rows: AuditRow[], pick: (r: AuditRow) => number | undefined) => rows.reduce((n, r) => n + (pick(r) ?? 0), 0);

describe('audit: gregor/client producer and consumer tiers', () => {
  const dir = makeTempDir();
  let broker: Awaited<ReturnType<typeof spawnAuditedBroker>>;
  let client: GregorClient;

  beforeAll(async () => {
    broker = await spawnAuditedBroker(dir.path);
    client = await connect(`ws://127.0.0.1:${broker.httpPort}`);
    await client.createTopic(TOPIC, { partitions: 2 });
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await broker?.stop();
    dir.remove();
  });

  /** Consumes `count` records in the group, then closes the consumer (committing its positions). */
  async function consume(count: number): Promise<void> {
    const consumer = client.consumer({ groupId: GROUP, autoOffsetReset: 'earliest', audit: AUDIT });
    let seen = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    await consumer.subscribe({ topics: [TOPIC] });
    consumer.run({ eachRecord: () => {
      if (++seen === count) done();
    } });
    await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`consumed ${seen} of ${count}`)), 20_000))]);
    await consumer.close();
    expect(seen).toBe(count);
  }

  it('producer = broker; the group lags by what it has not read, then catches up', async () => {
    const producer = client.producer({ lingerMs: 5, audit: AUDIT });
    const send = (from: number, n: number) => producer.send({ topic: TOPIC, messages: Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `value-${from + i}` })) });
    await send(0, 1_000);
    await consume(1_000);
    await send(1_000, 1_000);
    await producer.close(); // last producer report

    let rows = await reportWhen(broker.httpPort, TOPIC, (rs) => sum(rs, (r) => r.producer?.records) === 2_000 && sum(rs, (r) => r.broker?.records) === 2_000 && sum(rs, (r) => r.consumers[GROUP]?.records) === 1_000);
    expect(sum(rows, (r) => r.producer?.records)).toBe(2_000);
    expect(sum(rows, (r) => r.broker?.records)).toBe(2_000);
    expect(sum(rows, (r) => r.producer?.bytes)).toBe(sum(rows, (r) => r.broker?.bytes));
    expect(sum(rows, (r) => r.missing ?? 0)).toBe(0);
    expect(sum(rows, (r) => r.lag[GROUP])).toBe(1_000);

    await consume(1_000); // resumes from the committed offsets
    rows = await reportWhen(broker.httpPort, TOPIC, (rs) => sum(rs, (r) => r.consumers[GROUP]?.records) === 2_000);
    expect(sum(rows, (r) => r.consumers[GROUP]?.records)).toBe(2_000);
    expect(sum(rows, (r) => r.lag[GROUP])).toBe(0);
    expect(sum(rows, (r) => r.consumers[GROUP]?.bytes)).toBe(sum(rows, (r) => r.broker?.bytes));
  }, 90_000);
});
