/**
 * Transactions in a 2-broker cluster on a real ZooKeeper, the coordinator and the partition
 * leader on different brokers: `__transaction_state` (1 partition) is created by
 * FindCoordinator(TRANSACTION) and led by one broker, the topic written in the transaction is
 * placed on the other; EndTxn on the coordinator ends with the COMMIT marker on that
 * partition — which only WriteTxnMarkers to its leader can write — and CompleteCommit.
 * WriteTxnMarkers from a client without CLUSTER_ACTION is not tested here (no authorizer).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { endTxn, fetchBatches, openTransaction, waitForState, waitForTxnCoordinator } from './txn-raw.js';

const TXN_ID = 'cluster-app';
const TOPIC = 'ct';

describe('cluster: the coordinator writes markers on another broker with WriteTxnMarkers', () => {
  let cluster: ProcessCluster;
  let coordinatorId = -1;

  beforeAll(async () => {
    cluster = await ProcessCluster.start([1, 2], [
      'zookeeper.session.timeout.ms=15000', 'replica.fetch.wait.max.ms=100',
      'transaction.state.log.num.partitions=1', 'transaction.state.log.replication.factor=1',
    ], 'gregor-txn');
    coordinatorId = await waitForTxnCoordinator(cluster.portOf(1), TXN_ID);
  }, 60_000);

  afterAll(() => cluster?.close());

  it('commits a transaction whose partition another broker leads', async () => {
    const leaderId = coordinatorId === 1 ? 2 : 1;
    const kafka = new Kafka({ clientId: 'txn-cluster', brokers: cluster.bootstrap(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [leaderId] }] }] });
    await admin.disconnect();

    const coordinator = await RawClient.connect(cluster.portOf(coordinatorId));
    const leader = await RawClient.connect(cluster.portOf(leaderId));
    const engine = createEngine('js');
    try {
      const { producerId, producerEpoch } = await openTransaction(coordinator, leader, engine, TXN_ID, TOPIC);
      expect(producerId).toBeGreaterThanOrEqual(0);
      expect(await endTxn(coordinator, TXN_ID, producerId, producerEpoch, true)).toBe(0);
      await waitForState(coordinator, TXN_ID, 'CompleteCommit', 15_000);
      const batches = await fetchBatches(leader, TOPIC, 0);
      expect(batches.map((b) => b.controlType)).toEqual([null, 1]);
      expect(batches[1]).toMatchObject({ producerId, producerEpoch });
    } finally {
      coordinator.close();
      leader.close();
    }
  }, 60_000);
});
