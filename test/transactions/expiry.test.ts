/**
 * `transactional.id.expiration.ms`: a transactional id with no transaction for that long is
 * removed by the coordinator (a tombstone in `__transaction_state`; DescribeTransactions then
 * answers TRANSACTIONAL_ID_NOT_FOUND, and the id starts over with a new producer id), while an
 * id with an Ongoing transaction stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitForAsync } from '../helpers/wait.js';
import { addPartitions, describeTxn, findTxnCoordinator, initProducerId } from './txn-raw.js';

describe('transactional id expiration', () => {
  let t: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'transactional.id.expiration.ms': 800, 'transaction.remove.expired.transaction.cleanup.interval.ms': 100 } });
    t.broker.logs.createTopic('e', 1);
    c = await RawClient.connect(t.broker.port);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });

  it('an idle id expires; one with an open transaction does not', async () => {
    await findTxnCoordinator(c, 'idle');
    const idle = await initProducerId(c, 'idle');
    const busy = await initProducerId(c, 'busy');
    expect(await addPartitions(c, 'busy', busy.producerId, busy.producerEpoch, [{ name: 'e', partitions: [0] }])).toEqual({ 'e-0': 0 });
    await waitForAsync(async () => (await describeTxn(c, 'idle')).errorCode === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, 10_000, 'the idle id expired');
    expect((await describeTxn(c, 'busy')).transactionState).toBe('Ongoing');
    const again = await initProducerId(c, 'idle');
    expect(again).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(again.producerId).not.toBe(idle.producerId);
  });
});
