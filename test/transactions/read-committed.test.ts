/**
 * The partition side of transactions (KIP-98): the last stable offset stays at the first
 * offset of an open transaction until its marker; read_committed Fetch (v11) reads only below
 * it and lists the aborted transactions of what it returns (from the segment's `.txnindex`,
 * 34-byte entries beside the `.log`); ListOffsets LATEST read_committed is the LSO; the LSO and
 * the index survive a restart (producer snapshot) and a rebuild from the log alone; a
 * transaction left open past its timeout is aborted by the coordinator, which releases the LSO.
 */
import { existsSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFetchRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { wholeBatches } from '../../src/storage/batch-header.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { addPartitions, endTxn, findTxnCoordinator, initProducerId, produceTransactional } from './txn-raw.js';

const TOPIC = 'ledger';

async function fetchAt(c: RawClient, isolationLevel: number, fetchOffset = 0) {
  const res = await c.request(
    1,
    11,
    createFetchRequest({ replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel, topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] } as never] }),
  );
  const p = res.responses[0].partitions[0];
  const bytes: Uint8Array = p.records ?? new Uint8Array(0);
  return {
    errorCode: p.errorCode as number,
    highWatermark: Number(p.highWatermark),
    lastStableOffset: Number(p.lastStableOffset),
    baseOffsets: [...wholeBatches(bytes)].map((h) => h.baseOffset),
    aborted: (p.abortedTransactions ?? []).map((a: { producerId: bigint | number; firstOffset: bigint | number }) => ({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) })),
  };
}

async function latest(c: RawClient, isolationLevel: number): Promise<number> {
  const res = await c.request(2, 5, { replicaId: -1, isolationLevel, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] });
  return Number(res.topics[0].partitions[0].offset);
}

async function producePlain(c: RawClient, t: TestBroker, value: string): Promise<void> {
  const records = t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.from(value) }], {});
  const res = await c.request(0, 9, createProduceRequest({ transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }));
  expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
}

