/**
 * Markers and the append worker pool (`gregor.workers`): a COMMIT marker written while plain
 * produce requests to the same partition are being validated by a worker lands between their
 * runs — every batch stays readable with increasing offsets, and the marker is there once;
 * also when the marker's append meets a run the worker is validating at that very moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { ControlRecordType, encodeMarkerBatch } from '../../src/transactions/control-batch.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { API, addPartitions, endTxn, fetchBatches, findTxnCoordinator, initProducerId, produceTransactional, waitForState } from './txn-raw.js';

describe('markers with the append worker pool', () => {
  let t: TestBroker;
  let c: RawClient;
  let p: RawClient;
  beforeAll(async () => {
    t = await startTestBroker({ workers: 1 });
    t.broker.logs.createTopic('wp', 1);
    c = await RawClient.connect(t.broker.port);
    p = await RawClient.connect(t.broker.port);
  });
  afterAll(async () => {
    c.close();
    p.close();
    await t.stop();
  });

  it('a marker written amid worker appends keeps the log whole', async () => {
    await findTxnCoordinator(c, 'wp-app');
    const { producerId, producerEpoch } = await initProducerId(c, 'wp-app');
    expect(await addPartitions(c, 'wp-app', producerId, producerEpoch, [{ name: 'wp', partitions: [0] }])).toEqual({ 'wp-0': 0 });
    expect(await produceTransactional(c, t.broker.engine, 'wp', 0, producerId, producerEpoch, 0)).toBe(0);
    const plain = Array.from({ length: 60 }, (_, i) => {
      const records = t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.from(`plain-${i}`) }, { key: null, value: Buffer.from(`plain-${i}b`) }]);
      return p.request(API.PRODUCE, 9, createProduceRequest({ acks: 1, timeoutMs: 5_000, topicData: [{ name: 'wp', partitionData: [{ index: 0, records }] }] }));
    });
    const ended = endTxn(c, 'wp-app', producerId, producerEpoch, true);
    const answers = await Promise.all(plain);
    expect(answers.every((a) => a.responses[0].partitionResponses[0].errorCode === 0)).toBe(true);
    expect(await ended).toBe(0);
    await waitForState(c, 'wp-app', 'CompleteCommit');
    const batches = await fetchBatches(c, 'wp', 0);
    expect(batches.length).toBe(62);
    expect(batches.filter((b) => b.controlType !== null)).toEqual([expect.objectContaining({ producerId, controlType: 1 })]);
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.baseOffset).toBeGreaterThan(batches[i - 1]!.baseOffset);
    expect(t.broker.logs.partition('wp', 0)!.logEndOffset).toBe(2 + 60 * 2 + 1);
  });

  it('a marker appended while a worker run is staged waits for it', async () => {
    t.broker.logs.createTopic('wp2', 1);
    const log = t.broker.logs.partition('wp2', 0)!;
    const appends = Array.from({ length: 40 }, (_, i) =>
      t.broker.replicas.appendRecords('wp2', 0, t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.from(`r${i}`) }]), { acks: 1, timeoutMs: 5_000 }),
    );
    for (let spins = 0; !log.hasStagedRun && spins < 10_000; spins++) await new Promise((r) => setImmediate(r));
    expect(log.hasStagedRun).toBe(true);
    const marker = t.broker.replicas.appendControlBatch('wp2', 0, (base, epoch) => encodeMarkerBatch(t.broker.engine, { producerId: 7, producerEpoch: 0, type: ControlRecordType.ABORT, coordinatorEpoch: 0 }, base, epoch), { acks: 1, timeoutMs: 5_000 });
    const results = await Promise.all(appends);
    expect(results.every((r) => r.errorCode === 0)).toBe(true);
    expect((await marker).errorCode).toBe(0);
    const batches = await fetchBatches(c, 'wp2', 0);
    expect(batches.length).toBe(41);
    expect(batches.filter((b) => b.controlType === 0).length).toBe(1);
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.baseOffset).toBe(batches[i - 1]!.baseOffset + 1);
  });
});
