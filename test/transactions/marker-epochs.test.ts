/**
 * A partition leader checks the transaction markers WriteTxnMarkers asks it to append, as
 * Kafka's ProducerAppendInfo.appendEndTxnMarker does: a marker whose coordinator epoch is older
 * than the one of the producer's last marker is TRANSACTION_COORDINATOR_FENCED (a zombie
 * coordinator), one whose producer epoch is older than the producer's is
 * INVALID_PRODUCER_EPOCH; neither is appended. The coordinator epoch survives a restart (it is
 * in the producer snapshot and in the markers replayed from the log).
 * Raw protocol on a real broker: transactional batches of a producer id the test picks, then
 * WriteTxnMarkers as a coordinator on another broker would send them.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { API, fetchBatches, produceTransactional } from './txn-raw.js';

const TOPIC = 'marked';
const PID = 424_242;

async function writeMarker(c: RawClient, producerEpoch: number, coordinatorEpoch: number, commit = true): Promise<number> {
  const res = await c.request(API.WRITE_TXN_MARKERS, 1, {
    markers: [{ producerId: PID, producerEpoch, transactionResult: commit, topics: [{ name: TOPIC, partitionIndexes: [0] }], coordinatorEpoch }],
  });
  return res.markers[0].topics[0].partitions[0].errorCode;
}

describe('WriteTxnMarkers: coordinator and producer epoch checks on the partition leader', () => {
  const dir = makeTempDir('gregor-marker-epochs-');
  let t: TestBroker;
  let c: RawClient;

  beforeAll(async () => {
    t = await startTestBroker({ logDirs: dir.path });
    t.broker.logs.createTopic(TOPIC, 1);
    c = await RawClient.connect(t.broker.port);
  });
  afterAll(async () => {
    c?.close();
    await t?.stop();
    dir.remove();
  });

  it('refuses a marker from an older coordinator epoch or an older producer epoch, and appends nothing', async () => {
    expect(await produceTransactional(c, t.broker.engine, TOPIC, 0, PID, 3, 0)).toBe(0);
    expect(await writeMarker(c, 3, 5)).toBe(ErrorCode.NONE);
    expect(await produceTransactional(c, t.broker.engine, TOPIC, 0, PID, 3, 2)).toBe(0);
    const before = await fetchBatches(c, TOPIC, 0);
    expect(before.map((b) => b.controlType)).toEqual([null, 1, null]);

    expect(await writeMarker(c, 3, 4, false)).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    expect(await writeMarker(c, 2, 5, false)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await fetchBatches(c, TOPIC, 0)).toEqual(before);

    // The same coordinator epoch (a retry, or the same coordinator's next transaction) is fine.
    expect(await writeMarker(c, 3, 5, false)).toBe(ErrorCode.NONE);
    expect((await fetchBatches(c, TOPIC, 0)).map((b) => b.controlType)).toEqual([null, 1, null, 0]);
  });

  async function restart(dropSnapshots: boolean): Promise<void> {
    c.close();
    await t.broker.stop();
    const partitionDir = join(dir.path, `${TOPIC}-0`);
    if (dropSnapshots) for (const f of readdirSync(partitionDir)) if (f.endsWith('.snapshot')) rmSync(join(partitionDir, f));
    t = await startTestBroker({ logDirs: dir.path });
    c = await RawClient.connect(t.broker.port);
  }

  it('remembers the coordinator epoch across restarts: from the producer snapshot, and replayed from the markers in the log', async () => {
    // A newer coordinator (epoch 7) ends the next transaction, with the producer fenced to epoch 4.
    expect(await produceTransactional(c, t.broker.engine, TOPIC, 0, PID, 3, 4)).toBe(0);
    expect(await writeMarker(c, 4, 7, false)).toBe(ErrorCode.NONE);
    for (const dropSnapshots of [false, true]) {
      await restart(dropSnapshots);
      const before = await fetchBatches(c, TOPIC, 0);
      expect(await writeMarker(c, 4, 6)).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
      expect(await writeMarker(c, 3, 7)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
      expect(await fetchBatches(c, TOPIC, 0)).toEqual(before);
    }
    expect(await writeMarker(c, 4, 8)).toBe(ErrorCode.NONE);
  });
});
