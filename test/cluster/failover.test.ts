/**
 * A real cluster: ZooKeeper (Debian's) and three broker processes (the CLI), topics with
 * replication factor 3 and min.insync.replicas=2. A KafkaJS producer sends continuously
 * with acks=-1 while five rounds kill -9 a broker (the leader of a partition, the controller,
 * random ones) and restart it: a new leader from the ISR serves within 10 s, the producer
 * carries on, the victim comes back, catches up and rejoins the ISR; at the end every
 * acknowledged record is read back, in order per partition. Then: kcat -L agrees on every
 * broker (one of them appends through the worker pool); with one in-sync replica left acks=all fails with NOT_ENOUGH_REPLICAS and acks=1
 * works; a ZooKeeper outage shorter than the session timeout does not stop reads or writes.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { startAckedLoad } from '../helpers/acked-load.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { RawClient } from '../helpers/raw-client.js';
import { prng } from '../helpers/records.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { type PartitionView, partitionStates } from '../helpers/partition-states.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'replicated';
const PARTITIONS = 3;
const SESSION_TIMEOUT_MS = 2_000;

interface Node {
  id: number;
  dir: { path: string; remove: () => void };
  proc: BrokerProcess | null;
}

describe('a three-broker cluster on ZooKeeper', () => {
  let zk: ZooKeeperServer;
  const nodes: Node[] = [1, 2, 3].map((id) => ({ id, dir: makeTempDir(`gregor-node${id}-`), proc: null }));

  const args = (n: Node) => [
    '--port', '0', '--log-dirs', n.dir.path,
    '-o', `node.id=${n.id}`, '-o', `zookeeper.connect=${zk.connectString}`,
    '-o', `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}`, '-o', 'replica.lag.time.max.ms=3000',
    '-o', 'replica.fetch.wait.max.ms=200', '-o', 'listeners=PLAINTEXT://127.0.0.1:0',
    '-o', 'group.initial.rebalance.delay.ms=0', '-o', 'offsets.topic.num.partitions=3', '-o', 'gregor.websocket.port=-1',
    // Broker 2 appends as leader through the worker pool (fenced when it loses leadership).
    '-o', `gregor.workers=${n.id === 2 ? 1 : 0}`,
  ];
  const start = async (n: Node) => {
    n.proc = await spawnBroker(args(n));
  };
  const live = () => nodes.filter((n) => n.proc !== null);
  const bootstrap = () => live().map((n) => `127.0.0.1:${n.proc!.port}`);

  /** Partition states as a live broker's Metadata reports them. */
  const view = async (): Promise<Map<number, PartitionView>> => new Map((await partitionStates(live().map((n) => n.proc!.port), TOPIC)).map((p, i) => [i, p]));

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const n of nodes) await start(n);
  });
  afterAll(async () => {
    for (const n of nodes) {
      await n.proc?.stop('SIGKILL');
      n.dir.remove();
    }
    await zk.stop();
  });

  it('loses no acknowledged record over five rounds of kill -9 and restart', async () => {
    const kafka = new Kafka({ clientId: 'failover', brokers: bootstrap(), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    await admin.disconnect();

    // The producer: acks=-1, one small batch at a time, remembering what was acknowledged.
    const load = await startAckedLoad(kafka, TOPIC, PARTITIONS, 20);

    const rand = prng(2026);
    const failoverMs: number[] = [];
    for (let round = 0; round < 5; round++) {
      const before = load.acked.length;
      await waitFor(() => load.acked.length >= before + 200, 30_000, `producer progress before round ${round + 1}`);
      const states = await view();
      // Round 1: the leader of partition 0; round 2: the controller; then random brokers.
      let victimId: number;
      if (round === 0) victimId = states.get(0)!.leader;
      else if (round === 1) victimId = await controllerId();
      else victimId = nodes[Math.floor(rand() * nodes.length)]!.id;
      const victim = nodes.find((n) => n.id === victimId)!;
      const led = [...states].filter(([, s]) => s.leader === victimId).map(([p]) => p);
      const killedAt = Date.now();
      await victim.proc!.stop('SIGKILL');
      victim.proc = null;
      // A new leader from the ISR for every partition the victim led, within 10 s.
      await waitForAsync(async () => {
        const now = await view();
        return [...now.values()].every((s) => s.leader >= 0 && s.leader !== victimId);
      }, 10_000, `new leaders after killing broker ${victimId}`);
      if (led.length > 0) failoverMs.push(Date.now() - killedAt);
      const during = load.acked.length;
      await waitFor(() => load.acked.length >= during + 100, 30_000, `the producer carrying on after killing broker ${victimId}`);
      await start(victim);
      // It catches up and rejoins every ISR.
      await waitForAsync(async () => [...(await view()).values()].every((s) => s.isr.length === 3), 30_000, `broker ${victimId} back in every ISR`);
    }
    await load.stop();

    // Every acknowledged record, in order per partition, read back through the cluster.
    const { code, stdout } = await kcat(['-C', '-b', bootstrap().join(','), '-t', TOPIC, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 60_000);
    expect(code).toBe(0);
    const consumed = parseConsumed(stdout);
    for (let p = 0; p < PARTITIONS; p++) {
      const values = consumed.filter((r) => r.partition === p).map((r) => r.value!.toString());
      const position = new Map<string, number>();
      values.forEach((v, i) => position.has(v) || position.set(v, i));
      let last = -1;
      for (const v of load.ackedByPartition[p]!) {
        const at = position.get(v);
        expect(at, `acknowledged record ${v} of partition ${p}`).toBeDefined();
        expect(at!).toBeGreaterThan(last);
        last = at!;
      }
      const offsets = consumed.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
    }
    expect(load.acked.length).toBeGreaterThan(1000);
    console.log(`failover (kill → new leaders seen), ms: ${failoverMs.join(', ')}; producer send failures: ${load.failures}`);
  });

  it('kcat -L shows the same cluster on every broker', async () => {
    const outputs = await Promise.all(live().map(async (n) => (await kcat(['-L', '-b', `127.0.0.1:${n.proc!.port}`, '-t', TOPIC])).stdout.toString()));
    const brokersOf = (out: string) => [...out.matchAll(/broker (\d+) at ([^ \n]+)/g)].map((m) => `${m[1]}@${m[2]}`).sort();
    for (const out of outputs) {
      expect(brokersOf(out)).toEqual(brokersOf(outputs[0]!));
      expect(brokersOf(out)).toHaveLength(3);
      expect(out).toMatch(new RegExp(`topic "${TOPIC}" with ${PARTITIONS} partitions`));
    }
  });

  it('with one in-sync replica left, acks=all fails with NOT_ENOUGH_REPLICAS and acks=1 works', async () => {
    const states = await view();
    const leader = states.get(1)!.leader;
    const others = nodes.filter((n) => n.id !== leader);
    for (const n of others) {
      await n.proc!.stop('SIGKILL');
      n.proc = null;
    }
    await waitForAsync(async () => (await view()).get(1)!.isr.length === 1, 15_000, 'the ISR of partition 1 down to its leader');
    const c = await RawClient.connect(nodes.find((n) => n.id === leader)!.proc!.port);
    const engine = await import('../../src/engine/index.js').then((m) => m.createEngine('js'));
    const produce = (acks: number) =>
      c.request(0, 9, createProduceRequest({ acks, timeoutMs: 2000, topicData: [{ name: TOPIC, partitionData: [{ index: 1, records: engine.encodeRecordBatch([{ key: null, value: Buffer.from(`acks${acks}`) }]) }] }] }));
    expect((await produce(-1)).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await produce(1)).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    c.close();
    for (const n of others) await start(n);
    await waitForAsync(async () => [...(await view()).values()].every((s) => s.isr.length === 3), 30_000, 'everyone back in sync');
  });

  it('a short ZooKeeper outage does not stop reads and writes on stable partitions', async () => {
    const kafka = new Kafka({ clientId: 'zk-outage', brokers: bootstrap(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    zk.pause();
    try {
      const meta = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 2, value: 'during-zk-outage' }] });
      expect(meta[0]!.errorCode).toBe(0);
    } finally {
      await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS / 2));
      zk.resume();
    }
    const after = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 2, value: 'after-zk-outage' }] });
    expect(after[0]!.errorCode).toBe(0);
    await producer.disconnect();
    const { stdout } = await kcat(['-C', '-b', bootstrap().join(','), '-t', TOPIC, '-p', '2', '-o', '-2', '-e', '-f', '%s\n']);
    expect(stdout.toString()).toContain('during-zk-outage\nafter-zk-outage\n');
  });

  it('a ZooKeeper outage longer than the session timeout: brokers open new sessions, re-register, and serve on', async () => {
    zk.pause();
    await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS * 2));
    zk.resume();
    // Every broker back in ZooKeeper (Metadata lists all three), a controller, full ISRs.
    await waitForAsync(async () => {
      const c = await RawClient.connect(live()[0]!.proc!.port);
      try {
        const res = await c.request(3, 12, createMetadataRequest({ topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
        return res.brokers.length === 3 && res.controllerId > 0 && res.topics[0].partitions.every((p: { isrNodes: number[]; leaderId: number }) => p.leaderId > 0 && p.isrNodes.length === 3);
      } finally {
        c.close();
      }
    }, 30_000, 'the cluster back after the session expired');
    const kafka = new Kafka({ clientId: 'after-expiry', brokers: bootstrap(), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
    const producer = kafka.producer();
    await producer.connect();
    const meta = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: 'after-session-expiry' }] });
    expect(meta[0]!.errorCode).toBe(0);
    await producer.disconnect();
  });

  async function controllerId(): Promise<number> {
    const c = await RawClient.connect(live()[0]!.proc!.port);
    try {
      return (await c.request(3, 12, createMetadataRequest({ topics: [] }))).controllerId;
    } finally {
      c.close();
    }
  }
});

