/**
 * Consumer groups with real KafkaJS 2.2.4 consumers against a real broker: three consumers
 * split six partitions two each; one leaves and the others take its partitions; with manual
 * commits 60,000 records are consumed exactly once across the group; auto-commit leaves the
 * committed offsets at the end of the log.
 */
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { waitFor } from '../helpers/wait.js';

const RECORDS = 60_000;

describe('KafkaJS consumer groups', () => {
  let t: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 200, 'group.min.session.timeout.ms': 1000 } });
    kafka = new Kafka({ clientId: 'groups-test', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await t.stop();
  });

  async function produce(topic: string, count: number, partitions: number): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < count; i += 2000) {
      const messages = Array.from({ length: Math.min(2000, count - i) }, (_, j) => ({ partition: (i + j) % partitions, value: `v${i + j}` }));
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.disconnect();
  }

  it('3 consumers on 6 partitions get 2 each; one leaves, the rest take over; 60,000 records consumed exactly once', async () => {
    const topic = 'groups-six';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
    await admin.disconnect();

    const seen = new Map<string, number>();
    const assignments = new Map<number, number[]>();
    const consumers: Consumer[] = [];
    const start = async (index: number) => {
      const consumer = kafka.consumer({ groupId: 'six', sessionTimeout: 6000, heartbeatInterval: 500, maxBytesPerPartition: 16 * 1024, maxWaitTimeInMs: 100 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(index, e.payload.memberAssignment[topic] ?? []));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          if (batch.messages.length === 0) return;
          for (const m of batch.messages) {
            const key = `${batch.partition}:${m.offset}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
            resolveOffset(m.offset);
          }
          const next = Number(batch.messages[batch.messages.length - 1]!.offset) + 1;
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(next) }]);
        },
      });
      consumers[index] = consumer;
    };
    await Promise.all([start(0), start(1), start(2)]);
    await waitFor(() => [...assignments.values()].flat().length === 6 && [...assignments.values()].every((a) => a.length === 2), 20_000, 'a 2/2/2 split');
    expect(new Set([...assignments.values()].flat())).toEqual(new Set([0, 1, 2, 3, 4, 5]));

    await produce(topic, RECORDS, 6);
    await waitFor(() => seen.size >= RECORDS / 3, 30_000, 'a third of the records consumed');
    await consumers[2]!.disconnect();
    assignments.delete(2);
    await waitFor(() => [...assignments.values()].flat().length === 6 && [...assignments.values()].every((a) => a.length === 3), 20_000, 'a 3/3 split after one left');
    await waitFor(() => seen.size === RECORDS, 60_000, 'every record consumed');
    await Promise.all([consumers[0]!.disconnect(), consumers[1]!.disconnect()]);

    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(0);
    expect(seen.size).toBe(RECORDS);
    const admin2 = kafka.admin();
    await admin2.connect();
    const committed = await admin2.fetchOffsets({ groupId: 'six', topics: [topic] });
    expect(committed[0]!.partitions.map((p) => Number(p.offset)).reduce((a, b) => a + b, 0)).toBe(RECORDS);
    const described = await admin2.describeGroups(['six']);
    expect(described.groups[0]!.state).toBe('Empty');
    await admin2.disconnect();
  });

  it('auto-commit leaves the committed offsets at the end of the log', async () => {
    const topic = 'groups-auto';
    await produce(topic, 3000, 1);
    let consumed = 0;
    const consumer = kafka.consumer({ groupId: 'auto', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async () => void consumed++ });
    await waitFor(() => consumed === 3000, 20_000, 'all consumed');
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: 'auto', topics: [topic] });
    expect(committed[0]!.partitions).toEqual([{ partition: 0, offset: '3000', metadata: null }]);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId).sort()).toEqual(['auto', 'six']);
    await admin.disconnect();
  });
});
