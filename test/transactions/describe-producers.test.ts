/**
 * DescribeProducers (KIP-664) from a partition's producer state: an idempotent producer's
 * epoch, last sequence and timestamp; a transactional producer's open transaction (its first
 * offset) until EndTxn; errors for a partition this broker does not have. `gregor
 * transactions list|describe|describe-producers` shows the same as kafka-transactions.sh, and
 * `gregor transactions abort` ends a hanging transaction with an ABORT marker (KIP-664).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { gregorCli } from '../helpers/cli.js';
import { RawClient } from '../helpers/raw-client.js';
import { kcat } from '../helpers/kcat.js';
import { addPartitions, endTxn, fetchBatches, findTxnCoordinator, initProducerId, produceTransactional } from './txn-raw.js';

const TOPIC = 'producers';

describe('DescribeProducers', () => {
  let t: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1 });
    t.broker.logs.createTopic(TOPIC, 2);
    c = await RawClient.connect(t.broker.port);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });
  const describeProducers = async (partitions: number[], topic = TOPIC) =>
    (await c.request(61, 0, { topics: [{ name: topic, partitionIndexes: partitions }] })).topics[0].partitions as Array<{
      partitionIndex: number;
      errorCode: number;
      activeProducers: Array<{ producerId: bigint | number; producerEpoch: number; lastSequence: number; lastTimestamp: bigint | number; coordinatorEpoch: number; currentTxnStartOffset: bigint | number }>;
    }>;

  it('lists idempotent and transactional producers with their open transaction', async () => {
    // An idempotent producer: two batches, sequences 0-2 and 3-4.
    const idem = await initProducerId(c, null);
    const producerId = Number(idem.producerId);
    for (const [baseSequence, n] of [[0, 3], [3, 2]] as const) {
      const records = t.broker.engine.encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`i${baseSequence + i}`) })), { producerId, producerEpoch: idem.producerEpoch, baseSequence });
      const res = await c.request(0, 9, createProduceRequest({ transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    }
    // A transactional producer with a transaction open on partition 0 from offset 5.
    expect((await findTxnCoordinator(c, 'describer')).errorCode).toBe(ErrorCode.NONE);
    const txn = await initProducerId(c, 'describer');
    const txnProducer = Number(txn.producerId);
    expect(await addPartitions(c, 'describer', txnProducer, txn.producerEpoch, [{ name: TOPIC, partitions: [0] }])).toEqual({ [`${TOPIC}-0`]: ErrorCode.NONE });
    expect(await produceTransactional(c, t.broker.engine, TOPIC, 0, txnProducer, txn.producerEpoch, 0)).toBe(ErrorCode.NONE);

    const [p0, p1] = await describeProducers([0, 1]);
    expect(p1).toMatchObject({ partitionIndex: 1, errorCode: ErrorCode.NONE, activeProducers: [] });
    const byId = new Map(p0!.activeProducers.map((p) => [Number(p.producerId), p]));
    expect(byId.get(producerId)).toMatchObject({ producerEpoch: idem.producerEpoch, lastSequence: 4, coordinatorEpoch: -1 });
    expect(Number(byId.get(producerId)!.currentTxnStartOffset)).toBe(-1);
    expect(Number(byId.get(producerId)!.lastTimestamp)).toBeGreaterThan(0);
    expect(byId.get(txnProducer)).toMatchObject({ producerEpoch: txn.producerEpoch, lastSequence: 1 });
    expect(Number(byId.get(txnProducer)!.currentTxnStartOffset)).toBe(5);

    // The same through the CLI, as kafka-transactions.sh shows it.
    const bootstrap = ['-b', `127.0.0.1:${t.broker.port}`];
    const list = await gregorCli(['transactions', 'list', ...bootstrap]);
    expect(list.stderr).toBe('');
    expect(list.stdout.split('\n')).toContain(`describer\t${t.broker.config.nodeId}\t${txnProducer}\tOngoing`);
    const described = await gregorCli(['transactions', 'describe', '--transactional-id', 'describer', ...bootstrap]);
    expect(described.stdout.split('\n')[1]!.split('\t')).toEqual(expect.arrayContaining(['describer', String(txnProducer), 'Ongoing', `${TOPIC}-0`]));
    const producers = await gregorCli(['transactions', 'describe-producers', '--topic', TOPIC, '--partition', '0', ...bootstrap]);
    const rows = producers.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(rows.find((r) => r[0] === String(txnProducer))?.[5]).toBe('5');
    expect(rows.find((r) => r[0] === String(producerId))?.[5]).toBe('None');
    expect((await gregorCli(['transactions', 'describe', '--transactional-id', 'nobody', ...bootstrap])).code).toBe(1);

    expect(await endTxn(c, 'describer', txnProducer, txn.producerEpoch, true)).toBe(ErrorCode.NONE);
    const [after] = await describeProducers([0]);
    expect(Number(after!.activeProducers.find((p) => Number(p.producerId) === txnProducer)!.currentTxnStartOffset)).toBe(-1);
  });

  it('gregor transactions abort ends a hanging transaction: an ABORT marker, the LSO moves on, read_committed skips its records', async () => {
    const bootstrap = ['-b', `127.0.0.1:${t.broker.port}`];
    // A transaction left open on partition 1 (its producer gone): it holds the LSO back.
    expect((await findTxnCoordinator(c, 'hanging')).errorCode).toBe(ErrorCode.NONE);
    const txn = await initProducerId(c, 'hanging', 600_000);
    const producerId = Number(txn.producerId);
    await addPartitions(c, 'hanging', producerId, txn.producerEpoch, [{ name: TOPIC, partitions: [1] }]);
    const before = (await fetchBatches(c, TOPIC, 1)).length;
    expect(await produceTransactional(c, t.broker.engine, TOPIC, 1, producerId, txn.producerEpoch, 0, 3)).toBe(ErrorCode.NONE);
    const startOffset = Number((await describeProducers([1]))[0]!.activeProducers.find((p) => Number(p.producerId) === producerId)!.currentTxnStartOffset);
    expect(startOffset).toBeGreaterThanOrEqual(0);
    const lso = async () => Number((await c.request(2, 5, { replicaId: -1, isolationLevel: 1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -1 }] }] })).topics[0].partitions[0].offset);
    expect(await lso()).toBe(startOffset);

    // Wrong offsets and missing arguments: kafka-transactions.sh's errors, exit code 1, nothing written.
    const wrong = await gregorCli(['transactions', 'abort', '--topic', TOPIC, '--partition', '1', '--start-offset', String(startOffset + 1), ...bootstrap]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`Could not find any open transactions starting at offset ${startOffset + 1} on partition ${TOPIC}-1`);
    const neither = await gregorCli(['transactions', 'abort', '--topic', TOPIC, '--partition', '1', ...bootstrap]);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('--start-offset');
    expect((await gregorCli(['transactions', 'abort', '--topic', TOPIC, '--partition', '1', '--producer-id', String(producerId), ...bootstrap])).stderr).toContain('--producer-epoch');
    expect(await lso()).toBe(startOffset);

    const aborted = await gregorCli(['transactions', 'abort', '--topic', TOPIC, '--partition', '1', '--start-offset', String(startOffset), ...bootstrap]);
    expect(aborted.stderr).toBe('');
    expect(aborted.code).toBe(0);
    const batches = await fetchBatches(c, TOPIC, 1);
    expect(batches.slice(before).map((b) => [b.producerId, b.controlType])).toEqual([[producerId, null], [producerId, 0]]);
    expect(Number((await describeProducers([1]))[0]!.activeProducers.find((p) => Number(p.producerId) === producerId)!.currentTxnStartOffset)).toBe(-1);
    const end = startOffset + 4; // 3 records + the marker
    expect(await lso()).toBe(end);
    const committedRead = await kcat(['-C', '-b', `127.0.0.1:${t.broker.port}`, '-t', TOPIC, '-p', '1', '-o', 'beginning', '-e', '-X', 'isolation.level=read_committed', '-f', '%o\n'], undefined, 30_000);
    expect(committedRead.code, committedRead.stderr).toBe(0);
    expect(committedRead.stdout.toString().split('\n').filter(Boolean).map(Number).filter((o) => o >= startOffset)).toEqual([]);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for what the broker does not have', async () => {
    expect((await describeProducers([7]))[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await describeProducers([0], 'no-such-topic'))[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
