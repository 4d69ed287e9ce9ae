/**
 * TxnOffsetCommit (KIP-98, KIP-447): offsets a transactional producer commits for a consumer
 * group are invisible until the transaction's COMMIT marker reaches `__consumer_offsets`
 * (OffsetFetch answers -1, KafkaJS admin.fetchOffsets too; require_stable answers
 * UNSTABLE_OFFSET_COMMIT), visible after it, dropped by ABORT — in a KafkaJS
 * consume-transform-produce loop (`transaction.sendOffsets`), with @platformatic/kafka
 * (`addConsumer` / `addOffset`, v3+ with the consumer's member id and generation), and on the
 * raw protocol: Kafka's errors (UNKNOWN_TOPIC_OR_PARTITION, v3 ILLEGAL_GENERATION /
 * UNKNOWN_MEMBER_ID) and fencing (an older epoch: INVALID_PRODUCER_EPOCH). After a broker
 * process is killed with SIGKILL and restarted on its log dir, the replay of `__consumer_offsets` holds transactional offsets until their marker: committed
 * ones visible, aborted ones absent, open ones pending until a live marker or the
 * transaction timeout ends them.
 */
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { API, addOffsets, describeTxn, endTxn, fetchBatches, fetchCommitted, findTxnCoordinator, initProducerId, txnOffsetCommit, waitForState } from './txn-raw.js';

