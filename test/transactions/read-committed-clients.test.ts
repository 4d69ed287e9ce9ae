/**
 * read_committed end to end with real clients: a KafkaJS transactional producer commits,
 * aborts, commits, then leaves a transaction open (with a plain record after it); a KafkaJS
 * consumer (`readUncommitted: false`), a @platformatic/kafka consumer (its default
 * isolationLevel READ_COMMITTED, which filters by `aborted_transactions` too) and kcat (`-X isolation.level=read_committed`, librdkafka
 * skipping aborted batches by the Fetch `aborted_transactions` list) see exactly the committed
 * records — none of the aborted transaction, none of the open one; so does a WebSocket
 * subscriber of the gateway (pushes stop at the last stable offset, aborted batches and markers
 * dropped). Once the open transaction commits, its records and the record after it become visible.
 */
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { waitFor } from '../helpers/wait.js';
import { type GregorClient, connect, utf8 } from '../../src/client/node.js';

const TOPIC = 'rc-e2e';

describe('read_committed clients', () => {
  let t: TestBroker;
  let kafka: Kafka;
  beforeAll(async () => {
    t = await startTestBroker();
    t.broker.logs.createTopic(TOPIC, 1);
    kafka = new Kafka({ clientId: 'gregor-rc', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('KafkaJS and kcat read_committed consumers see committed records only', async () => {
    const producer = kafka.producer({ transactionalId: 'rc-app', idempotent: true, maxInFlightRequests: 1 });
    const plain = kafka.producer();
    await producer.connect();
    await plain.connect();
    const send = async (values: string[], outcome: 'commit' | 'abort' | 'open') => {
      const txn = await producer.transaction();
      await txn.send({ topic: TOPIC, messages: values.map((value) => ({ value, partition: 0 })) });
      if (outcome === 'commit') await txn.commit();
      if (outcome === 'abort') await txn.abort();
      return txn;
    };
    await send(['c0', 'c1'], 'commit');
    await send(['a0', 'a1', 'a2'], 'abort');
    await send(['c2'], 'commit');
    const open = await send(['o0', 'o1'], 'open');
    await plain.send({ topic: TOPIC, messages: [{ value: 'tail', partition: 0 }] });

    // kcat: -e ends at the last stable offset; aborted and open records are not printed.
    const got = await kcat(['-C', '-b', t.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-X', 'isolation.level=read_committed', '-f', CONSUME_FORMAT], undefined, 30_000);
    expect(got.code).toBe(0);
    expect(parseConsumed(got.stdout).map((r) => r.value?.toString())).toEqual(['c0', 'c1', 'c2']);
    // read_uncommitted kcat sees everything but the markers (the control check of the test).
    const all = await kcat(['-C', '-b', t.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-X', 'isolation.level=read_uncommitted', '-f', CONSUME_FORMAT], undefined, 30_000);
    expect(parseConsumed(all.stdout).map((r) => r.value?.toString())).toEqual(['c0', 'c1', 'a0', 'a1', 'a2', 'c2', 'o0', 'o1', 'tail']);

    // The gateway's WebSocket subscriber.
    const client: GregorClient = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`);
    const ws = client.consumer({ autoOffsetReset: 'earliest' });
    const wsSeen: string[] = [];
    const wsErrors: unknown[] = [];
    await ws.subscribe({ topics: [TOPIC] });
    ws.run({ eachRecord: (r) => void wsSeen.push(utf8(r.value)!), onError: (err) => void wsErrors.push(err) });

    // @platformatic/kafka's consumer (read_committed by default).
    const plt = new Consumer({ groupId: 'rc-plt', clientId: 'gregor-rc', bootstrapBrokers: [t.bootstrap], deserializers: stringDeserializers, maxWaitTime: 100 });
    const pltSeen: string[] = [];
    const stream = await plt.consume({ topics: [TOPIC], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500 } as never);
    stream.on('data', (message: { value: string }) => void pltSeen.push(message.value));

    const consumer = kafka.consumer({ groupId: 'rc-reader', readUncommitted: false, maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    let fetches = 0;
    consumer.on(consumer.events.FETCH, () => void fetches++);
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor(() => seen.includes('c2'), 20_000, 'the committed records');
      // A few more fetches at the last stable offset: nothing of the open transaction arrives.
      const after = fetches;
      await waitFor(() => fetches >= after + 3, 20_000, 'three more fetches');
      expect(seen).toEqual(['c0', 'c1', 'c2']);
      await waitFor(() => wsSeen.includes('c2'), 20_000, 'the committed records over WebSocket');
      expect(wsSeen).toEqual(['c0', 'c1', 'c2']);
      await waitFor(() => pltSeen.includes('c2'), 20_000, 'the committed records (@platformatic/kafka)');
      expect(pltSeen).toEqual(['c0', 'c1', 'c2']);

      await open.commit();
      await waitFor(() => seen.includes('tail'), 20_000, 'the records after the commit');
      expect(seen).toEqual(['c0', 'c1', 'c2', 'o0', 'o1', 'tail']);
      await waitFor(() => wsSeen.includes('tail'), 20_000, 'the records after the commit over WebSocket');
      expect(wsSeen).toEqual(['c0', 'c1', 'c2', 'o0', 'o1', 'tail']);
      expect(wsErrors).toEqual([]);
      await waitFor(() => pltSeen.includes('tail'), 20_000, 'the records after the commit (@platformatic/kafka)');
      expect(pltSeen).toEqual(['c0', 'c1', 'c2', 'o0', 'o1', 'tail']);
    } finally {
      await stream.close();
      await plt.close(true);
      await ws.close();
      await client.close();
      await consumer.disconnect();
      await producer.disconnect();
      await plain.disconnect();
    }
  });
});
