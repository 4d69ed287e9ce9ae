/**
 * KIP-890 part 1 on a real broker, over the raw protocol: a Produce carrying a transactional id
 * whose transactional batch opens a transaction on a partition is first verified with the
 * transaction coordinator (AddPartitionsToTxn v4 verifyOnly). A partition never added to the
 * transaction is INVALID_TXN_STATE ("Partition was not added to the transaction") and nothing
 * is appended — no hanging transaction holds the LSO; an unknown producer id is
 * INVALID_PRODUCER_ID_MAPPING, a fenced epoch INVALID_PRODUCER_EPOCH. Added partitions, and
 * later batches of an ongoing transaction, are appended. `transaction.partition.verification.enable=false`
 * turns the check off, as in Kafka.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { API, TRANSACTIONAL, addPartitions, endTxn, fetchBatches, findTxnCoordinator, initProducerId, waitForState } from './txn-raw.js';

/** Produce v9 of `n` records as one transactional batch, with the request's transactional id set (as clients send it). */
async function produceAs(t: TestBroker, c: RawClient, transactionalId: string, topic: string, producerId: number, producerEpoch: number, baseSequence: number, n = 2) {
  const records = t.broker.engine.encodeRecordBatch(
    Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`v${baseSequence + i}`) })),
    { producerId, producerEpoch, baseSequence, attributes: TRANSACTIONAL },
  );
  const res = await c.request(API.PRODUCE, 9, createProduceRequest({ transactionalId, acks: -1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }));
  const p = res.responses[0].partitionResponses[0];
  return { errorCode: p.errorCode as number, errorMessage: p.errorMessage as string | null };
}

describe('KIP-890: partition leaders verify a transaction\'s first batch with the coordinator', () => {
  let t: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    t = await startTestBroker();
    t.broker.logs.createTopic('verified', 1);
    t.broker.logs.createTopic('other', 1);
    c = await RawClient.connect(t.broker.port);
    await findTxnCoordinator(c, 'ver-app');
  });
  afterAll(async () => {
    c?.close();
    await t?.stop();
  });

  it('refuses a batch for a partition not in the transaction, appends once it is added', async () => {
    const { producerId, producerEpoch } = await initProducerId(c, 'ver-app');
    expect(await addPartitions(c, 'ver-app', producerId, producerEpoch, [{ name: 'other', partitions: [0] }])).toEqual({ 'other-0': 0 });

    expect(await produceAs(t, c, 'ver-app', 'verified', producerId, producerEpoch, 0)).toEqual({ errorCode: ErrorCode.INVALID_TXN_STATE, errorMessage: 'Partition was not added to the transaction' });
    expect(await fetchBatches(c, 'verified', 0)).toEqual([]);
    expect(t.broker.logs.partition('verified', 0)!.producerState.entry(producerId)).toBeUndefined();

    expect(await addPartitions(c, 'ver-app', producerId, producerEpoch, [{ name: 'verified', partitions: [0] }])).toEqual({ 'verified-0': 0 });
    expect((await produceAs(t, c, 'ver-app', 'verified', producerId, producerEpoch, 0)).errorCode).toBe(0);
    expect((await produceAs(t, c, 'ver-app', 'verified', producerId, producerEpoch, 2)).errorCode).toBe(0);
    expect((await produceAs(t, c, 'ver-app', 'other', producerId, producerEpoch, 0)).errorCode).toBe(0);
    expect(await endTxn(c, 'ver-app', producerId, producerEpoch, true)).toBe(0);
    await waitForState(c, 'ver-app', 'CompleteCommit');
    expect((await fetchBatches(c, 'verified', 0)).map((b) => b.controlType)).toEqual([null, null, 1]);

    // After the commit, the next transaction's first batch needs the partition added again.
    expect((await produceAs(t, c, 'ver-app', 'verified', producerId, producerEpoch, 4)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await fetchBatches(c, 'verified', 0)).length).toBe(3);
  });

  it('an unknown producer id is INVALID_PRODUCER_ID_MAPPING, a fenced epoch INVALID_PRODUCER_EPOCH', async () => {
    const { producerId, producerEpoch } = await initProducerId(c, 'ver-app');
    expect(producerEpoch).toBeGreaterThan(0);
    expect((await produceAs(t, c, 'ver-app', 'verified', producerId + 1000, 0, 0)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await produceAs(t, c, 'ver-app', 'verified', producerId, producerEpoch - 1, 6)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await fetchBatches(c, 'verified', 0)).length).toBe(3);
    // verifyOnly itself, as another leader would ask.
    const verified = await c.request(API.ADD_PARTITIONS, 4, { transactions: [{ transactionalId: 'ver-nobody', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'verified', partitions: [0] }] }] });
    expect(verified.resultsByTransaction[0].topicResults[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  it('transaction.partition.verification.enable=false appends the unverified batch', async () => {
    const off = await startTestBroker({ properties: { 'transaction.partition.verification.enable': false } });
    const oc = await RawClient.connect(off.broker.port);
    try {
      off.broker.logs.createTopic('verified', 1);
      await findTxnCoordinator(oc, 'ver-off');
      const { producerId, producerEpoch } = await initProducerId(oc, 'ver-off');
      expect((await produceAs(off, oc, 'ver-off', 'verified', producerId, producerEpoch, 0)).errorCode).toBe(0);
    } finally {
      oc.close();
      await off.stop();
    }
  });
});