describe('TxnOffsetCommit', () => {
  let t: TestBroker;
  let raw: RawClient;
  let kafka: Kafka;
  beforeAll(async () => {
    t = await startTestBroker();
    for (const topic of ['ctp-in', 'ctp-out', 'raw-in', 'plt-in', 'plt-out']) t.broker.logs.createTopic(topic, 1);
    raw = await RawClient.connect(t.broker.port);
    kafka = new Kafka({ clientId: 'gregor-txn-offsets', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 50 } });
  });
  afterAll(async () => {
    raw.close();
    await t.stop();
  });

  it('KafkaJS consume-transform-produce: sendOffsets are invisible until commit, visible after it, untouched by an aborted transaction', async () => {
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic: 'ctp-in', messages: [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `in-${i}` })) });
    await plain.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const adminOffset = async () => (await admin.fetchOffsets({ groupId: 'ctp-app', topics: ['ctp-in'] }))[0]!.partitions[0]!.offset;
    const producer = kafka.producer({ transactionalId: 'ctp-app-tx', idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: 'ctp-app' });
    await producer.connect();
    await consumer.connect();
    const beforeCommit: Array<{ next: string; admin: string; stable: number; unstableOffset: number }> = [];
    let processed = 0;
    let failure: unknown = null;
    try {
      await consumer.subscribe({ topic: 'ctp-in', fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          try {
            const txn = await producer.transaction();
            await txn.send({ topic: 'ctp-out', messages: batch.messages.map((m) => ({ key: m.key, value: `out-${m.value!.toString()}` })) });
            const next = String(Number(batch.lastOffset()) + 1);
            await txn.sendOffsets({ consumerGroupId: 'ctp-app', topics: [{ topic: 'ctp-in', partitions: [{ partition: batch.partition, offset: next }] }] });
            const stable = await fetchCommitted(raw, 'ctp-app', 'ctp-in', 0, true);
            const unstable = await fetchCommitted(raw, 'ctp-app', 'ctp-in', 0, false);
            beforeCommit.push({ next, admin: await adminOffset(), stable: stable.errorCode, unstableOffset: unstable.committedOffset });
            await txn.commit();
            for (const m of batch.messages) resolveOffset(m.offset);
            processed += batch.messages.length;
          } catch (err) {
            failure = err;
          }
        },
      });
      await waitFor(() => processed === 4 || failure !== null, 30_000, 'the loop to process the 4 records');
    } finally {
      await consumer.disconnect();
    }
    expect(failure).toBeNull();
    expect(beforeCommit.length).toBeGreaterThan(0);
    for (const [i, seen] of beforeCommit.entries()) {
      // Before its commit, the offset is the previous transaction's (or none) and require_stable refuses.
      const previous = i === 0 ? '-1' : beforeCommit[i - 1]!.next;
      expect(seen).toEqual({ next: seen.next, admin: previous, stable: ErrorCode.UNSTABLE_OFFSET_COMMIT, unstableOffset: Number(previous) });
    }
    await waitForAsync(async () => (await adminOffset()) === '4', 10_000, 'the committed offset 4');
    expect(await fetchCommitted(raw, 'ctp-app', 'ctp-in', 0, true)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 4 });

    // An aborted transaction's offsets never become visible.
    const aborted = await producer.transaction();
    await aborted.sendOffsets({ consumerGroupId: 'ctp-app', topics: [{ topic: 'ctp-in', partitions: [{ partition: 0, offset: '99' }] }] });
    expect((await fetchCommitted(raw, 'ctp-app', 'ctp-in', 0, true)).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    await aborted.abort();
    await waitForAsync(async () => (await describeTxn(raw, 'ctp-app-tx')).transactionState === 'CompleteAbort', 10_000, 'CompleteAbort');
    expect(await fetchCommitted(raw, 'ctp-app', 'ctp-in', 0, true)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 4 });
    expect(await adminOffset()).toBe('4');
    // The offsets batches and their markers are in __consumer_offsets.
    const offsetsPartition = t.broker.groups.partitionFor('ctp-app');
    const batches = (await fetchBatches(raw, '__consumer_offsets', offsetsPartition)).filter((b) => b.producerId >= 0);
    expect(batches.at(-1)).toMatchObject({ controlType: 0 });
    expect(batches.filter((b) => b.controlType === 1).length).toBe(beforeCommit.length);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('@platformatic/kafka: addConsumer / addOffset (v3+, the member id and generation) commit with the transaction', async () => {
    const seed = new Producer({ clientId: 'plt-seed', bootstrapBrokers: [t.bootstrap], serializers: stringSerializers } as never);
    await seed.send({ messages: [{ topic: 'plt-in', key: 'a', value: 'one' }, { topic: 'plt-in', key: 'b', value: 'two' }] } as never);
    await seed.close();
    const consumer = new Consumer({ clientId: 'plt-app', groupId: 'plt-app', bootstrapBrokers: [t.bootstrap], deserializers: stringDeserializers, autocommit: false } as never);
    const producer = new Producer({ clientId: 'plt-app-tx', bootstrapBrokers: [t.bootstrap], serializers: stringSerializers, idempotent: true, transactionalId: 'plt-app-tx' } as never);
    try {
      const stream = await consumer.consume({ topics: ['plt-in'], mode: 'earliest', autocommit: false } as never);
      const messages: any[] = [];
      for await (const message of stream as AsyncIterable<any>) {
        messages.push(message);
        if (messages.length === 2) break;
      }
      const txn = await producer.beginTransaction();
      await txn.addConsumer(consumer as never);
      for (const m of messages) {
        await txn.send({ messages: [{ topic: 'plt-out', key: m.key, value: `out-${m.value}` }] } as never);
        await txn.addOffset(m);
      }
      const before = await fetchCommitted(raw, 'plt-app', 'plt-in', 0, true);
      expect(before.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
      await txn.commit();
      await waitForAsync(async () => (await fetchCommitted(raw, 'plt-app', 'plt-in', 0, true)).committedOffset === 2, 10_000, 'the committed offset 2');
      await (stream as any).close?.();
    } finally {
      await producer.close();
      await consumer.close(true);
    }
  });

  it('raw protocol: Kafka errors, the pending offsets dropped by a fencing abort, an older epoch refused', async () => {
    await findTxnCoordinator(raw, 'raw-tx');
    const a = await initProducerId(raw, 'raw-tx');
    expect(a.errorCode).toBe(0);
    expect(await addOffsets(raw, 'raw-tx', a.producerId, a.producerEpoch, 'raw-group')).toBe(0);
    const commit = (version: number, body: Record<string, unknown>) => txnOffsetCommit(raw, version, { transactionalId: 'raw-tx', groupId: 'raw-group', producerId: a.producerId, producerEpoch: a.producerEpoch, ...body });
    // Unknown topic and partition.
    expect(await commit(2, { topics: [{ name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1 }] }, { name: 'raw-in', partitions: [{ partitionIndex: 7, committedOffset: 1 }] }] })).toEqual({
      'nope-0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      'raw-in-7': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    // v3 member checks: a generation or member the group does not have.
    expect(await commit(3, { generationId: 5, memberId: '', topics: [{ name: 'raw-in', partitions: [{ partitionIndex: 0, committedOffset: 1 }] }] })).toEqual({ 'raw-in-0': ErrorCode.ILLEGAL_GENERATION });
    expect(await commit(3, { generationId: 0, memberId: 'ghost', topics: [{ name: 'raw-in', partitions: [{ partitionIndex: 0, committedOffset: 1 }] }] })).toEqual({ 'raw-in-0': ErrorCode.UNKNOWN_MEMBER_ID });
    // Pending: require_stable refuses, a plain fetch sees nothing.
    expect(await commit(3, { generationId: -1, memberId: '', topics: [{ name: 'raw-in', partitions: [{ partitionIndex: 0, committedOffset: 11 }] }] })).toEqual({ 'raw-in-0': ErrorCode.NONE });
    expect((await fetchCommitted(raw, 'raw-group', 'raw-in', 0, true)).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    expect((await fetchCommitted(raw, 'raw-group', 'raw-in', 0, false)).committedOffset).toBe(-1);

    // A new incarnation fences A: its transaction is aborted (marker with the bumped epoch), the offsets dropped.
    let b = await initProducerId(raw, 'raw-tx');
    for (let i = 0; i < 100 && b.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS; i++) {
      await new Promise((r) => setTimeout(r, 50));
      b = await initProducerId(raw, 'raw-tx');
    }
    expect(b.errorCode).toBe(0);
    expect(b.producerEpoch).toBeGreaterThan(a.producerEpoch);
    await waitForAsync(async () => (await fetchCommitted(raw, 'raw-group', 'raw-in', 0, true)).errorCode === ErrorCode.NONE, 10_000, 'the fenced offsets dropped');
    expect((await fetchCommitted(raw, 'raw-group', 'raw-in', 0, false)).committedOffset).toBe(-1);
    expect(await commit(2, { topics: [{ name: 'raw-in', partitions: [{ partitionIndex: 0, committedOffset: 12 }] }] })).toEqual({ 'raw-in-0': ErrorCode.INVALID_PRODUCER_EPOCH });
    expect((await fetchCommitted(raw, 'raw-group', 'raw-in', 0, true)).errorCode).toBe(ErrorCode.NONE);

    // The new incarnation commits.
    expect(await addOffsets(raw, 'raw-tx', b.producerId, b.producerEpoch, 'raw-group')).toBe(0);
    expect(await txnOffsetCommit(raw, 2, { transactionalId: 'raw-tx', groupId: 'raw-group', producerId: b.producerId, producerEpoch: b.producerEpoch, topics: [{ name: 'raw-in', partitions: [{ partitionIndex: 0, committedOffset: 13 }] }] })).toEqual({ 'raw-in-0': 0 });
    expect(await endTxn(raw, 'raw-tx', b.producerId, b.producerEpoch, true)).toBe(0);
    await waitForAsync(async () => (await fetchCommitted(raw, 'raw-group', 'raw-in', 0, true)).committedOffset === 13, 10_000, 'offset 13 committed');
    expect(API.TXN_OFFSET_COMMIT).toBe(28);
  });
});

