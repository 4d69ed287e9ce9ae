/**
 * The controller and metadata cache against a real ZooKeeper: three broker sessions
 * register, one becomes controller; a topic's partitions get leaders; a broker's session
 * ending moves its leaderships to ISR members with a bumped leader epoch; the controller's
 * own session ending elects another, which keeps doing the job; a stale conditional write
 * loses. Replica assignment matches Kafka's own test vector.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../src/cluster/controller.js';
import { MetadataCache } from '../../src/cluster/metadata-cache.js';
import { assignReplicas } from '../../src/cluster/replica-assignment.js';
import { ZkClient, ZkCode, ZkError } from '../../src/cluster/zk-client.js';
import { PERSISTENT_PATHS, ZK_PATHS, encodeBroker, encodePartitionState, encodeTopicAssignment } from '../../src/cluster/zk-paths.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const logger = pino({ level: 'silent' });

interface FakeBroker {
  id: number;
  zk: ZkClient;
  metadata: MetadataCache;
  controller: Controller;
}

describe('controller on a real ZooKeeper', () => {
  let zkServer: ZooKeeperServer;
  const brokers = new Map<number, FakeBroker>();

  async function startBroker(id: number): Promise<FakeBroker> {
    const zk = await ZkClient.connect(zkServer.connectString, 4000, 10_000);
    for (const path of PERSISTENT_PATHS) await zk.mkdirp(path);
    await zk.create(ZK_PATHS.broker(id), encodeBroker({ id, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }], rack: null, websocketPort: -1 }), true);
    const metadata = new MetadataCache(zk, logger);
    await metadata.start();
    const controller = new Controller(zk, id, metadata, logger);
    await controller.elect();
    const broker = { id, zk, metadata, controller };
    brokers.set(id, broker);
    return broker;
  }

  function stopBroker(id: number): void {
    const b = brokers.get(id)!;
    b.controller.close();
    b.metadata.stop();
    b.zk.close();
    brokers.delete(id);
  }

  const controllerOf = () => [...brokers.values()].find((b) => b.controller.isActive);

  beforeAll(async () => {
    zkServer = await startZooKeeper();
    for (const id of [1, 2, 3]) await startBroker(id);
  });
  afterAll(async () => {
    for (const id of [...brokers.keys()]) stopBroker(id);
    await zkServer.stop();
  });

  it('assigns replicas like Kafka (AdminUtils test vector, 5 brokers, 10 partitions, RF 3)', () => {
    expect(assignReplicas(10, 3, [0, 1, 2, 3, 4], 0)).toEqual([
      [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1], [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
    ]);
    expect(() => assignReplicas(1, 4, [1, 2, 3])).toThrow(/INVALID_REPLICATION_FACTOR/);
  });

  it('elects one controller and gives a new topic leaders on every broker view', async () => {
    await waitFor(() => [...brokers.values()].filter((b) => b.controller.isActive).length === 1, 10_000, 'one controller');
    const controller = controllerOf()!;
    expect(controller.controller.epoch).toBeGreaterThanOrEqual(1);
    const zk = brokers.get(1)!.zk;
    await zk.create(ZK_PATHS.topic('orders'), encodeTopicAssignment({ topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: assignReplicas(6, 3, [1, 2, 3], 0) }));
    for (const b of brokers.values()) {
      await waitFor(() => [0, 1, 2, 3, 4, 5].every((p) => b.metadata.state('orders', p)?.isr.length === 3), 10_000, `broker ${b.id} seeing all states`);
      expect(b.metadata.controllerId).toBe(controller.id);
      expect([...b.metadata.brokers.keys()].sort()).toEqual([1, 2, 3]);
    }
    const state = brokers.get(2)!.metadata.state('orders', 0)!;
    expect(state).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3] });
  });

  it('a broker whose session ends loses its leaderships to ISR members, leader epoch + 1', async () => {
    const victim = [1, 2, 3].find((id) => id !== controllerOf()!.id)!;
    const before = new Map([0, 1, 2, 3, 4, 5].map((p) => [p, controllerOf()!.metadata.state('orders', p)!]));
    stopBroker(victim);
    const observer = [...brokers.values()][0]!;
    await waitFor(() => [0, 1, 2, 3, 4, 5].every((p) => !observer.metadata.state('orders', p)!.isr.includes(victim)), 10_000, 'the victim out of every ISR');
    for (let p = 0; p < 6; p++) {
      const s = observer.metadata.state('orders', p)!;
      const was = before.get(p)!;
      if (was.leader === victim) {
        expect(s.leader).not.toBe(victim);
        expect(s.leaderEpoch).toBe(was.leaderEpoch + 1);
      } else {
        expect(s.leader).toBe(was.leader);
      }
      expect(s.isr.includes(s.leader)).toBe(true);
    }
    await startBroker(victim);
  });

  it('the controller itself gone: another is elected and leadership changes still happen', async () => {
    const old = controllerOf()!;
    const oldEpoch = old.controller.epoch;
    stopBroker(old.id);
    await waitFor(() => controllerOf() !== undefined, 10_000, 'a new controller');
    const fresh = controllerOf()!;
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.controller.epoch).toBe(oldEpoch + 1);
    await waitFor(() => [0, 1, 2, 3, 4, 5].every((p) => !fresh.metadata.state('orders', p)!.isr.includes(old.id)), 10_000, 'the old controller out of every ISR');
    // And once more: the new controller handles the next failure too. A partition whose ISR
    // holds the survivor moves to it; one whose ISR does not goes offline (leader -1, ISR
    // kept), since unclean.leader.election.enable is false.
    const next = [...brokers.keys()].find((id) => id !== fresh.id)!;
    const isrBefore = new Map([0, 1, 2, 3, 4, 5].map((p) => [p, fresh.metadata.state('orders', p)!.isr]));
    stopBroker(next);
    const expected = (p: number) => (isrBefore.get(p)!.includes(fresh.id) ? fresh.id : isrBefore.get(p)!.includes(next) ? -1 : fresh.metadata.state('orders', p)!.leader);
    await waitFor(() => [0, 1, 2, 3, 4, 5].every((p) => fresh.metadata.state('orders', p)!.leader === expected(p)), 10_000, 'leaders moved to the survivor or offline');
    for (let p = 0; p < 6; p++) {
      const s = fresh.metadata.state('orders', p)!;
      if (s.leader === -1) expect(s.isr).toEqual(isrBefore.get(p));
      else expect(s.isr).toContain(s.leader);
    }
  });

  it('a conditional write at a stale version loses (BAD_VERSION)', async () => {
    const b = [...brokers.values()][0]!;
    const path = ZK_PATHS.partitionState('orders', 0);
    const node = (await b.zk.getData(path))!;
    await b.zk.setData(path, node.data, node.version);
    const stale = b.zk.setData(path, encodePartitionState({ controllerEpoch: 0, leader: 99, leaderEpoch: 99, isr: [99] }), node.version);
    await expect(stale).rejects.toBeInstanceOf(ZkError);
    await expect(stale).rejects.toMatchObject({ code: ZkCode.BAD_VERSION });
  });
});