describe('read_committed fetch, last stable offset and aborted transactions', () => {
  const dir = makeTempDir();
  let t: TestBroker | null = null;
  let c: RawClient | null = null;
  const start = async () => {
    t = await startTestBroker({ logDirs: dir.path });
    c = await RawClient.connect(t.broker.port);
    return { b: t, raw: c };
  };
  const stop = async () => {
    c?.close();
    await t?.broker.stop();
    c = null;
    t = null;
  };
  afterAll(async () => {
    await stop();
    dir.remove();
  });
  const partitionDir = () => join(dir.path, `${TOPIC}-0`);

  it('holds the LSO at an open transaction, lists the aborted one, keeps both across restarts', async () => {
    let { b, raw } = await start();
    b.broker.logs.createTopic(TOPIC, 1);
    await findTxnCoordinator(raw, 'tx-a');
    const p = await initProducerId(raw, 'tx-a');
    await producePlain(raw, b, 'before'); // offset 0
    expect(await addPartitions(raw, 'tx-a', p.producerId, p.producerEpoch, [{ name: TOPIC, partitions: [0] }])).toEqual({ [`${TOPIC}-0`]: 0 });
    expect(await produceTransactional(raw, b.broker.engine, TOPIC, 0, p.producerId, p.producerEpoch, 0, 2)).toBe(0); // offsets 1-2
    await producePlain(raw, b, 'during'); // offset 3

    // Open transaction: the LSO is its first offset; read_committed stops there.
    const committedView = await fetchAt(raw, 1);
    expect(committedView).toMatchObject({ errorCode: 0, highWatermark: 4, lastStableOffset: 1, baseOffsets: [0] });
    const uncommittedView = await fetchAt(raw, 0);
    expect(uncommittedView).toMatchObject({ highWatermark: 4, lastStableOffset: 1, baseOffsets: [0, 1, 3] });
    expect(await latest(raw, 1)).toBe(1);
    expect(await latest(raw, 0)).toBe(4);
    expect((await fetchAt(raw, 1, 1)).baseOffsets).toEqual([]);

    // ABORT marker at offset 4: the LSO moves to the log end; the aborted range is listed.
    expect(await endTxn(raw, 'tx-a', p.producerId, p.producerEpoch, false)).toBe(0);
    await waitForLso(raw, 5);
    const afterAbort = await fetchAt(raw, 1);
    expect(afterAbort.baseOffsets).toEqual([0, 1, 3, 4]);
    expect(afterAbort.aborted).toEqual([{ producerId: p.producerId, firstOffset: 1 }]);
    expect(await latest(raw, 1)).toBe(5);
    // A fetch past the aborted transaction's marker does not list it.
    expect((await fetchAt(raw, 1, 5)).aborted).toEqual([]);

    // The `.txnindex` beside the `.log`: one 34-byte entry (version 0, pid, first 1, last 4, LSO 5).
    const indexPath = join(partitionDir(), '00000000000000000000.txnindex');
    expect(existsSync(join(partitionDir(), '00000000000000000000.log'))).toBe(true);
    const entry = readFileSync(indexPath);
    expect(entry.length).toBe(34);
    expect([entry.readInt16BE(0), Number(entry.readBigInt64BE(2)), Number(entry.readBigInt64BE(10)), Number(entry.readBigInt64BE(18)), Number(entry.readBigInt64BE(26))]).toEqual([0, p.producerId, 1, 4, 5]);

    // A second transaction stays open (offsets 5-6) over a restart.
    const p2 = await initProducerId(raw, 'tx-a');
    expect(await addPartitions(raw, 'tx-a', p2.producerId, p2.producerEpoch, [{ name: TOPIC, partitions: [0] }])).toEqual({ [`${TOPIC}-0`]: 0 });
    expect(await produceTransactional(raw, b.broker.engine, TOPIC, 0, p2.producerId, p2.producerEpoch, 0, 2)).toBe(0);
    await producePlain(raw, b, 'after'); // offset 7
    expect(await fetchAt(raw, 1)).toMatchObject({ highWatermark: 8, lastStableOffset: 5, baseOffsets: [0, 1, 3, 4] });
    await stop();

    ({ b, raw } = await start());
    expect(await fetchAt(raw, 1)).toMatchObject({ highWatermark: 8, lastStableOffset: 5, baseOffsets: [0, 1, 3, 4], aborted: [{ producerId: p.producerId, firstOffset: 1 }] });
    await stop();

    // Without snapshots and without the index, recovery's replay of the log rebuilds both.
    for (const name of readdirSync(partitionDir())) if (name.endsWith('.snapshot') || name.endsWith('.txnindex')) unlinkSync(join(partitionDir(), name));
    ({ b, raw } = await start());
    expect(await fetchAt(raw, 1)).toMatchObject({ highWatermark: 8, lastStableOffset: 5, baseOffsets: [0, 1, 3, 4], aborted: [{ producerId: p.producerId, firstOffset: 1 }] });
    expect(await latest(raw, 1)).toBe(5);
    expect(readFileSync(indexPath)).toEqual(entry);

    // COMMIT: the LSO reaches the log end, no new aborted entry.
    expect(await endTxn(raw, 'tx-a', p2.producerId, p2.producerEpoch, true)).toBe(0);
    await waitForLso(raw, 9);
    expect((await fetchAt(raw, 1)).aborted).toEqual([{ producerId: p.producerId, firstOffset: 1 }]);
    expect(readFileSync(indexPath).length).toBe(34);
  });
});

async function waitForLso(c: RawClient, lso: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const seen = (await fetchAt(c, 1)).lastStableOffset;
    if (seen === lso) return;
    if (Date.now() > deadline) throw new Error(`LSO is ${seen}, not ${lso}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a read_committed reader held by an open transaction', () => {
  let t: TestBroker;
  let c: RawClient;
  afterAll(async () => {
    c?.close();
    await t?.stop();
  });

  it('is released when the coordinator aborts the transaction at its timeout', async () => {
    t = await startTestBroker({ properties: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200 } });
    c = await RawClient.connect(t.broker.port);
    t.broker.logs.createTopic(TOPIC, 1);
    await findTxnCoordinator(c, 'tx-late');
    const p = await initProducerId(c, 'tx-late', 1_000);
    expect(await addPartitions(c, 'tx-late', p.producerId, p.producerEpoch, [{ name: TOPIC, partitions: [0] }])).toEqual({ [`${TOPIC}-0`]: 0 });
    await producePlain(c, t, 'first'); // 0
    expect(await produceTransactional(c, t.broker.engine, TOPIC, 0, p.producerId, p.producerEpoch, 0, 2)).toBe(0); // 1-2
    await producePlain(c, t, 'second'); // 3
    expect(await fetchAt(c, 1)).toMatchObject({ lastStableOffset: 1, baseOffsets: [0] });
    // The coordinator aborts it (marker at 4 with the bumped epoch): the reader gets everything, the aborted range listed.
    await waitForLso(c, 5);
    expect(await fetchAt(c, 1)).toMatchObject({ highWatermark: 5, baseOffsets: [0, 1, 3, 4], aborted: [{ producerId: p.producerId, firstOffset: 1 }] });
  });
});
