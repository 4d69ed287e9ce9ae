/**
 * Committed offsets of the client library's group consumer, against a real broker:
 *   - auto-commit stores positions while the consumer runs (seen by KafkaJS's admin client
 *     over the Kafka protocol, and as zero lag in /metrics); the broker then stops under
 *     the consumer (no final commit, no LeaveGroup) and restarts on the same log dir, and a
 *     new member of the group resumes exactly at the committed offsets;
 *   - with autoCommit off nothing is committed until commit(), close() commits nothing,
 *     and assign() with a groupId starts at the committed offsets and commits without
 *     group membership.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { type GregorClient, connect } from '../../src/client/node.js';
import type { ConsumerRecord } from '../../src/client/records.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

const PROPERTIES = { 'group.initial.rebalance.delay.ms': 100, 'group.min.session.timeout.ms': 1000 };

async function produce(client: GregorClient, topic: string, count: number, from = 0): Promise<void> {
  const producer = client.producer({ lingerMs: 2 });
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `r${from + i}`, partition: (from + i) % 2 })) });
  await producer.close();
}

describe('group consumer: committed offsets', () => {
  const dir = makeTempDir();
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    dir.remove();
  });

  it('auto-commit stores positions while consuming; after a broker restart a new member resumes at them', async () => {
    const topic = 'resume';
    let t: TestBroker = await startTestBroker({ logDirs: dir.path, properties: PROPERTIES });
    cleanup.push(() => t.stop());
    const first = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`, { reconnect: false });
    await first.createTopic(topic, { partitions: 2 });
    await produce(first, topic, 1000);

    const consumer = first.consumer({ groupId: 'resumers', autoOffsetReset: 'earliest', autoCommitIntervalMs: 200, heartbeatIntervalMs: 300, sessionTimeoutMs: 2000 });
    const seen: ConsumerRecord[] = [];
    consumer.run({ eachRecord: (r) => void seen.push(r), onError: () => {} });
    await consumer.subscribe({ topics: [topic] });
    await waitFor(() => seen.length === 1000, 20_000, '1000 records');

    // Committed while running, as a Kafka client sees it.
    const kafka = new Kafka({ clientId: 'resume-admin', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    await admin.connect();
    let committed: string[] = [];
    for (let i = 0; i < 50; i++) {
      const [offsets] = await admin.fetchOffsets({ groupId: 'resumers', topics: [topic] });
      committed = offsets!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
      if (committed.join() === '500,500') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.disconnect();
    expect(committed).toEqual(['500', '500']);
    const metrics = await (await fetch(`http://127.0.0.1:${t.broker.websocketPort}/metrics`)).text();
    expect(metrics).toMatch(/^gregor_consumer_group_lag_records\{group="resumers",topic="resume",partition="0"\} 0$/m);
    expect(metrics).toMatch(/^gregor_consumer_group_committed_offset\{group="resumers",topic="resume",partition="1"\} 500$/m);

    // The broker stops under the consumer: no final commit, no LeaveGroup.
    await t.stop();
    await first.close();
    t = await startTestBroker({ logDirs: dir.path, properties: PROPERTIES });
    const second = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`);
    cleanup.push(() => second.close());
    expect((await second.committedOffsets('resumers')).map((o) => o.offset)).toEqual([500, 500]);
    await produce(second, topic, 100, 1000);
    const resumed = second.consumer({ groupId: 'resumers', autoOffsetReset: 'earliest', heartbeatIntervalMs: 300, sessionTimeoutMs: 2000 });
    const again: ConsumerRecord[] = [];
    resumed.run({ eachRecord: (r) => void again.push(r) });
    // The restored group still lists the old member: the join completes once its session expires.
    await resumed.subscribe({ topics: [topic] });
    await waitFor(() => again.length >= 100, 20_000, `100 new records (got ${again.length})`);
    await new Promise((r) => setTimeout(r, 300));
    expect(again).toHaveLength(100);
    expect(Math.min(...again.map((r) => r.offset))).toBe(500);
    expect(again.map((r) => new TextDecoder().decode(r.value!)).sort()).toEqual(Array.from({ length: 100 }, (_, i) => `r${1000 + i}`).sort());
    await resumed.close();
    expect((await second.committedOffsets('resumers')).map((o) => o.offset)).toEqual([550, 550]);
  });

  it('autoCommit off: only commit() commits; assign() with a groupId starts at the committed offsets and commits without membership', async () => {
    const topic = 'manual-commit';
    const t = await startTestBroker({ properties: PROPERTIES });
    cleanup.push(() => t.stop());
    const client = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`);
    cleanup.push(() => client.close());
    await client.createTopic(topic, { partitions: 2 });
    await produce(client, topic, 100);

    const a = client.consumer({ groupId: 'manual', autoCommit: false, autoOffsetReset: 'earliest', heartbeatIntervalMs: 300, sessionTimeoutMs: 2000 });
    const seen: ConsumerRecord[] = [];
    a.run({ eachRecord: (r) => void seen.push(r) });
    await a.subscribe({ topics: [topic] });
    await waitFor(() => seen.length === 100, 10_000, '100 records');
    await new Promise((r) => setTimeout(r, 500));
    expect((await client.committedOffsets('manual', [{ topic, partition: 0 }])).map((o) => o.offset)).toEqual([-1]);
    await a.commit();
    expect((await client.committedOffsets('manual')).map((o) => o.offset)).toEqual([50, 50]);
    await produce(client, topic, 20, 100);
    await waitFor(() => seen.length === 120, 10_000, '120 records');
    await a.close();
    expect((await client.committedOffsets('manual')).map((o) => o.offset)).toEqual([50, 50]);

    // The group is empty now: a manually assigned consumer with the group id starts at 50.
    const b = client.consumer({ groupId: 'manual', autoOffsetReset: 'earliest' });
    const got: ConsumerRecord[] = [];
    b.run({ eachRecord: (r) => void got.push(r) });
    await b.assign([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);
    await waitFor(() => got.length === 20, 10_000, '20 records');
    expect(got.map((r) => r.offset).sort((x, y) => x - y)).toEqual([50, 50, 51, 51, 52, 52, 53, 53, 54, 54, 55, 55, 56, 56, 57, 57, 58, 58, 59, 59]);
    await b.commit();
    expect((await client.committedOffsets('manual')).map((o) => o.offset)).toEqual([60, 60]);
    await b.close();

    // Without a group id there is nothing to commit to.
    const c = client.consumer({ autoOffsetReset: 'earliest' });
    await c.assign([{ topic, partition: 0 }]);
    await expect(c.commit()).rejects.toMatchObject({ type: 'INVALID_GROUP_ID' });
    await c.close();
  });
});
