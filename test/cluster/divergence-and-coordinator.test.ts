/**
 * Cluster scenarios with real ZooKeeper and broker processes:
 *  - divergence (KIP-101/279): a leader takes acks=1 writes its followers never got (they are
 *    paused), dies; a follower leads a new epoch; the old leader comes back, truncates what
 *    diverged, catches up, and every replica's log file is byte-for-byte the same;
 *  - group coordinator failover: the broker coordinating a KafkaJS consumer group is killed;
 *    the coordinator moves with the __consumer_offsets leadership, the group carries on, and
 *    committed offsets survive;
 *  - CreatePartitions grows a replicated topic across the cluster.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createFindCoordinatorRequest, createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { kcat } from '../helpers/kcat.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const SESSION_TIMEOUT_MS = 2_000;

interface Node {
  id: number;
  dir: { path: string; remove: () => void };
  proc: BrokerProcess | null;
}

describe('cluster: divergence, coordinator failover, CreatePartitions', () => {
  let zk: ZooKeeperServer;
  const nodes: Node[] = [1, 2, 3].map((id) => ({ id, dir: makeTempDir(`gregor-div${id}-`), proc: null }));
  const engine = createEngine('js');

  const start = async (n: Node) => {
    n.proc = await spawnBroker([
      '--port', '0', '--log-dirs', n.dir.path,
      '-o', `node.id=${n.id}`, '-o', `zookeeper.connect=${zk.connectString}`,
      '-o', `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}`, '-o', 'replica.lag.time.max.ms=10000',
      '-o', 'replica.fetch.wait.max.ms=100', '-o', 'listeners=PLAINTEXT://127.0.0.1:0',
      '-o', 'group.initial.rebalance.delay.ms=0', '-o', 'offsets.topic.num.partitions=3',
      '-o', 'group.min.session.timeout.ms=1000', '-o', 'gregor.websocket.port=-1',
    ]);
  };
  const live = () => nodes.filter((n) => n.proc !== null);
  const byId = (id: number) => nodes.find((n) => n.id === id)!;
  const bootstrap = () => live().map((n) => `127.0.0.1:${n.proc!.port}`);

  async function withClient<T>(fn: (c: RawClient) => Promise<T>): Promise<T> {
    for (const n of live()) {
      let c: RawClient | null = null;
      try {
        c = await RawClient.connect(n.proc!.port);
        return await fn(c);
      } catch {
        /* the next broker */
      } finally {
        c?.close();
      }
    }
    throw new Error('no live broker answered');
  }
  const partitionState = (topic: string, partition: number) =>
    withClient(async (c) => {
      const res = await c.request(3, 12, createMetadataRequest({ topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
      const p = res.topics[0].partitions.find((x: { partitionIndex: number }) => x.partitionIndex === partition);
      return { leader: p.leaderId as number, isr: p.isrNodes as number[], epoch: p.leaderEpoch as number };
    });

  const produce = (port: number, topic: string, acks: number, values: string[]) =>
    RawClient.connect(port).then(async (c) => {
      try {
        const res = await c.request(0, 9, createProduceRequest({ acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: engine.encodeRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) }))) }] }] }));
        return res.responses[0].partitionResponses[0].errorCode as number;
      } finally {
        c.close();
      }
    });

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const n of nodes) await start(n);
  });
  afterAll(async () => {
    for (const n of nodes) {
      n.proc?.child.kill('SIGCONT');
      await n.proc?.stop('SIGKILL');
      n.dir.remove();
    }
    await zk.stop();
  });

  it('a returning old leader truncates what diverged; all replicas end identical', async () => {
    const kafka = new Kafka({ clientId: 'div', brokers: bootstrap(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'div', numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    await waitForAsync(async () => (await partitionState('div', 0)).isr.length === 3, 10_000, 'a full ISR');
    const { leader } = await partitionState('div', 0);
    const oldLeader = byId(leader);
    const followers = nodes.filter((n) => n.id !== leader);
    expect(await produce(oldLeader.proc!.port, 'div', -1, Array.from({ length: 100 }, (_, i) => `committed-${i}`))).toBe(ErrorCode.NONE);

    // Followers paused (shorter than their session and lag timeouts): acks=1 writes reach only the leader.
    for (const f of followers) f.proc!.child.kill('SIGSTOP');
    // A follower fetch parked on the leader would still be answered into the stopped
    // process's socket buffer: wait until such fetches have timed out (replica.fetch.wait.max.ms).
    await new Promise((r) => setTimeout(r, 400));
    expect(await produce(oldLeader.proc!.port, 'div', 1, Array.from({ length: 50 }, (_, i) => `diverged-${i}`))).toBe(ErrorCode.NONE);
    await oldLeader.proc!.stop('SIGKILL');
    oldLeader.proc = null;
    for (const f of followers) f.proc!.child.kill('SIGCONT');

    await waitForAsync(async () => {
      const s = await partitionState('div', 0);
      return s.leader !== leader && s.leader >= 0;
    }, 10_000, 'a new leader from the followers');
    const newLeader = byId((await partitionState('div', 0)).leader);
    expect(await produce(newLeader.proc!.port, 'div', -1, Array.from({ length: 30 }, (_, i) => `new-epoch-${i}`))).toBe(ErrorCode.NONE);

    await start(oldLeader);
    await waitForAsync(async () => (await partitionState('div', 0)).isr.length === 3, 20_000, 'the old leader back in the ISR');
    const logOf = (n: Node) => readFileSync(join(n.dir.path, 'div-0', '00000000000000000000.log'));
    await waitFor(() => logOf(oldLeader).equals(logOf(newLeader)), 10_000, 'the old leader\'s log equal to the new leader\'s');
    for (const f of followers) expect(logOf(f).equals(logOf(newLeader))).toBe(true);
    const { stdout } = await kcat(['-C', '-b', bootstrap().join(','), '-t', 'div', '-p', '0', '-o', 'beginning', '-e', '-f', '%s\n']);
    const values = stdout.toString().trim().split('\n');
    expect(values).toHaveLength(130);
    expect(values.some((v) => v.startsWith('diverged-'))).toBe(false);
    expect(values.slice(100)).toEqual(Array.from({ length: 30 }, (_, i) => `new-epoch-${i}`));
  });

  it('the group coordinator broker killed: the group carries on and its offsets survive', async () => {
    const kafka = new Kafka({ clientId: 'coord', brokers: bootstrap(), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'grouped', numPartitions: 3, replicationFactor: 3 }] });
    const producer = kafka.producer();
    await producer.connect();
    const send = (from: number, n: number) => producer.send({ topic: 'grouped', acks: -1, messages: Array.from({ length: n }, (_, i) => ({ partition: (from + i) % 3, value: `g${from + i}` })) });
    await send(0, 300);

    const seen = new Set<string>();
    const consumer = kafka.consumer({ groupId: 'survivors', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    await consumer.connect();
    await consumer.subscribe({ topic: 'grouped', fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await waitFor(() => seen.size === 300, 30_000, 'the first 300 records');
    await new Promise((r) => setTimeout(r, 500)); // an auto-commit after them

    const coordinatorId = await withClient(async (c) => (await c.request(10, 3, createFindCoordinatorRequest({ key: 'survivors', keyType: 0 }))).nodeId as number);
    const victim = byId(coordinatorId);
    await victim.proc!.stop('SIGKILL');
    victim.proc = null;
    await waitForAsync(async () => {
      const id = await withClient(async (c) => (await c.request(10, 3, createFindCoordinatorRequest({ key: 'survivors', keyType: 0 }))).nodeId as number);
      return id !== coordinatorId && id >= 0;
    }, 15_000, 'a new coordinator');

    await send(300, 300);
    await waitFor(() => seen.size === 600, 60_000, 'all 600 records through the coordinator failover');
    await new Promise((r) => setTimeout(r, 500));
    await consumer.disconnect();
    const committed = (await admin.fetchOffsets({ groupId: 'survivors', topics: ['grouped'] }))[0]!.partitions;
    expect(committed.map((p) => Number(p.offset)).reduce((a, b) => a + b, 0)).toBe(600);
    await producer.disconnect();
    await admin.disconnect();
    await start(victim);
  });

  it('CreatePartitions grows a replicated topic across the cluster', async () => {
    const kafka = new Kafka({ clientId: 'grow', brokers: bootstrap(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2, replicationFactor: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 5 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ['growing'] });
    expect(meta.topics[0]!.partitions).toHaveLength(5);
    for (const p of meta.topics[0]!.partitions) {
      expect(p.replicas).toHaveLength(2);
      expect(p.leader).toBeGreaterThan(0);
    }
    // KafkaJS may briefly cache controller -1 just after a broker restart (its own metadata
    // window, KafkaJSBrokerNotFound): retry that client-side condition only.
    let refused: unknown;
    for (let i = 0; i < 20; i++) {
      refused = await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 3 }] }).then(() => null, (e: unknown) => e);
      if ((refused as { name?: string } | null)?.name !== 'KafkaJSBrokerNotFound') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(refused).toMatchObject({ type: 'INVALID_PARTITIONS' });
    await admin.disconnect();
  });
});
