/**
 * Producer ids are unique across a ZooKeeper cluster: three real broker processes on a real
 * ZooKeeper answer many InitProducerId requests each, idempotent and transactional, at the
 * same time, and no id is handed out twice — each broker claims blocks of 1000 from the
 * `/latest_producer_id_block` znode (Kafka's ProducerIdBlockZNode JSON) with conditional
 * writes. A broker killed with -9 and restarted never hands out an id again, nor one its log
 * dir's `producer-id-block` file says it handed out before it used ZooKeeper.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/cluster/zk-client.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { initProducerId, waitForTxnCoordinator } from './txn-raw.js';

const BROKERS = [1, 2, 3];
/** Per broker and round: more than one block of 1000, so every broker claims at least twice. */
const IDEMPOTENT_PER_BROKER = 1_100;
const IN_FLIGHT = 100;

/** `count` idempotent InitProducerId (v4) calls to `port`, `IN_FLIGHT` at a time on one connection; the ids. */
async function idempotentIds(port: number, count: number): Promise<number[]> {
  const c = await RawClient.connect(port);
  const ids: number[] = [];
  try {
    for (let done = 0; done < count; done += IN_FLIGHT) {
      const answers = await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count - done) }, () => initProducerId(c, null)));
      for (const a of answers) {
        expect(a.errorCode).toBe(0);
        ids.push(Number(a.producerId));
      }
    }
  } finally {
    c.close();
  }
  return ids;
}

/** InitProducerId for `transactionalIds`, each on its coordinator; the ids. */
async function transactionalIds(cluster: ProcessCluster, transactionalIds: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const txnId of transactionalIds) {
    const coordinator = await waitForTxnCoordinator(cluster.portOf(1), txnId);
    const a = await RawClient.requestOnce(cluster.portOf(coordinator), 22, 4, { transactionalId: txnId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(a.errorCode).toBe(0);
    ids.push(Number(a.producerId));
  }
  return ids;
}

function expectAllDistinct(ids: number[]): void {
  const seen = new Map<number, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  const repeated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  expect(repeated.slice(0, 10), `${repeated.length} producer ids handed out more than once`).toEqual([]);
}

describe('producer ids across a ZooKeeper cluster', () => {
  let cluster: ProcessCluster;

  beforeAll(async () => {
    cluster = await ProcessCluster.start(BROKERS, [
      'zookeeper.session.timeout.ms=15000',
      'transaction.state.log.num.partitions=3', 'transaction.state.log.replication.factor=1',
    ], 'gregor-pid');
  }, 90_000);

  afterAll(() => cluster?.close());

  it('no two brokers hand out the same producer id, and a restart re-issues none', async () => {
    const all: number[] = [];
    const firstRound = await Promise.all(BROKERS.map((id) => idempotentIds(cluster.portOf(id), IDEMPOTENT_PER_BROKER)));
    for (const ids of firstRound) all.push(...ids);
    all.push(...(await transactionalIds(cluster, Array.from({ length: 12 }, (_, i) => `pid-app-${i}`))));
    expect(all.length).toBe(BROKERS.length * IDEMPOTENT_PER_BROKER + 12);
    expectAllDistinct(all);

    // The znode holds the last block claimed, in Kafka's format.
    const zk = await ZkClient.connect(cluster.zk.connectString, 10_000, 10_000);
    try {
      const node = await zk.getData('/latest_producer_id_block');
      const block = JSON.parse(node!.data.toString());
      expect(block).toMatchObject({ version: 1, block_start: expect.stringMatching(/^\d+$/), block_end: expect.stringMatching(/^\d+$/) });
      expect(BROKERS).toContain(block.broker);
      expect(Number(block.block_end) - Number(block.block_start)).toBe(999);
      expect(Number(block.block_end)).toBeGreaterThanOrEqual(Math.max(...all));
    } finally {
      zk.close();
    }

    // Broker 1 dies mid-block and comes back: its new ids are new to the whole cluster.
    await cluster.stopBroker(1, 'SIGKILL');
    await cluster.startBroker(1);
    const secondRound = await Promise.all(BROKERS.map((id) => idempotentIds(cluster.portOf(id), 200)));
    for (const ids of secondRound) all.push(...ids);
    expectAllDistinct(all);
  }, 120_000);

  it('a broker never re-issues ids its log dir handed out before it joined ZooKeeper, and records the blocks it claims there', async () => {
    // As after an upgrade from a version that reserved blocks in the log dir only.
    await cluster.stopBroker(3);
    const file = join(cluster.node(3).dir.path, 'producer-id-block');
    writeFileSync(file, 'next.block.start=5000000\n');
    await cluster.startBroker(3);
    const ids = await idempotentIds(cluster.portOf(3), 10);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(5_000_000);
    expect(readFileSync(file, 'utf8')).toContain('next.block.start=5001000');
  }, 60_000);
});
