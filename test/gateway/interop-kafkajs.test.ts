/**
 * Interop both ways with KafkaJS 2.2.4:
 *   - a KafkaJS producer's records (keys, headers, timestamps, Java-compatible partitions)
 *     reach a WebSocket consumer unchanged;
 *   - records produced through the WebSocket client are read by a KafkaJS consumer (a
 *     consumer group: runs when the broker serves JoinGroup, i.e. with the group
 *     coordinator) with the same keys, values, headers, timestamps and partitions.
 */
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/apis/index.js';
import { type GregorClient, connect, partitionForKey, utf8 } from '../../src/client/node.js';
import type { ConsumerRecord } from '../../src/client/records.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const PARTITIONS = 3;
const COUNT = 3000;
const T0 = Date.UTC(2026, 6, 1);
const JOIN_GROUP = 11;

describe('interop with KafkaJS', () => {
  let t: TestBroker;
  let client: GregorClient;
  let kafka: Kafka;

  beforeAll(async () => {
    t = await startTestBroker();
    client = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`);
    kafka = new Kafka({ clientId: 'ws-interop', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  });
  afterAll(async () => {
    await client?.close();
    await t.stop();
  });

  it('KafkaJS producer → WebSocket consumer', async () => {
    await client.createTopic('kafkajs-to-ws', { partitions: PARTITIONS });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const messages = Array.from({ length: COUNT }, (_, i) => ({ key: `key-${i}`, value: `from kafkajs ${i}`, headers: { n: String(i) }, timestamp: String(T0 + i) }));
    for (let i = 0; i < COUNT; i += 500) await producer.send({ topic: 'kafkajs-to-ws', acks: -1, messages: messages.slice(i, i + 500) });
    await producer.disconnect();

    const consumer = client.consumer({ autoOffsetReset: 'earliest' });
    await consumer.subscribe({ topics: ['kafkajs-to-ws'] });
    const got: ConsumerRecord[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${got.length}`)), 30_000);
      consumer.run({ eachRecord: (r) => void (got.push(r) === COUNT && (clearTimeout(timer), resolve())), onError: reject });
    });
    await consumer.close();
    for (const r of got) {
      const i = Number(utf8(r.key)!.slice(4));
      expect(utf8(r.value)).toBe(`from kafkajs ${i}`);
      expect(r.timestamp).toBe(T0 + i);
      expect(r.headers.map((h) => [h.key, utf8(h.value)])).toEqual([['n', String(i)]]);
      expect(r.partition).toBe(partitionForKey(r.key!, PARTITIONS));
    }
    expect(new Set(got.map((r) => utf8(r.key))).size).toBe(COUNT);
  });

  it.skipIf(!HANDLERS.has(JOIN_GROUP))('WebSocket producer → KafkaJS consumer (group)', async () => {
    await client.createTopic('ws-to-kafkajs', { partitions: PARTITIONS });
    const producer = client.producer();
    const messages = Array.from({ length: COUNT }, (_, i) => ({ key: `key-${i}`, value: `from websocket ${i}`, headers: { n: String(i) }, timestamp: T0 + i }));
    const metas = await producer.send({ topic: 'ws-to-kafkajs', messages });
    await producer.close();

    const consumer = kafka.consumer({ groupId: 'ws-interop-group', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'ws-to-kafkajs', fromBeginning: true });
    const got = new Map<number, { partition: number; offset: string; key: string; value: string; header: string; timestamp: string }>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`KafkaJS received ${got.size}`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const key = message.key!.toString();
            got.set(Number(key.slice(4)), { partition, offset: message.offset, key, value: message.value!.toString(), header: String(message.headers!['n']), timestamp: message.timestamp });
            if (got.size === COUNT) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    messages.forEach((m, i) => {
      const r = got.get(i)!;
      expect(r).toEqual({ partition: metas[i]!.partition, offset: String(metas[i]!.offset), key: m.key, value: m.value, header: String(i), timestamp: String(m.timestamp) });
    });
  });
});
