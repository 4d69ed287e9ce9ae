/**
 * @platformatic/kafka 1.x, which speaks only recent, flexible versions (Metadata 9-12,
 * Produce 7-11, Fetch 12-17 with topic ids from 13, ListOffsets 5-9): admin creates and
 * deletes topics, metadata carries the topic ids, a producer sends keyed records with
 * headers, ListOffsets and a Fetch by topic id read them back.
 */
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { waitFor } from '../helpers/wait.js';

const TOPIC = 'platformatic-topic';

/** @platformatic/kafka writes topic ids as 8-4-4-4-12 hex; Kafka's own string form is base64url. */
function hexUuid(kafkaUuid: string): string {
  const hex = Buffer.from(kafkaUuid, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const MESSAGES = 1_000;

describe('@platformatic/kafka 1.x', () => {
  let t: TestBroker;
  let admin: Admin;

  beforeAll(async () => {
    t = await startTestBroker();
    admin = new Admin({ clientId: 'gregor-test', bootstrapBrokers: [t.bootstrap] });
  });
  afterAll(async () => {
    await admin.close();
    await t.stop();
  });

  it('creates a topic and reports its topic id in metadata', async () => {
    const created = await admin.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 });
    expect(created[0]!.name).toBe(TOPIC);
    expect(created[0]!.partitions).toBe(2);
    const metadata = await admin.metadata({ topics: [TOPIC] });
    const topic = metadata.topics.get(TOPIC)!;
    expect(topic.id).toBe(hexUuid(t.broker.logs.topic(TOPIC)!.topicId));
    expect(topic.partitionsCount).toBe(2);
    expect(await admin.listTopics()).toContain(TOPIC);
  });

  it('produces keyed records with headers and reads them back by topic id', async () => {
    const producer = new Producer({ clientId: 'gregor-test', bootstrapBrokers: [t.bootstrap], serializers: stringSerializers });
    try {
      for (let i = 0; i < MESSAGES; i += 100) {
        await producer.send({
          acks: -1,
          messages: Array.from({ length: 100 }, (_, j) => ({
            topic: TOPIC,
            partition: (i + j) % 2,
            key: `key-${i + j}`,
            value: `value-${i + j}`,
            headers: { seq: String(i + j) },
          })),
        });
      }
    } finally {
      await producer.close();
    }

    const consumer = new Consumer({ groupId: 'unused', clientId: 'gregor-test', bootstrapBrokers: [t.bootstrap] });
    try {
      const offsets = await consumer.listOffsets({ topics: [TOPIC] });
      expect(offsets.get(TOPIC)).toEqual([BigInt(MESSAGES / 2), BigInt(MESSAGES / 2)]);
      const topicId = hexUuid(t.broker.logs.topic(TOPIC)!.topicId);
      const response = await consumer.fetch({
        node: 0,
        maxWaitTime: 100,
        topics: [{ topicId, partitions: [{ partition: 1, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1_048_576 }] }],
      });
      const partition = response.responses[0]!.partitions[0]!;
      expect(partition.errorCode).toBe(0);
      expect(partition.highWatermark).toBe(BigInt(MESSAGES / 2));
      const records = (partition.records ?? []).flatMap((batch) =>
        batch.records.map((r) => ({ offset: batch.firstOffset + BigInt(r.offsetDelta), key: r.key?.toString(), value: r.value?.toString(), header: r.headers[0]?.[1]?.toString() })),
      );
      expect(records).toHaveLength(MESSAGES / 2);
      records.forEach((r, n) => {
        const i = 2 * n + 1;
        expect(r).toEqual({ offset: BigInt(n), key: `key-${i}`, value: `value-${i}`, header: String(i) });
      });
    } finally {
      await consumer.close();
    }
  });

  it('a group consumer (JoinGroup v9, OffsetFetch v8+, FindCoordinator v4+) reads everything and commits', async () => {
    const consumer = new Consumer({ groupId: 'platformatic-group', clientId: 'gregor-test', bootstrapBrokers: [t.bootstrap], deserializers: stringDeserializers, maxWaitTime: 100 });
    try {
      const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest', autocommit: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
      const seen: string[] = [];
      // Listen rather than `for await … break`: breaking would destroy the stream (and its
      // auto-commit timer) before the commit.
      stream.on('data', (message) => seen.push(message.value as string));
      await waitFor(() => seen.length === MESSAGES, 10_000, 'every record');
      expect(new Set(seen).size).toBe(MESSAGES);
      // Auto-commit (every 100 ms) brings the committed offsets to the end of both partitions.
      const committedSum = () => t.broker.groups.fetchOffsets('platformatic-group', null).topics.flatMap((x) => x.partitions).reduce((a, p) => a + Math.max(0, p.committedOffset), 0);
      await waitFor(() => committedSum() === MESSAGES, 10_000, 'auto-committed offsets at the log end');
      await stream.close();
    } finally {
      await consumer.close(true);
    }
  });

  it('deletes the topic', async () => {
    await admin.deleteTopics({ topics: [TOPIC] });
    expect(t.broker.logs.topic(TOPIC)).toBeUndefined();
    expect(await admin.listTopics()).not.toContain(TOPIC);
  });
});
