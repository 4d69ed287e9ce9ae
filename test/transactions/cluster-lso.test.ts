/**
 * A follower tracks the open transactions of what it replicates: in a 2-broker cluster on a
 * real ZooKeeper, a transaction is left open on a partition replicated to both brokers; the
 * leader stops (SIGTERM: controlled shutdown); the follower, now leader, holds the last stable
 * offset at the transaction's first offset (read_committed Fetch and ListOffsets), and once
 * the coordinator aborts the transaction there the LSO moves past the marker and read_committed
 * fetches list the aborted transaction (the new leader's `.txnindex`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createEngine } from '../../src/engine/index.js';
import { createFetchRequest } from '../../src/protocol/generated/index.js';
import { wholeBatches } from '../../src/storage/batch-header.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';
import { addPartitions, endTxn, findTxnCoordinator, initProducerId, produceTransactional, waitForState } from './txn-raw.js';

const TXN_ID = 'cluster-lso';
const TOPIC = 'lso';

async function readCommitted(c: RawClient) {
  const res = await c.request(
    1,
    11,
    createFetchRequest({ replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] } as never] }),
  );
  const p = res.responses[0].partitions[0];
  return {
    errorCode: p.errorCode as number,
    highWatermark: Number(p.highWatermark),
    lastStableOffset: Number(p.lastStableOffset),
    baseOffsets: [...wholeBatches(p.records ?? new Uint8Array(0))].map((h) => h.baseOffset),
    aborted: (p.abortedTransactions ?? []).map((a: { producerId: bigint | number; firstOffset: bigint | number }) => ({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) })),
  };
}

describe('cluster: the last stable offset survives a change of leader', () => {
  let zk: ZooKeeperServer;
  const nodes = [1, 2].map((id) => ({ id, dir: makeTempDir(`gregor-lso${id}-`), proc: null as BrokerProcess | null }));
  const portOf = (id: number) => nodes.find((n) => n.id === id)!.proc!.port;
  let coordinatorId = -1;

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const n of nodes) {
      n.proc = await spawnBroker([
        '--port', '0', '--log-dirs', n.dir.path,
        '-o', `node.id=${n.id}`, '-o', `zookeeper.connect=${zk.connectString}`,
        '-o', 'zookeeper.session.timeout.ms=15000', '-o', 'replica.fetch.wait.max.ms=100',
        '-o', 'listeners=PLAINTEXT://127.0.0.1:0', '-o', 'gregor.websocket.port=-1',
        '-o', 'transaction.state.log.num.partitions=1', '-o', 'transaction.state.log.replication.factor=1',
        '-o', 'min.insync.replicas=1',
      ]);
    }
    await waitForAsync(async () => {
      const c = await RawClient.connect(nodes[0]!.proc!.port);
      try {
        const found = await findTxnCoordinator(c, TXN_ID);
        coordinatorId = found.nodeId;
        return found.errorCode === ErrorCode.NONE;
      } finally {
        c.close();
      }
    }, 20_000, 'a transaction coordinator');
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) await n.proc?.stop();
    await zk?.stop();
    for (const n of nodes) n.dir.remove();
  });

  it('the follower, made leader, holds the LSO at the open transaction, then lists its abort', async () => {
    const leaderId = nodes.find((n) => n.id !== coordinatorId)!.id;
    const admin = await RawClient.connect(portOf(coordinatorId));
    const created = await admin.request(19, 4, { topics: [{ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [leaderId, coordinatorId] }], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    expect(created.topics[0].errorCode).toBe(0);

    const coordinator = admin;
    let leader = await RawClient.connect(portOf(leaderId));
    const engine = createEngine('js');
    try {
      let init = { errorCode: -1, producerId: -1, producerEpoch: -1 };
      await waitForAsync(async () => (init = await initProducerId(coordinator, TXN_ID)).errorCode === 0, 10_000, 'InitProducerId answered by the coordinator');
      const { producerId, producerEpoch } = init;
      await waitForAsync(async () => (await addPartitions(coordinator, TXN_ID, producerId, producerEpoch, [{ name: TOPIC, partitions: [0] }]))[`${TOPIC}-0`] === 0, 10_000, 'the partition added');
      // acks=all with both brokers in sync: the follower has the batch when this answers.
      await waitForAsync(async () => (await produceTransactional(leader, engine, TOPIC, 0, producerId, producerEpoch, 0, 2, -1)) === 0, 10_000, 'the transactional produce');
      expect(await readCommitted(leader)).toMatchObject({ highWatermark: 2, lastStableOffset: 0, baseOffsets: [] });

      await nodes.find((n) => n.id === leaderId)!.proc!.stop();
      leader.close();
      leader = await RawClient.connect(portOf(coordinatorId));
      let seen = await readCommitted(leader);
      await waitForAsync(async () => (seen = await readCommitted(leader)).errorCode === 0, 20_000, 'the follower leading the partition');
      expect(seen).toMatchObject({ lastStableOffset: 0, baseOffsets: [] });

      expect(await endTxn(coordinator, TXN_ID, producerId, producerEpoch, false)).toBe(0);
      await waitForState(coordinator, TXN_ID, 'CompleteAbort', 15_000);
      await waitForAsync(async () => (seen = await readCommitted(leader)).lastStableOffset === 3, 10_000, 'the LSO past the marker');
      expect(seen).toMatchObject({ highWatermark: 3, baseOffsets: [0, 2], aborted: [{ producerId, firstOffset: 0 }] });
    } finally {
      leader.close();
      coordinator.close();
    }
  }, 90_000);
});
