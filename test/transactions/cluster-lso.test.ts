/**
 * A follower tracks the open transactions of what it replicates: in a 2-broker cluster on a
 * real ZooKeeper, a transaction is left open on a partition replicated to both brokers; the
 * leader stops (SIGTERM: controlled shutdown); the follower, now leader, holds the last stable
 * offset at the transaction's first offset (read_committed Fetch and ListOffsets), and once
 * the coordinator aborts the transaction there the LSO moves past the marker and read_committed
 * fetches list the aborted transaction (the new leader's `.txnindex`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { createFetchRequest } from '../../src/protocol/generated/index.js';
import { wholeBatches } from '../../src/storage/batch-header.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitForAsync } from '../helpers/wait.js';
import { endTxn, openTransaction, waitForState, waitForTxnCoordinator } from './txn-raw.js';

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
  let cluster: ProcessCluster;
  let coordinatorId = -1;

  beforeAll(async () => {
    cluster = await ProcessCluster.start([1, 2], [
      'zookeeper.session.timeout.ms=15000', 'replica.fetch.wait.max.ms=100',
      'transaction.state.log.num.partitions=1', 'transaction.state.log.replication.factor=1', 'min.insync.replicas=1',
    ], 'gregor-lso');
    coordinatorId = await waitForTxnCoordinator(cluster.portOf(1), TXN_ID);
  }, 60_000);

  afterAll(() => cluster?.close());

  it('the follower, made leader, holds the LSO at the open transaction, then lists its abort', async () => {
    const leaderId = coordinatorId === 1 ? 2 : 1;
    const admin = await RawClient.connect(cluster.portOf(coordinatorId));
    const created = await admin.request(19, 4, { topics: [{ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [leaderId, coordinatorId] }], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    expect(created.topics[0].errorCode).toBe(0);

    const coordinator = admin;
    let leader = await RawClient.connect(cluster.portOf(leaderId));
    const engine = createEngine('js');
    try {
      // acks=all with both brokers in sync: the follower has the batch when this answers.
      const { producerId, producerEpoch } = await openTransaction(coordinator, leader, engine, TXN_ID, TOPIC);
      expect(await readCommitted(leader)).toMatchObject({ highWatermark: 2, lastStableOffset: 0, baseOffsets: [] });

      await cluster.stopBroker(leaderId);
      leader.close();
      leader = await RawClient.connect(cluster.portOf(coordinatorId));
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
