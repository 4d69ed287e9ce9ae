/**
 * Three brokers on a three-server ZooKeeper ensemble (real servers on loopback): killing the
 * ensemble's leader, and then a follower server, changes no partition's leadership (leader
 * epochs stay), keeps every broker registered, and loses no acks=all produce; the killed
 * servers rejoin. The brokers' sessions move to the surviving servers within their timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalZooKeeperEnsemble, startLocalZooKeeperEnsemble } from '../../src/cluster/local-zookeeper.js';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const TOPIC = 'ensemble';
const PARTITIONS = 3;

describe('brokers on a three-server ZooKeeper ensemble', () => {
  let ensemble: LocalZooKeeperEnsemble;
  const brokers: TestBroker[] = [];
  const engine = createEngine('js');
  const state = (p: number) => brokers[0]!.broker.metadata.partition(TOPIC, p)!;
  const epochs = () => Array.from({ length: PARTITIONS }, (_, p) => `${state(p).leader}@${state(p).leaderEpoch}`);

  beforeAll(async () => {
    ensemble = await startLocalZooKeeperEnsemble({ servers: 3 });
    for (const id of [1, 2, 3]) {
      brokers.push(await startTestBroker({
        websocketPort: -1,
        properties: { 'node.id': id, 'zookeeper.connect': ensemble.connectString, 'zookeeper.session.timeout.ms': 10_000, 'replica.fetch.wait.max.ms': 100, 'replica.lag.time.max.ms': 20_000 },
      }));
    }
    await waitFor(() => brokers.every((b) => b.broker.metadata.aliveBrokers().length === 3), 15_000, 'three brokers registered');
    await brokers[0]!.broker.topicAdmin.createTopic({ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, assignment: null, configs: { 'min.insync.replicas': '2' } }, false, 15_000);
    await waitFor(() => Array.from({ length: PARTITIONS }, (_, p) => state(p)).every((s) => s.isr.length === 3), 15_000, 'full ISRs');
  }, 90_000);
  afterAll(async () => {
    for (const b of brokers) await b.broker.stop();
    await ensemble?.stop();
  });

  /** Produces acks=all to each partition's leader for `ms`; resolves with the error codes seen. */
  const produceFor = async (ms: number) => {
    const clients = new Map<number, RawClient>();
    const codes: number[] = [];
    const deadline = Date.now() + ms;
    let n = 0;
    try {
      while (Date.now() < deadline) {
        const p = n++ % PARTITIONS;
        const leader = brokers.find((b) => b.broker.config.nodeId === state(p).leader)!;
        let c = clients.get(leader.broker.config.nodeId);
        if (!c) clients.set(leader.broker.config.nodeId, (c = await RawClient.connect(leader.broker.port)));
        const res = await c.request(0, 9, createProduceRequest({
          acks: -1, timeoutMs: 10_000,
          topicData: [{ name: TOPIC, partitionData: [{ index: p, records: engine.encodeRecordBatch([{ key: null, value: Buffer.from(`r${n}`) }]) }] }],
        }));
        codes.push(res.responses[0].partitionResponses[0].errorCode);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      clients.forEach((c) => c.close());
    }
    return codes;
  };

  it('rides out the loss of the ZooKeeper leader, then of a follower, without a leadership change', async () => {
    const before = epochs();
    const controller = brokers[0]!.broker.metadata.controllerId;
    expect((await produceFor(500)).every((c) => c === ErrorCode.NONE)).toBe(true);

    let brokerSessionsMoved = 0;
    for (const which of ['leader', 'follower'] as const) {
      const leader = await ensemble.leader();
      // The follower holding the most brokers' sessions (a `srvr` count; the brokers are its only clients).
      const followers = ensemble.servers.filter((s) => s !== leader);
      const counts = await Promise.all(followers.map((s) => s.connections()));
      const victim = which === 'leader' ? leader! : followers[counts.indexOf(Math.max(...counts))]!;
      brokerSessionsMoved += Math.max(0, await victim.connections());
      const producing = produceFor(4_000);
      await victim.kill();
      const codes = await producing;
      expect(codes.length).toBeGreaterThan(10);
      expect(codes.filter((c) => c !== ErrorCode.NONE)).toEqual([]);
      expect(await ensemble.leader()).toBeDefined();
      for (const b of brokers) expect(b.broker.metadata.aliveBrokers().map((x) => x.id)).toEqual([1, 2, 3]);
      expect(epochs()).toEqual(before);
      expect(brokers[0]!.broker.metadata.controllerId).toBe(controller);
      await victim.restart();
    }
    // At least one broker's session was on a killed server and moved to another.
    expect(brokerSessionsMoved).toBeGreaterThan(0);
    // A change after the failovers still reaches every broker through the ensemble.
    await brokers[2]!.broker.topicAdmin.alterTopicConfigs(TOPIC, { 'min.insync.replicas': '2', 'retention.ms': '3600000' }, false);
    await waitFor(() => brokers.every((b) => b.broker.logs.topic(TOPIC)?.settings.retentionMs === 3_600_000), 10_000, 'the config on every broker');
    expect(epochs()).toEqual(before);
  }, 60_000);
});
