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
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';
import { addPartitions, describeTxn, endTxn, fetchBatches, findTxnCoordinator, initProducerId, produceTransactional, waitForState } from './txn-raw.js';

const TXN_ID = 'failover-app';
const TOPIC = 'fo';

describe('cluster: a new coordinator finishes a PrepareCommit', () => {
  let zk: ZooKeeperServer;
  const nodes = [1, 2].map((id) => ({ id, dir: makeTempDir(`gregor-txnfo${id}-`), proc: null as BrokerProcess | null }));
  const portOf = (id: number) => nodes.find((n) => n.id === id)!.proc!.port;
  let coordinatorId = -1;

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const n of nodes) {
      n.proc = await spawnBroker([
        '--port', '0', '--log-dirs', n.dir.path,
        '-o', `node.id=${n.id}`, '-o', `zookeeper.connect=${zk.connectString}`,
        '-o', 'zookeeper.session.timeout.ms=3000', '-o', 'replica.fetch.wait.max.ms=100', '-o', 'replica.lag.time.max.ms=30000',
        '-o', 'listeners=PLAINTEXT://127.0.0.1:0', '-o', 'gregor.websocket.port=-1',
        '-o', 'transaction.state.log.num.partitions=1', '-o', 'transaction.state.log.replication.factor=2', '-o', 'transaction.state.log.min.isr=1',
      ]);
    }
    await waitForAsync(async () => {
      const c = await RawClient.connect(nodes[0]!.proc!.port);
      try {
        const found = await findTxnCoordinator(c, TXN_ID);
        if (found.errorCode !== ErrorCode.NONE) return false;
        coordinatorId = found.nodeId;
        const meta = await c.request(3, 12, { topics: [{ name: '__transaction_state', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        return meta.topics[0].partitions[0]?.isrNodes.length === 2;
      } finally {
        c.close();
      }
    }, 20_000, 'a transaction coordinator with both replicas in sync');
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) await n.proc?.stop('SIGKILL');
    await zk?.stop();
    for (const n of nodes) n.dir.remove();
  });

  it('kill -9 the coordinator between PrepareCommit and CompleteCommit: the other broker writes the markers', async () => {
    const survivorId = nodes.find((n) => n.id !== coordinatorId)!.id;
    const kafka = new Kafka({ clientId: 'txn-failover', brokers: [`127.0.0.1:${portOf(survivorId)}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [survivorId] }], configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });

    const engine = createEngine('js');
    const coordinator = await RawClient.connect(portOf(coordinatorId));
    const leader = await RawClient.connect(portOf(survivorId));
    let init = { errorCode: -1, producerId: -1, producerEpoch: -1 };
    await waitForAsync(async () => (init = await initProducerId(coordinator, TXN_ID)).errorCode === 0, 10_000, 'InitProducerId answered by the coordinator');
    const { producerId, producerEpoch } = init;
    await waitForAsync(async () => (await addPartitions(coordinator, TXN_ID, producerId, producerEpoch, [{ name: TOPIC, partitions: [0] }]))[`${TOPIC}-0`] === 0, 10_000, 'the partition added');
    await waitForAsync(async () => (await produceTransactional(leader, engine, TOPIC, 0, producerId, producerEpoch, 0, 2, 1)) === 0, 10_000, 'the transactional produce');
    expect(await endTxn(coordinator, TXN_ID, producerId, producerEpoch, true)).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await describeTxn(coordinator, TXN_ID)).transactionState).toBe('PrepareCommit');
    coordinator.close();
    await nodes.find((n) => n.id === coordinatorId)!.proc!.stop('SIGKILL');

    await waitForAsync(async () => (await describeTxn(leader, TXN_ID)).transactionState === 'PrepareCommit', 20_000, 'the survivor coordinating the loaded PrepareCommit');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries: [{ name: 'min.insync.replicas', value: '1' }] }] });
    await admin.disconnect();
    await waitForState(leader, TXN_ID, 'CompleteCommit', 20_000);
    expect((await fetchBatches(leader, TOPIC, 0)).map((b) => b.controlType)).toEqual([null, 1]);
    leader.close();
  }, 90_000);
});
