/**
 * InitProducerId and idempotent Produce over a raw socket: distinct producer ids (also after
 * a restart), duplicates answered with the original base offset, OUT_OF_ORDER_SEQUENCE_NUMBER,
 * INVALID_PRODUCER_EPOCH, a transactional id sent to its coordinator (NOT_COORDINATOR before
 * `__transaction_state` exists), and dedup kept across a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createInitProducerIdRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const PRODUCE = 0;
const INIT_PRODUCER_ID = 22;

describe('idempotent produce over a raw socket', () => {
  const dir = makeTempDir();
  let t: TestBroker;
  let c: RawClient;
  const start = async () => {
    t = await startTestBroker({ logDirs: dir.path });
    c = await RawClient.connect(t.broker.port);
  };
  beforeAll(async () => {
    await start();
    t.broker.logs.createTopic('idem', 1);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
    dir.remove();
  });

  const initPid = async (version: number, transactionalId: string | null = null) =>
    c.request(INIT_PRODUCER_ID, version, createInitProducerIdRequest({ transactionalId, transactionTimeoutMs: 60_000 }));
  const produce = async (producerId: number, producerEpoch: number, baseSequence: number, n = 3) => {
    const records = t.broker.engine.encodeRecordBatch(
      Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${producerId}/${producerEpoch}/${baseSequence + i}`) })),
      { producerId, producerEpoch, baseSequence },
    );
    const res = await c.request(PRODUCE, 9, createProduceRequest({ acks: -1, timeoutMs: 1000, topicData: [{ name: 'idem', partitionData: [{ index: 0, records }] }] }));
    const p = res.responses[0].partitionResponses[0];
    return [p.errorCode, p.baseOffset];
  };

  let pid = -1;

  it('InitProducerId hands out distinct ids with epoch 0 at every version; a transactional id goes to the transaction coordinator', async () => {
    const ids = new Set<number>();
    for (let v = 0; v <= 5; v++) {
      const res = await initPid(v);
      expect(res).toMatchObject({ errorCode: 0, producerEpoch: 0 });
      ids.add(res.producerId);
    }
    expect(ids.size).toBe(6);
    pid = Math.max(...ids);
    expect(await initPid(4, 'txn-1')).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1 });
  });

  it('a duplicate batch gets its original offset; gaps and old epochs are refused', async () => {
    expect(await produce(pid, 0, 0)).toEqual([0, 0]);
    expect(await produce(pid, 0, 3)).toEqual([0, 3]);
    expect(await produce(pid, 0, 0)).toEqual([0, 0]);
    expect(await produce(pid, 0, 3)).toEqual([0, 3]);
    expect(t.broker.logs.partition('idem', 0)!.logEndOffset).toBe(6);
    expect((await produce(pid, 0, 9))[0]).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await produce(pid, 1, 0)).toEqual([0, 6]);
    expect((await produce(pid, 0, 6))[0]).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(t.broker.logs.partition('idem', 0)!.logEndOffset).toBe(9);
  });

  it('after a restart: dedup still answers, and new producer ids are not reused', async () => {
    c.close();
    await t.broker.stop();
    await start();
    expect(await produce(pid, 1, 0)).toEqual([0, 6]);
    expect(await produce(pid, 1, 3)).toEqual([0, 9]);
    expect(t.broker.logs.partition('idem', 0)!.logEndOffset).toBe(12);
    expect((await initPid(4)).producerId).toBeGreaterThan(pid);
  });
});
