/**
 * WebSocket subscriptions in cluster mode (a real ZooKeeper; broker 1 in this process with
 * its gateway, broker 2 a separate process): a topic of two partitions replicated on both,
 * one led by each broker.
 * With the follower paused (SIGSTOP), acks=1 records reach only the leader's log: the high
 * watermark stays below the log end offset, and a subscriber is pushed only the committed
 * records below it (as Kafka's Fetch serves consumers), never the ones a failover could
 * truncate. Once the follower resumes and catches up, the high watermark moves and the rest
 * is pushed. A subscribe to the partition broker 2 leads fails NOT_LEADER_OR_FOLLOWER on
 * broker 1's gateway, and so do fetch and listOffsets; a subscription on broker 1 ends with
 * NOT_LEADER_OR_FOLLOWER once its partition's leadership moves to broker 2 (ControlledShutdown).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanBatches } from '../../src/gateway/batch-scan.js';
import { createControlledShutdownRequest } from '../../src/protocol/generated/index.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';
import { RawSocket, type Received } from './raw-socket.js';

const TOPIC = 'hw-bound';

describe('WebSocket subscriptions in cluster mode', () => {
  let zk: ZooKeeperServer;
  let leader: TestBroker;
  let follower: BrokerProcess | null = null;
  const followerDir = makeTempDir('gregor-ws-follower-');
  let socket: RawSocket | null = null;
  let kafka: Kafka;
  /** The partition broker 1 leads, and the one broker 2 leads. */
  let mine = -1;
  let theirs = -1;

  beforeAll(async () => {
    zk = await startZooKeeper();
    const common = { 'zookeeper.connect': zk.connectString, 'replica.lag.time.max.ms': 20_000, 'replica.fetch.wait.max.ms': 100, 'offsets.topic.num.partitions': 1 };
    leader = await startTestBroker({ properties: { 'node.id': 1, ...common } });
    follower = await spawnBroker([
      '--port', '0', '--log-dirs', followerDir.path, '-o', 'node.id=2', '-o', 'listeners=PLAINTEXT://127.0.0.1:0', '-o', 'gregor.websocket.port=-1',
      ...Object.entries(common).flatMap(([k, v]) => ['-o', `${k}=${v}`]),
    ]);
    kafka = new Kafka({ clientId: 'ws-cluster-subs', brokers: [leader.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(() => leader.broker.cluster!.metadata.brokers.size === 2, 20_000, 'both brokers registered');
    // Two partitions on two brokers: the assignment gives each broker the lead of one.
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 2 }] });
    await admin.disconnect();
    const replicas = leader.broker.replicas!;
    const roles = () => [0, 1].map((p) => replicas.replica(TOPIC, p)?.role);
    await waitFor(() => roles().includes('leader') && roles().includes('follower'), 20_000, 'broker 1 leading one partition and following the other');
    mine = roles().indexOf('leader');
    theirs = 1 - mine;
    await waitFor(() => replicas.replica(TOPIC, mine)!.isr.length === 2, 20_000, 'both replicas of broker 1\'s partition in sync');
    socket = await RawSocket.open(leader.broker.websocketPort);
  }, 60_000);
  afterAll(async () => {
    socket?.close();
    follower?.child.kill('SIGCONT');
    await follower?.stop('SIGKILL');
    await leader?.stop();
    await zk?.stop();
    followerDir.remove();
  });

  /** Offsets pushed to the subscription so far (first and last of every push). */
  const pushed = () =>
    socket!.frames
      .filter((f: Received) => f.type === 'records' && f.partition === mine)
      .map((f: Received) => {
        const span = scanBatches(f.batches as Uint8Array);
        return { last: span.lastOffset, records: span.recordCount, highWatermark: f.highWatermark as number };
      });

  it('pushes only records below the high watermark, the rest once it moves', async () => {
    const log = leader.broker.logs.partition(TOPIC, mine)!;
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: [0, 1, 2].map((i) => ({ partition: mine, value: `committed-${i}` })) });
      expect(log.highWatermark).toBe(3);

      // The follower paused: acks=1 writes land on the leader alone, above the high watermark.
      follower!.child.kill('SIGSTOP');
      // A follower fetch parked on the leader is still answered (replica.fetch.wait.max.ms): let it go by.
      await new Promise((r) => setTimeout(r, 400));
      await producer.send({ topic: TOPIC, acks: 1, messages: [0, 1].map((i) => ({ partition: mine, value: `uncommitted-${i}` })) });
      expect(log.logEndOffset).toBe(5);
      expect(log.highWatermark).toBe(3);

      const sub = await socket!.request('subscribe', { topic: TOPIC, partition: mine, offset: -2, credit: 1024 * 1024 });
      expect(sub).toMatchObject({ type: 'result', offset: 0, highWatermark: 3 });
      await waitFor(() => pushed().reduce((n, p) => n + p.records, 0) >= 3, 10_000, 'the committed records pushed');
      // A while for any push of the records above the high watermark (there must be none).
      await new Promise((r) => setTimeout(r, 500));
      expect(log.highWatermark).toBe(3);
      expect(pushed().reduce((n, p) => n + p.records, 0)).toBe(3);
      expect(Math.max(...pushed().map((p) => p.last))).toBe(2);

      // The follower back: it fetches the two records, the high watermark moves, they are pushed.
      follower!.child.kill('SIGCONT');
      await waitFor(() => log.highWatermark === 5, 20_000, 'the high watermark at the log end');
      await waitFor(() => pushed().reduce((n, p) => n + p.records, 0) >= 5, 10_000, 'the rest pushed after the high watermark moved');
      expect(pushed().reduce((n, p) => n + p.records, 0)).toBe(5);
      expect(pushed().at(-1)).toMatchObject({ last: 4, highWatermark: 5 });
    } finally {
      follower!.child.kill('SIGCONT');
      await producer.disconnect();
    }
  });

  it('a partition led by another broker: subscribe, fetch and listOffsets fail NOT_LEADER_OR_FOLLOWER', async () => {
    const notLeader = { type: 'error', code: 6, name: 'NOT_LEADER_OR_FOLLOWER' };
    expect(await socket!.request('subscribe', { topic: TOPIC, partition: theirs, offset: -2, credit: 1024 })).toMatchObject(notLeader);
    expect(await socket!.request('fetch', { topic: TOPIC, partition: theirs, offset: -2 })).toMatchObject(notLeader);
    expect(await socket!.request('listOffsets', { topic: TOPIC, partition: theirs, timestamp: -1 })).toMatchObject(notLeader);
    expect(await socket!.request('subscribe', { topic: 'no-such-topic', partition: 0, offset: -2, credit: 1024 })).toMatchObject({ code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('a subscription ends NOT_LEADER_OR_FOLLOWER once its partition is led elsewhere', async () => {
    // ControlledShutdown for broker 1, to whichever broker is the controller: broker 2 takes over its leadership.
    let moved = false;
    for (const port of [leader.broker.port, follower!.port]) {
      const c = await RawClient.connect(port);
      try {
        const res = await c.request(7, 3, createControlledShutdownRequest({ brokerId: 1, brokerEpoch: -1 }));
        if (res.errorCode === 0) moved = true;
      } finally {
        c.close();
      }
    }
    expect(moved).toBe(true);
    await waitFor(() => leader.broker.replicas!.replica(TOPIC, mine)?.role === 'follower', 20_000, 'broker 1 following its former partition');
    const ended = await socket!.waitFor((f) => f.type === 'error' && f.partition === mine, 10_000);
    expect(ended).toMatchObject({ code: 6, name: 'NOT_LEADER_OR_FOLLOWER', topic: TOPIC });
  });
});
