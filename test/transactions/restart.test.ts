/**
 * `__transaction_state` is replayed when a broker starts on the same log dir: a transaction
 * left in PrepareCommit (its markers could not be written: the partition had fewer in-sync
 * replicas than `min.insync.replicas` until the restart) is completed by the restarted
 * coordinator — COMMIT markers, CompleteCommit; an Ongoing one is aborted once its timeout
 * passes; a completed id keeps its producer id and epoch; the epoch an abort marker fenced
 * stays fenced on the partition after another restart (producer snapshot).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { TRANSACTION_STATE_TOPIC, transactionRecord } from '../../src/transactions/transaction-log.js';
import { TransactionState } from '../../src/transactions/transaction-state.js';
import { addPartitions, describeTxn, endTxn, fetchBatches, findTxnCoordinator, initProducerId, produceTransactional, waitForState } from './txn-raw.js';

describe('transaction coordinator restart', () => {
  const dir = makeTempDir();
  let t: TestBroker | null = null;
  let c: RawClient | null = null;
  const start = async (properties: Record<string, string | number>) => {
    t = await startTestBroker({ logDirs: dir.path, properties: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200, ...properties } });
    c = await RawClient.connect(t.broker.port);
    return { t, c };
  };
  const stop = async () => {
    c?.close();
    await t?.broker.stop();
  };
  afterAll(async () => {
    await stop();
    dir.remove();
  });

  it('completes a PrepareCommit, aborts a timed-out Ongoing transaction, keeps completed ids', async () => {
    // First life: markers need 2 in-sync replicas (broker default), which one broker never has.
    let { t: b, c: raw } = await start({ 'min.insync.replicas': 2 });
    b.broker.logs.createTopic('pay', 1);
    await findTxnCoordinator(raw, 'prep');
    const prep = await initProducerId(raw, 'prep');
    expect(await addPartitions(raw, 'prep', prep.producerId, prep.producerEpoch, [{ name: 'pay', partitions: [0] }])).toEqual({ 'pay-0': 0 });
    expect(await produceTransactional(raw, b.broker.engine, 'pay', 0, prep.producerId, prep.producerEpoch, 0, 2, 1)).toBe(0);
    expect(await endTxn(raw, 'prep', prep.producerId, prep.producerEpoch, true)).toBe(0);

    const open = await initProducerId(raw, 'open', 1_500);
    expect(await addPartitions(raw, 'open', open.producerId, open.producerEpoch, [{ name: 'pay', partitions: [0] }])).toEqual({ 'pay-0': 0 });

    const done = await initProducerId(raw, 'done');
    await new Promise((r) => setTimeout(r, 300));
    expect((await describeTxn(raw, 'prep')).transactionState).toBe('PrepareCommit');
    expect((await fetchBatches(raw, 'pay', 0)).map((x) => x.controlType)).toEqual([null]);
    await stop();

    // Second life on the same log dir, with one in-sync replica enough.
    ({ t: b, c: raw } = await start({}));
    await waitForState(raw, 'prep', 'CompleteCommit');
    expect((await fetchBatches(raw, 'pay', 0)).at(-1)).toMatchObject({ producerId: prep.producerId, producerEpoch: prep.producerEpoch, controlType: 1 });
    const loadedOpen = await describeTxn(raw, 'open');
    expect(['Ongoing', 'PrepareAbort', 'CompleteAbort']).toContain(loadedOpen.transactionState);
    await waitForState(raw, 'open', 'CompleteAbort');
    expect((await fetchBatches(raw, 'pay', 0)).at(-1)).toMatchObject({ producerId: open.producerId, producerEpoch: open.producerEpoch + 1, controlType: 0 });
    expect(await describeTxn(raw, 'done')).toMatchObject({ errorCode: 0, transactionState: 'Empty', producerId: done.producerId, producerEpoch: done.producerEpoch });
    expect(await initProducerId(raw, 'done')).toMatchObject({ errorCode: ErrorCode.NONE, producerId: done.producerId, producerEpoch: done.producerEpoch + 1 });
    await stop();

    // Third life: the abort marker's epoch is in the partition's producer snapshot, so the
    // fenced incarnation of 'open' stays fenced.
    ({ t: b, c: raw } = await start({}));
    expect(await produceTransactional(raw, b.broker.engine, 'pay', 0, open.producerId, open.producerEpoch, 0)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('an exhausted epoch (32766) loaded from __transaction_state gets a new producer id at epoch 0 (KIP-360)', async () => {
    await stop();
    let { t: b, c: raw } = await start({});
    await findTxnCoordinator(raw, 'worn');
    const worn = await initProducerId(raw, 'worn');
    // The id's last record says it has used up its epochs (Short.MAX_VALUE - 1), as after 32766 re-inits.
    const partition = b.broker.transactions.stateManager.partitionFor('worn');
    const record = transactionRecord('worn', { producerId: worn.producerId, previousProducerId: -1, nextProducerId: -1, producerEpoch: 32_766, lastProducerEpoch: -1, txnTimeoutMs: 60_000, state: TransactionState.Empty, partitions: [], txnStartTimestamp: -1, txnLastUpdateTimestamp: Date.now() });
    await b.broker.replicas.appendRecords(TRANSACTION_STATE_TOPIC, partition, b.broker.engine.encodeRecordBatch([record]), { acks: -1, timeoutMs: 5_000 });
    await stop();
    ({ t: b, c: raw } = await start({}));
    expect(await describeTxn(raw, 'worn')).toMatchObject({ producerId: worn.producerId, producerEpoch: 32_766 });
    const fresh = await initProducerId(raw, 'worn');
    expect(fresh).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(fresh.producerId).not.toBe(worn.producerId);
    // The previous producer id with its exhausted epoch is a retry, not a fenced producer (KIP-360).
    expect((await initProducerId(raw, 'worn', 60_000, 4, worn.producerId, 32_766)).errorCode).toBe(0);
  });
});