describe('TxnOffsetCommit across a kill -9', () => {
  const dir = makeTempDir();
  let proc: BrokerProcess | null = null;
  let c: RawClient | null = null;
  const start = async () => {
    proc = await spawnBroker(['--port', '0', '--log-dirs', dir.path, '-o', 'advertised.listeners=PLAINTEXT://127.0.0.1:0', '-o', 'gregor.websocket.port=-1', '-o', 'transaction.abort.timed.out.transaction.cleanup.interval.ms=200']);
    c = await RawClient.connect(proc.port);
    return c;
  };
  const kill = async () => {
    c?.close();
    await proc?.stop('SIGKILL');
    c = null;
    proc = null;
  };
  afterAll(async () => {
    await kill();
    dir.remove();
  });

  it('replays __consumer_offsets: committed offsets visible, aborted ones absent, open ones pending until their marker or the timeout', async () => {
    let raw = await start();
    expect((await raw.request(19, 4, { topics: [{ name: 'rs-in', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false })).topics[0].errorCode).toBe(0);
    const open = async (id: string, group: string, offset: number, timeoutMs = 60_000) => {
      await findTxnCoordinator(raw, id);
      const p = await initProducerId(raw, id, timeoutMs);
      expect(await addOffsets(raw, id, p.producerId, p.producerEpoch, group)).toBe(0);
      expect(await txnOffsetCommit(raw, 2, { transactionalId: id, groupId: group, producerId: p.producerId, producerEpoch: p.producerEpoch, topics: [{ name: 'rs-in', partitions: [{ partitionIndex: 0, committedOffset: offset }] }] })).toEqual({ 'rs-in-0': 0 });
      return p;
    };
    const done = await open('rs-done', 'rg-done', 5);
    expect(await endTxn(raw, 'rs-done', done.producerId, done.producerEpoch, true)).toBe(0);
    await waitForState(raw, 'rs-done', 'CompleteCommit');
    const aborted = await open('rs-aborted', 'rg-aborted', 3);
    expect(await endTxn(raw, 'rs-aborted', aborted.producerId, aborted.producerEpoch, false)).toBe(0);
    await waitForState(raw, 'rs-aborted', 'CompleteAbort');
    const toCommit = await open('rs-open', 'rg-open', 9);
    const toAbort = await open('rs-open2', 'rg-open2', 4);
    await open('rs-timeout', 'rg-timeout', 7, 2_000);
    expect((await fetchCommitted(raw, 'rg-done', 'rs-in', 0, true))).toEqual({ errorCode: 0, committedOffset: 5 });
    await kill();

    raw = await start();
    expect(await fetchCommitted(raw, 'rg-done', 'rs-in', 0, true)).toEqual({ errorCode: 0, committedOffset: 5 });
    expect(await fetchCommitted(raw, 'rg-aborted', 'rs-in', 0, true)).toEqual({ errorCode: 0, committedOffset: -1 });
    for (const group of ['rg-open', 'rg-open2']) {
      expect(await fetchCommitted(raw, group, 'rs-in', 0, true)).toEqual({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1 });
      expect(await fetchCommitted(raw, group, 'rs-in', 0, false)).toEqual({ errorCode: 0, committedOffset: -1 });
    }
    // The replayed pending offsets complete with the live markers.
    expect(await endTxn(raw, 'rs-open', toCommit.producerId, toCommit.producerEpoch, true)).toBe(0);
    expect(await endTxn(raw, 'rs-open2', toAbort.producerId, toAbort.producerEpoch, false)).toBe(0);
    await waitForAsync(async () => (await fetchCommitted(raw, 'rg-open', 'rs-in', 0, true)).committedOffset === 9, 10_000, 'rg-open committed');
    await waitForAsync(async () => (await fetchCommitted(raw, 'rg-open2', 'rs-in', 0, true)).errorCode === 0, 10_000, 'rg-open2 aborted');
    expect(await fetchCommitted(raw, 'rg-open2', 'rs-in', 0, true)).toEqual({ errorCode: 0, committedOffset: -1 });
    // The timed-out transaction is aborted by the coordinator: its offset never shows.
    await waitForAsync(async () => (await fetchCommitted(raw, 'rg-timeout', 'rs-in', 0, true)).errorCode === 0, 15_000, 'rg-timeout aborted');
    expect(await fetchCommitted(raw, 'rg-timeout', 'rs-in', 0, true)).toEqual({ errorCode: 0, committedOffset: -1 });
    // A third life replays the markers written in the second.
    await kill();
    raw = await start();
    expect(await fetchCommitted(raw, 'rg-open', 'rs-in', 0, true)).toEqual({ errorCode: 0, committedOffset: 9 });
    expect(await fetchCommitted(raw, 'rg-open2', 'rs-in', 0, true)).toEqual({ errorCode: 0, committedOffset: -1 });
    expect(await fetchCommitted(raw, 'rg-timeout', 'rs-in', 0, true)).toEqual({ errorCode: 0, committedOffset: -1 });
  });
});
