/**
 * A coordinator that fails over after Prepare* finishes the job: two broker processes on a
 * real ZooKeeper, `__transaction_state` (1 partition) replicated on both. The transaction's
 * partition lives on the broker that is not the coordinator and needs 2 in-sync replicas
 * (it has 1), so the markers cannot be written and the transaction stays in PrepareCommit.
 * The coordinator is killed with -9; the other broker becomes leader of
 * `__transaction_state-0`, loads PrepareCommit and retries the markers; once the topic's
 * `min.insync.replicas` is lowered to 1 the COMMIT marker is written and CompleteCommit logged.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitForAsync } from '../helpers/wait.js';
import { describeTxn, endTxn, fetchBatches, openTransaction, waitForState, waitForTxnCoordinator } from './txn-raw.js';

const TXN_ID = 'failover-app';
const TOPIC = 'fo';

describe('cluster: a new coordinator finishes a PrepareCommit', () => {
  let cluster: ProcessCluster;
  let coordinatorId = -1;

  beforeAll(async () => {
    cluster = await ProcessCluster.start([1, 2], [
      'zookeeper.session.timeout.ms=3000', 'replica.fetch.wait.max.ms=100', 'replica.lag.time.max.ms=30000',
      'transaction.state.log.num.partitions=1', 'transaction.state.log.replication.factor=2', 'transaction.state.log.min.isr=1',
    ], 'gregor-txnfo');
    coordinatorId = await waitForTxnCoordinator(cluster.portOf(1), TXN_ID);
    await waitForAsync(async () => {
      const meta = await RawClient.requestOnce(cluster.portOf(1), 3, 12, { topics: [{ name: '__transaction_state', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      return meta.topics[0].partitions[0]?.isrNodes.length === 2;
    }, 20_000, 'both replicas of __transaction_state in sync');
  }, 60_000);

  afterAll(() => cluster?.close());

  it('kill -9 the coordinator between PrepareCommit and CompleteCommit: the other broker writes the markers', async () => {
    const survivorId = coordinatorId === 1 ? 2 : 1;
    const kafka = new Kafka({ clientId: 'txn-failover', brokers: [`127.0.0.1:${cluster.portOf(survivorId)}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [survivorId] }], configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });

    const engine = createEngine('js');
    const coordinator = await RawClient.connect(cluster.portOf(coordinatorId));
    const leader = await RawClient.connect(cluster.portOf(survivorId));
    const { producerId, producerEpoch } = await openTransaction(coordinator, leader, engine, TXN_ID, TOPIC, 0, 1);
    expect(await endTxn(coordinator, TXN_ID, producerId, producerEpoch, true)).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await describeTxn(coordinator, TXN_ID)).transactionState).toBe('PrepareCommit');
    coordinator.close();
    await cluster.stopBroker(coordinatorId, 'SIGKILL');

    await waitForAsync(async () => (await describeTxn(leader, TXN_ID)).transactionState === 'PrepareCommit', 20_000, 'the survivor coordinating the loaded PrepareCommit');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries: [{ name: 'min.insync.replicas', value: '1' }] }] });
    await admin.disconnect();
    await waitForState(leader, TXN_ID, 'CompleteCommit', 20_000);
    expect((await fetchBatches(leader, TOPIC, 0)).map((b) => b.controlType)).toEqual([null, 1]);
    leader.close();
  }, 90_000);
});
