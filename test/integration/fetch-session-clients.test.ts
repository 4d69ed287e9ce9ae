/**
 * Real consumers against a broker with fetch sessions and a small cache
 * (`max.incremental.fetch.session.cache.slots=2`), over 3 partitions of 300 records:
 *  - KafkaJS (a group consumer) and kcat (librdkafka 2.0.2) fetch sessionless (epoch −1):
 *    they read everything and open no session;
 *  - @platformatic/kafka asks for a new session on every fetch (session 0, epoch 0) and never
 *    uses it: it reads everything all the same, fills the free slot and then gets session id 0,
 *    while a fresh session another fetcher holds stays usable (Kafka's eviction rules).
 * Source: KIP-227; Kafka FetchSessionCache.
 */
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type FetchResponse, createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const TOPIC = 'session-clients';
const PARTITIONS = 3;
const RECORDS = 300;

describe('consumers with fetch sessions on the broker', () => {
  let t: TestBroker;

  const counter = async (session: string): Promise<number> => {
    const { body } = await t.broker.metrics.render();
    const line = body.split('\n').find((l) => l.startsWith(`gregor_fetch_requests_total{session="${session}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'max.incremental.fetch.session.cache.slots': 2 } });
    t.broker.logs.createTopic(TOPIC, PARTITIONS);
    const kafka = new Kafka({ clientId: 'sessions-producer', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: Array.from({ length: RECORDS }, (_, i) => ({ partition: i % PARTITIONS, value: `v${i}` })) });
    await producer.disconnect();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('KafkaJS consumes everything sessionless and opens no session', async () => {
    const before = await counter('sessionless');
    const kafka = new Kafka({ clientId: 'sessions-kafkajs', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'sessions-kafkajs', maxWaitTimeInMs: 100 });
    const seen = new Set<string>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
      await waitFor(() => seen.size === RECORDS, 20_000, 'every record through KafkaJS');
    } finally {
      await consumer.disconnect();
    }
    expect(await counter('sessionless')).toBeGreaterThan(before);
    expect(t.broker.fetchSessions.size).toBe(0);
  }, 30_000);

  it('kcat (librdkafka 2.0.2) consumes everything sessionless', async () => {
    const before = await counter('sessionless');
    const consumed = await kcat(['-C', '-b', t.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
    expect(consumed.code).toBe(0);
    const records = parseConsumed(consumed.stdout);
    expect(new Set(records.map((r) => r.value?.toString())).size).toBe(RECORDS);
    expect(await counter('sessionless')).toBeGreaterThan(before);
    expect(t.broker.fetchSessions.size).toBe(0);
  }, 30_000);

  it('@platformatic/kafka, asking for a session on every fetch, consumes everything and evicts no fresh session', async () => {
    // Another fetcher's session, made first: platformatic's fetches must not take its slot.
    const raw = await RawClient.connect(t.broker.port);
    const held = await raw.request<FetchResponse>(1, 12, createFetchRequest({
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, sessionId: 0, sessionEpoch: 0,
      topics: [createFetchRequestFetchTopic({ topic: TOPIC, partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 })] })],
    }));
    expect(held.sessionId).toBeGreaterThan(0);
    const fullBefore = await counter('full');

    const consumer = new Consumer({ groupId: 'sessions-platformatic', clientId: 'sessions-platformatic', bootstrapBrokers: [t.bootstrap], deserializers: stringDeserializers, maxWaitTime: 50 });
    const seen = new Set<string>();
    try {
      const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500 });
      stream.on('data', (message) => seen.add(message.value as string));
      await waitFor(() => seen.size === RECORDS, 20_000, 'every record through @platformatic/kafka');
      // Keep fetching (at the end of the log) past the cache size.
      const at = await counter('full');
      for (let i = 0; i < 50 && (await counter('full')) < at + 5; i++) await new Promise((r) => setTimeout(r, 100));
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    expect(seen.size).toBe(RECORDS);
    // Every fetch asked for a session (epoch 0): more than the cache could hold.
    expect((await counter('full')) - fullBefore).toBeGreaterThan(2);
    expect(t.broker.fetchSessions.size).toBe(2);
    expect(t.broker.fetchSessions.evictions).toBe(0);

    // The held session is still there and answers incrementally.
    const next = await raw.request<FetchResponse>(1, 12, createFetchRequest({ replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, sessionId: held.sessionId, sessionEpoch: 1 }));
    expect(next.errorCode).toBe(ErrorCode.NONE);
    expect(next.sessionId).toBe(held.sessionId);
    raw.close();
  }, 40_000);
});
