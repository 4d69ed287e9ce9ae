/**
 * The transaction coordinator over a raw socket on a real broker: FindCoordinator(TRANSACTION)
 * creates `__transaction_state`; InitProducerId allocates and bumps; the state machine's
 * errors (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED / INVALID_PRODUCER_EPOCH,
 * INVALID_TXN_STATE, CONCURRENT_TRANSACTIONS, INVALID_TRANSACTION_TIMEOUT,
 * UNKNOWN_TOPIC_OR_PARTITION + OPERATION_NOT_ATTEMPTED); commit and abort leave COMMIT/ABORT
 * control batches at the end of every partition (read with Fetch); a client's control batch
 * is refused; fencing by a second InitProducerId aborts the open transaction; a transaction
 * past its timeout is aborted; DescribeTransactions and ListTransactions report it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { TRANSACTION_STATE_TOPIC } from '../../src/transactions/transaction-log.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { API, CONTROL, addPartitions, describeTxn, endTxn, fetchBatches, findTxnCoordinator, initProducerId, produceTransactional, waitForState } from './txn-raw.js';

describe('transaction coordinator (raw protocol, one broker)', () => {
  let t: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200 } });
    c = await RawClient.connect(t.broker.port);
    t.broker.logs.createTopic('orders', 2);
    t.broker.logs.createTopic('audit', 1);
    t.broker.logs.createTopic('extra', 1);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });

  it('InitProducerId before FindCoordinator is NOT_COORDINATOR; FindCoordinator creates __transaction_state (50 partitions, compacted)', async () => {
    expect((await initProducerId(c, 'early')).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const coordinator = await findTxnCoordinator(c, 'app-1');
    expect(coordinator).toMatchObject({ errorCode: 0, nodeId: t.broker.config.nodeId, port: t.broker.port });
    const topic = t.broker.logs.topic(TRANSACTION_STATE_TOPIC)!;
    expect(topic.partitions.length).toBe(50);
    expect(topic.settings.cleanupPolicy.compact).toBe(true);
    const meta = await c.request(3, 12, { topics: [{ name: TRANSACTION_STATE_TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(meta.topics[0]).toMatchObject({ errorCode: 0, isInternal: true });
    expect(topic.settings.minInsyncReplicas).toBe(1); // transaction.state.log.min.isr (2) capped at the replication factor (1)
  });

  it('InitProducerId: a new id gets epoch 0, a re-init bumps the epoch; bad ids and timeouts are refused', async () => {
    const first = await initProducerId(c, 'app-1');
    expect(first).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const second = await initProducerId(c, 'app-1');
    expect(second).toMatchObject({ errorCode: 0, producerId: first.producerId, producerEpoch: 1 });
    expect((await initProducerId(c, 'app-1', 900_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await initProducerId(c, '')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    // KIP-360: a producer id/epoch that is neither current nor the previous one is fenced.
    expect((await initProducerId(c, 'app-1', 60_000, 4, first.producerId + 1000, 0)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await initProducerId(c, 'app-1', 60_000, 3, first.producerId + 1000, 0)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // A retry of the last bump (the previous epoch) answers the current epoch again.
    expect(await initProducerId(c, 'app-1', 60_000, 3, first.producerId, 0)).toMatchObject({ errorCode: 0, producerId: first.producerId, producerEpoch: 1 });
    // The current one bumps.
    expect(await initProducerId(c, 'app-1', 60_000, 3, first.producerId, 1)).toMatchObject({ errorCode: 0, producerEpoch: 2 });
  });

  it('commit: AddPartitions → Ongoing, EndTxn → COMMIT markers at the end of every partition, CompleteCommit', async () => {
    await findTxnCoordinator(c, 'app-2');
    const { producerId, producerEpoch } = await initProducerId(c, 'app-2');
    expect(await endTxn(c, 'app-2', producerId, producerEpoch, true)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await addPartitions(c, 'app-2', producerId + 1, producerEpoch, [{ name: 'orders', partitions: [0] }])).toEqual({ 'orders-0': ErrorCode.INVALID_PRODUCER_ID_MAPPING });
    expect(await addPartitions(c, 'app-2', producerId, producerEpoch, [{ name: 'orders', partitions: [0, 7] }])).toEqual({ 'orders-0': ErrorCode.OPERATION_NOT_ATTEMPTED, 'orders-7': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(await addPartitions(c, 'app-2', producerId, producerEpoch, [{ name: 'orders', partitions: [0, 1] }, { name: 'audit', partitions: [0] }])).toEqual({ 'orders-0': 0, 'orders-1': 0, 'audit-0': 0 });
    // v4 (KIP-890, brokers): verifyOnly answers whether each partition is in the transaction, adding nothing.
    const verified = await c.request(API.ADD_PARTITIONS, 4, { transactions: [{ transactionalId: 'app-2', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'orders', partitions: [1] }, { name: 'extra', partitions: [0] }] }] });
    expect(verified.resultsByTransaction[0].topicResults.map((r: { name: string; resultsByPartition: Array<{ partitionErrorCode: number }> }) => [r.name, r.resultsByPartition[0]!.partitionErrorCode])).toEqual([['orders', 0], ['extra', ErrorCode.INVALID_TXN_STATE]]);
    const ongoing = await describeTxn(c, 'app-2');
    expect(ongoing).toMatchObject({ errorCode: 0, transactionState: 'Ongoing', producerId, producerEpoch, transactionTimeoutMs: 60_000 });
    expect(ongoing.topics.map((x: { topic: string; partitions: number[] }) => `${x.topic}:${x.partitions.join(',')}`).sort()).toEqual(['audit:0', 'orders:0,1']);
    expect(await produceTransactional(c, t.broker.engine, 'orders', 0, producerId, producerEpoch, 0)).toBe(0);
    expect(await produceTransactional(c, t.broker.engine, 'orders', 1, producerId, producerEpoch, 0)).toBe(0);
    expect(await produceTransactional(c, t.broker.engine, 'audit', 0, producerId, producerEpoch, 0)).toBe(0);
    expect(await endTxn(c, 'app-2', producerId, producerEpoch, true)).toBe(0);
    await waitForState(c, 'app-2', 'CompleteCommit');
    expect(await endTxn(c, 'app-2', producerId, producerEpoch, true)).toBe(0); // a retry
    expect(await endTxn(c, 'app-2', producerId, producerEpoch, false)).toBe(ErrorCode.INVALID_TXN_STATE);
    for (const [topic, partition] of [['orders', 0], ['orders', 1], ['audit', 0]] as const) {
      const batches = await fetchBatches(c, topic, partition);
      expect(batches.length).toBe(2);
      expect(batches[1]).toMatchObject({ producerId, producerEpoch, controlType: 1 });
      expect(batches[1]!.attributes & CONTROL).toBe(CONTROL);
    }
    // The producer's next transaction continues its sequence after the marker.
    expect(await addPartitions(c, 'app-2', producerId, producerEpoch, [{ name: 'orders', partitions: [0] }])).toEqual({ 'orders-0': 0 });
    expect(await produceTransactional(c, t.broker.engine, 'orders', 0, producerId, producerEpoch, 2)).toBe(0);
    expect(await endTxn(c, 'app-2', producerId, producerEpoch, false)).toBe(0);
    await waitForState(c, 'app-2', 'CompleteAbort');
    expect((await fetchBatches(c, 'orders', 0)).map((b) => b.controlType)).toEqual([null, 1, null, 0]);
  });

  it('a control batch from a producer is refused', async () => {
    const records = t.broker.engine.encodeRecordBatch([{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array([0, 0, 0, 0, 0, 0]) }], { attributes: 0x30, producerId: 1, producerEpoch: 0, baseSequence: -1 });
    const res = await c.request(API.PRODUCE, 9, createProduceRequest({ acks: -1, timeoutMs: 1000, topicData: [{ name: 'audit', partitionData: [{ index: 0, records }] }] }));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('fencing: a second InitProducerId aborts the open transaction with a bumped epoch; the old producer is fenced', async () => {
    await findTxnCoordinator(c, 'app-3');
    const old = await initProducerId(c, 'app-3');
    expect(await addPartitions(c, 'app-3', old.producerId, old.producerEpoch, [{ name: 'audit', partitions: [0] }])).toEqual({ 'audit-0': 0 });
    expect(await produceTransactional(c, t.broker.engine, 'audit', 0, old.producerId, old.producerEpoch, 0)).toBe(0);
    expect((await initProducerId(c, 'app-3')).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    await waitForState(c, 'app-3', 'CompleteAbort');
    const next = await initProducerId(c, 'app-3');
    expect(next).toMatchObject({ errorCode: 0, producerId: old.producerId, producerEpoch: old.producerEpoch + 2 });
    expect(await addPartitions(c, 'app-3', old.producerId, old.producerEpoch, [{ name: 'audit', partitions: [0] }])).toEqual({ 'audit-0': ErrorCode.PRODUCER_FENCED });
    expect(await addPartitions(c, 'app-3', old.producerId, old.producerEpoch, [{ name: 'audit', partitions: [0] }], 1)).toEqual({ 'audit-0': ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(await endTxn(c, 'app-3', old.producerId, old.producerEpoch, true)).toBe(ErrorCode.PRODUCER_FENCED);
    // The abort marker carries the fencing epoch; the zombie's writes are refused by the partition.
    const last = (await fetchBatches(c, 'audit', 0)).at(-1)!;
    expect(last).toMatchObject({ producerId: old.producerId, producerEpoch: old.producerEpoch + 1, controlType: 0 });
    expect(await produceTransactional(c, t.broker.engine, 'audit', 0, old.producerId, old.producerEpoch, 2)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('a transaction older than its timeout is aborted by the coordinator', async () => {
    await findTxnCoordinator(c, 'app-4');
    const p = await initProducerId(c, 'app-4', 500);
    expect(await addPartitions(c, 'app-4', p.producerId, p.producerEpoch, [{ name: 'orders', partitions: [1] }])).toEqual({ 'orders-1': 0 });
    const aborted = await waitForState(c, 'app-4', 'CompleteAbort');
    expect(aborted.producerEpoch).toBe(p.producerEpoch + 1);
    expect(await endTxn(c, 'app-4', p.producerId, p.producerEpoch, true)).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await fetchBatches(c, 'orders', 1)).at(-1)).toMatchObject({ producerId: p.producerId, controlType: 0 });
  });

  it('AddOffsetsToTxn adds the group\'s __consumer_offsets partition; the commit marker lands there too', async () => {
    expect((await c.request(API.FIND_COORDINATOR, 4, { keyType: 0, coordinatorKeys: ['g1'] })).coordinators[0].errorCode).toBe(0);
    await findTxnCoordinator(c, 'app-5');
    const p = await initProducerId(c, 'app-5');
    expect((await c.request(API.ADD_OFFSETS, 3, { transactionalId: 'app-5', producerId: p.producerId, producerEpoch: p.producerEpoch + 1, groupId: 'g1' })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await c.request(API.ADD_OFFSETS, 1, { transactionalId: 'app-5', producerId: p.producerId, producerEpoch: p.producerEpoch + 1, groupId: 'g1' })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await c.request(API.ADD_OFFSETS, 3, { transactionalId: 'app-5', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g1' })).errorCode).toBe(0);
    const offsetsPartition = t.broker.groups.partitionFor('g1');
    expect((await describeTxn(c, 'app-5')).topics).toEqual([{ topic: '__consumer_offsets', partitions: [offsetsPartition] }]);
    expect(await endTxn(c, 'app-5', p.producerId, p.producerEpoch, true)).toBe(0);
    await waitForState(c, 'app-5', 'CompleteCommit');
    expect((await fetchBatches(c, '__consumer_offsets', offsetsPartition)).at(-1)).toMatchObject({ producerId: p.producerId, controlType: 1 });
  });

  it('ListTransactions filters by state and producer id; DescribeTransactions of an unknown id is TRANSACTIONAL_ID_NOT_FOUND', async () => {
    const all = await c.request(API.LIST_TXNS, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
    expect(all.transactionStates.map((s: { transactionalId: string }) => s.transactionalId).sort()).toEqual(['app-1', 'app-2', 'app-3', 'app-4', 'app-5']);
    const aborted = await c.request(API.LIST_TXNS, 0, { stateFilters: ['CompleteAbort', 'Bogus'], producerIdFilters: [] });
    expect(aborted.unknownStateFilters).toEqual(['Bogus']);
    expect(aborted.transactionStates.map((s: { transactionalId: string }) => s.transactionalId).sort()).toEqual(['app-2', 'app-4']);
    expect((await describeTxn(c, 'nobody')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  });

  it('ApiVersions advertises the transaction APIs', async () => {
    const res = await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const keys = res.apiKeys.map((k: { apiKey: number }) => k.apiKey);
    for (const key of [24, 25, 26, 27, 65, 66]) expect(keys).toContain(key);
  });
});
