/**
 * Transactions in a 2-broker cluster on a real ZooKeeper, the coordinator and the partition
 * leader on different brokers: `__transaction_state` (1 partition) is created by
 * FindCoordinator(TRANSACTION) and led by one broker, the topic written in the transaction is
 * placed on the other; EndTxn on the coordinator ends with the COMMIT marker on that
 * partition — which only WriteTxnMarkers to its leader can write — and CompleteCommit.
 * A TxnOffsetCommit to a group coordinated by the other broker, for a partition that broker
 * does not hold, stays pending there until WriteTxnMarkers brings the COMMIT marker to its
 * `__consumer_offsets` partition.
 * A transactional Produce to the leader for a partition never added to the transaction is
 * refused after the leader asks the coordinator on the other broker (KIP-890, AddPartitionsToTxn
 * v4 verifyOnly).
 * WriteTxnMarkers from a client without CLUSTER_ACTION is not tested here (no authorizer).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { waitForAsync } from '../helpers/wait.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { API, TRANSACTIONAL, addOffsets, addPartitions, endTxn, fetchBatches, fetchCommitted, initProducerId, openTransaction, txnOffsetCommit, waitForState, waitForTxnCoordinator } from './txn-raw.js';

const TXN_ID = 'cluster-app';
const TOPIC = 'ct';

describe('cluster: the coordinator writes markers on another broker with WriteTxnMarkers', () => {
  let cluster: ProcessCluster;
  let coordinatorId = -1;

  beforeAll(async () => {
    cluster = await ProcessCluster.start([1, 2], [
      'zookeeper.session.timeout.ms=15000', 'replica.fetch.wait.max.ms=100',
      'transaction.state.log.num.partitions=1', 'transaction.state.log.replication.factor=1',
      'offsets.topic.num.partitions=4',
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

  it('TxnOffsetCommit on a group coordinator that is not the transaction coordinator: pending until WriteTxnMarkers brings the COMMIT marker', async () => {
    const groupBrokerId = coordinatorId === 1 ? 2 : 1;
    const kafka = new Kafka({ clientId: 'txn-cluster-offsets', brokers: cluster.bootstrap(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // The consumed topic lives only on the transaction coordinator's broker, not on the group's.
    await admin.createTopics({ topics: [{ topic: 'ct-in', replicaAssignment: [{ partition: 0, replicas: [coordinatorId] }] }] });
    await admin.disconnect();
    const coordinator = await RawClient.connect(cluster.portOf(coordinatorId));
    const groupBroker = await RawClient.connect(cluster.portOf(groupBrokerId));
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

  it('KIP-890: the leader verifies a transaction\'s first batch with the coordinator on the other broker (AddPartitionsToTxn v4)', async () => {
    const leaderId = coordinatorId === 1 ? 2 : 1;
    const kafka = new Kafka({ clientId: 'txn-cluster-verify', brokers: cluster.bootstrap(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ct-verify', replicaAssignment: [{ partition: 0, replicas: [leaderId] }] }] });
    await admin.disconnect();
    const coordinator = await RawClient.connect(cluster.portOf(coordinatorId));
    const leader = await RawClient.connect(cluster.portOf(leaderId));
    const engine = createEngine('js');
    const produce = async (producerId: number, producerEpoch: number, baseSequence: number) => {
      const records = engine.encodeRecordBatch([{ key: null, value: Buffer.from(`v${baseSequence}`) }], { producerId, producerEpoch, baseSequence, attributes: TRANSACTIONAL });
      const res = await leader.request(API.PRODUCE, 9, createProduceRequest({ transactionalId: TXN_ID, acks: -1, timeoutMs: 5_000, topicData: [{ name: 'ct-verify', partitionData: [{ index: 0, records }] }] }));
      return res.responses[0].partitionResponses[0].errorCode as number;
    };
    try {
      let init = { errorCode: -1, producerId: -1, producerEpoch: -1 };
      await waitForAsync(async () => (init = await initProducerId(coordinator, TXN_ID)).errorCode === 0, 10_000, 'InitProducerId');
      const { producerId, producerEpoch } = init;
      await waitForAsync(async () => (await produce(producerId, producerEpoch, 0)) === ErrorCode.INVALID_TXN_STATE, 10_000, 'INVALID_TXN_STATE for a partition not added');
      expect(await fetchBatches(leader, 'ct-verify', 0)).toEqual([]);
      await waitForAsync(async () => (await addPartitions(coordinator, TXN_ID, producerId, producerEpoch, [{ name: 'ct-verify', partitions: [0] }]))['ct-verify-0'] === 0, 10_000, 'the partition added');
      expect(await produce(producerId, producerEpoch, 0)).toBe(0);
      expect(await endTxn(coordinator, TXN_ID, producerId, producerEpoch, false)).toBe(0);
      await waitForState(coordinator, TXN_ID, 'CompleteAbort', 15_000);
      expect((await fetchBatches(leader, 'ct-verify', 0)).map((b) => b.controlType)).toEqual([null, 0]);
    } finally {
      coordinator.close();
      leader.close();
    }
  }, 60_000);
});
