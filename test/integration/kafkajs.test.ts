/**
 * KafkaJS 2.2.4 (Produce v7, Fetch v11, Metadata v6, no flexible versions) against a real
 * broker: admin creates a topic, a producer sends keyed records with headers and
 * timestamps at acks 1 and -1, admin offsets match, kcat reads back exactly what was sent
 * (partitions as KafkaJS's Java-compatible murmur2 partitioner chose), kcat -Q finds offsets
 * by timestamp. (KafkaJS consumers need a group coordinator, which comes with consumer groups.)
 */
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const TOPIC = 'kafkajs-topic';
const PARTITIONS = 3;
const MESSAGES = 10_000;
const T0 = Date.UTC(2026, 0, 1);

interface Sent {
  key: string;
  value: string;
  header: string;
  timestamp: number;
  partition: number;
}

describe('KafkaJS 2.2.4', () => {
  let t: TestBroker;
  let kafka: Kafka;
  const sent: Sent[] = [];

  beforeAll(async () => {
    t = await startTestBroker();
    kafka = new Kafka({ clientId: 'gregor-test', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('admin creates a 3-partition topic and lists it', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] })).toBe(true);
      expect(await admin.listTopics()).toContain(TOPIC);
      const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      expect(meta.topics[0]!.partitions).toHaveLength(PARTITIONS);
      // Creating it again is TOPIC_ALREADY_EXISTS, which KafkaJS reports as false.
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] })).toBe(false);
    } finally {
      await admin.disconnect();
    }
  });

  it('a producer sends 10,000 keyed records with headers and timestamps at acks 1 and -1', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    await producer.connect();
    try {
      for (let batch = 0; batch < 20; batch++) {
        const messages = [];
        for (let i = batch * 500; i < (batch + 1) * 500; i++) {
          const message = { key: `user-${i % 997}`, value: `value-${i}-${'x'.repeat(i % 200)}`, headers: { seq: String(i) }, timestamp: String(T0 + i) };
          const partition = partitioner({ topic: TOPIC, partitionMetadata, message });
          sent.push({ key: message.key, value: message.value, header: String(i), timestamp: T0 + i, partition });
          messages.push(message);
        }
        const meta = await producer.send({ topic: TOPIC, messages, acks: batch % 2 === 0 ? 1 : -1 });
        for (const m of meta) expect(m.errorCode).toBe(0);
      }
    } finally {
      await producer.disconnect();
    }
    expect(sent).toHaveLength(MESSAGES);
  });

  it('admin.fetchTopicOffsets matches what was sent', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      for (let p = 0; p < PARTITIONS; p++) {
        const o = offsets.find((x) => x.partition === p)!;
        expect(Number(o.low)).toBe(0);
        expect(Number(o.high)).toBe(sent.filter((s) => s.partition === p).length);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('kcat reads back exactly what was sent', async () => {
    const { code, stdout } = await kcat(['-C', '-b', t.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
    expect(code).toBe(0);
    const got = parseConsumed(stdout);
    expect(got).toHaveLength(MESSAGES);
    for (let p = 0; p < PARTITIONS; p++) {
      const expected = sent.filter((s) => s.partition === p);
      const actual = got.filter((r) => r.partition === p);
      expect(actual.map((r) => r.offset)).toEqual(expected.map((_, i) => i));
      expect(actual.map((r) => r.key!.toString())).toEqual(expected.map((s) => s.key));
      expect(actual.map((r) => r.value!.toString())).toEqual(expected.map((s) => s.value));
      expect(actual.map((r) => r.timestamp)).toEqual(expected.map((s) => s.timestamp));
      expect(actual.map((r) => r.headers)).toEqual(expected.map((s) => `seq=${s.header}`));
    }
  });

  it('kcat -Q finds offsets by timestamp', async () => {
    for (const target of [T0 - 1000, T0 + 1234, T0 + 5000, T0 + MESSAGES - 1, T0 + MESSAGES + 5]) {
      const args = ['-Q', '-b', t.bootstrap];
      for (let p = 0; p < PARTITIONS; p++) args.push('-t', `${TOPIC}:${p}:${target}`);
      const { code, stdout } = await kcat(args);
      expect(code).toBe(0);
      for (let p = 0; p < PARTITIONS; p++) {
        const inPartition = sent.filter((s) => s.partition === p);
        const index = inPartition.findIndex((s) => s.timestamp >= target);
        const m = new RegExp(`${TOPIC} \\[${p}\\]\\s+offset (-?\\d+)`).exec(stdout.toString());
        expect(m, stdout.toString()).not.toBeNull();
        // No record at or after the timestamp: Kafka answers -1 (kcat prints it as is).
        expect(Number(m![1])).toBe(index === -1 ? -1 : index);
      }
    }
  });
});
