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
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createEngine } from '../../src/engine/index.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';
import { addOffsets, addPartitions, endTxn, fetchBatches, fetchCommitted, findTxnCoordinator, initProducerId, produceTransactional, txnOffsetCommit, waitForState } from './txn-raw.js';

const TXN_ID = 'cluster-app';
const TOPIC = 'ct';

describe('cluster: the coordinator writes markers on another broker with WriteTxnMarkers', () => {
  let zk: ZooKeeperServer;
  const nodes = [1, 2].map((id) => ({ id, dir: makeTempDir(`gregor-txn${id}-`), proc: null as BrokerProcess | null }));
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
        '-o', 'offsets.topic.num.partitions=4',
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

  it('commits a transaction whose partition another broker leads', async () => {
    const leaderId = nodes.find((n) => n.id !== coordinatorId)!.id;
    const kafka = new Kafka({ clientId: 'txn-cluster', brokers: nodes.map((n) => `127.0.0.1:${n.proc!.port}`), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [leaderId] }] }] });
    await admin.disconnect();

    const coordinator = await RawClient.connect(portOf(coordinatorId));
    const leader = await RawClient.connect(portOf(leaderId));
    const engine = createEngine('js');
    try {
      let init = { errorCode: -1, producerId: -1, producerEpoch: -1 };
    await waitForAsync(async () => (init = await initProducerId(coordinator, TXN_ID)).errorCode === 0, 10_000, 'InitProducerId answered by the coordinator');
    const { producerId, producerEpoch } = init;
      expect(producerId).toBeGreaterThanOrEqual(0);
      await waitForAsync(async () => (await addPartitions(coordinator, TXN_ID, producerId, producerEpoch, [{ name: TOPIC, partitions: [0] }]))[`${TOPIC}-0`] === 0, 10_000, 'the partition added');
      await waitForAsync(async () => (await produceTransactional(leader, engine, TOPIC, 0, producerId, producerEpoch, 0)) === 0, 10_000, 'the transactional produce');
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

  it('TxnOffsetCommit on a group coordinator that is not the transaction coordinator: pending until WriteTxnMarkers brings the COMMIT marker', async () => {
    const groupBrokerId = nodes.find((n) => n.id !== coordinatorId)!.id;
    const kafka = new Kafka({ clientId: 'txn-cluster-offsets', brokers: nodes.map((n) => `127.0.0.1:${n.proc!.port}`), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // The consumed topic lives only on the transaction coordinator's broker, not on the group's.
    await admin.createTopics({ topics: [{ topic: 'ct-in', replicaAssignment: [{ partition: 0, replicas: [coordinatorId] }] }] });
    await admin.disconnect();
    const coordinator = await RawClient.connect(portOf(coordinatorId));
    const groupBroker = await RawClient.connect(portOf(groupBrokerId));
    try {
      // A group whose __consumer_offsets partition the other broker leads.
      let group = '';
      await waitForAsync(async () => {
        for (let i = 0; i < 40; i++) {
          const found = (await coordinator.request(10, 4, { keyType: 0, coordinatorKeys: [`ctp-${i}`] })).coordinators[0];
          if (found.errorCode === ErrorCode.NONE && found.nodeId === groupBrokerId) {
            group = `ctp-${i}`;
            return true;
          }
        }
        return false;
      }, 20_000, 'a group coordinated by the other broker');
      let init = { errorCode: -1, producerId: -1, producerEpoch: -1 };
      await waitForAsync(async () => (init = await initProducerId(coordinator, 'cluster-ctp')).errorCode === 0, 10_000, 'InitProducerId');
      const { producerId, producerEpoch } = init;
      await waitForAsync(async () => (await addOffsets(coordinator, 'cluster-ctp', producerId, producerEpoch, group)) === 0, 10_000, 'AddOffsetsToTxn');
      expect(await txnOffsetCommit(groupBroker, 3, { transactionalId: 'cluster-ctp', groupId: group, producerId, producerEpoch, topics: [{ name: 'ct-in', partitions: [{ partitionIndex: 0, committedOffset: 42 }] }] })).toEqual({ 'ct-in-0': 0 });
      expect(await fetchCommitted(groupBroker, group, 'ct-in', 0, true)).toEqual({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1 });
      expect(await fetchCommitted(groupBroker, group, 'ct-in', 0, false)).toEqual({ errorCode: 0, committedOffset: -1 });
      expect(await endTxn(coordinator, 'cluster-ctp', producerId, producerEpoch, true)).toBe(0);
      await waitForState(coordinator, 'cluster-ctp', 'CompleteCommit', 15_000);
      expect(await fetchCommitted(groupBroker, group, 'ct-in', 0, true)).toEqual({ errorCode: 0, committedOffset: 42 });
    } finally {
      coordinator.close();
      groupBroker.close();
    }
  }, 60_000);
});
