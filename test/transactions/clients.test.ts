/**
 * Real transactional clients end to end against one broker: KafkaJS 2.2.4's
 * `producer.transaction()` → send → commit() and → abort() succeed, each partition it wrote
 * ends with the COMMIT / ABORT control batch, and a KafkaJS consumer (read_uncommitted; for
 * read_committed see read-committed-clients.test.ts) reads the committed records;
 * @platformatic/kafka's `beginTransaction()` → send → commit() and abort() likewise.
 */
import { Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { describeTxn, fetchBatches } from './txn-raw.js';

describe('transactional clients', () => {
  let t: TestBroker;
  let raw: RawClient;
  let kafka: Kafka;
  beforeAll(async () => {
    t = await startTestBroker();
    t.broker.logs.createTopic('kjs-txn', 2);
    t.broker.logs.createTopic('plt-txn', 1);
    raw = await RawClient.connect(t.broker.port);
    kafka = new Kafka({ clientId: 'gregor-txn', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
  });
  afterAll(async () => {
    raw.close();
    await t.stop();
  });

  it('KafkaJS: transaction() → send → commit(), then → send → abort(); the markers end each partition; a consumer reads the committed records', async () => {
    const producer = kafka.producer({ transactionalId: 'kjs-app', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic: 'kjs-txn', messages: [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `committed-${i}`, partition: i % 2 })) });
      await committed.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic: 'kjs-txn', messages: [{ key: 'x', value: 'aborted-0', partition: 0 }] });
      await aborted.abort();
    } finally {
      await producer.disconnect();
    }
    const d = await describeTxn(raw, 'kjs-app');
    expect(['CompleteAbort', 'PrepareAbort']).toContain(d.transactionState);
    await waitForAsync(async () => (await describeTxn(raw, 'kjs-app')).transactionState === 'CompleteAbort', 10_000, 'kjs-app CompleteAbort');
    expect((await fetchBatches(raw, 'kjs-txn', 0)).map((b) => b.controlType)).toEqual([null, 1, null, 0]);
    expect((await fetchBatches(raw, 'kjs-txn', 1)).map((b) => b.controlType)).toEqual([null, 1]);

    const consumer = kafka.consumer({ groupId: 'kjs-reader', readUncommitted: true });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'kjs-txn', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor(() => seen.filter((v) => v.startsWith('committed-')).length === 4, 20_000, 'the committed records');
    } finally {
      await consumer.disconnect();
    }
    expect(seen.filter((v) => v.startsWith('committed-')).sort()).toEqual(['committed-0', 'committed-1', 'committed-2', 'committed-3']);
  });

  it('@platformatic/kafka: beginTransaction() → send → commit(), then abort()', async () => {
    const producer = new Producer({ clientId: 'gregor-plt', bootstrapBrokers: [t.bootstrap], serializers: stringSerializers, idempotent: true, transactionalId: 'plt-app' } as never);
    try {
      const first = await producer.beginTransaction();
      await first.send({ messages: [{ topic: 'plt-txn', key: 'a', value: 'one', partition: 0 }] } as never);
      await first.commit();
      const second = await producer.beginTransaction();
      await second.send({ messages: [{ topic: 'plt-txn', key: 'b', value: 'two', partition: 0 }] } as never);
      await second.abort();
    } finally {
      await producer.close();
    }
    await waitForAsync(async () => (await describeTxn(raw, 'plt-app')).transactionState === 'CompleteAbort', 10_000, 'plt-app CompleteAbort');
    expect((await fetchBatches(raw, 'plt-txn', 0)).map((b) => b.controlType)).toEqual([null, 1, null, 0]);
  });
});
