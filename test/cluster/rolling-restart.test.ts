/**
 * A rolling restart of a three-broker cluster under load, as an upgrade does it: each broker
 * in turn gets SIGTERM (controlled shutdown moves its leaderships first), exits, and starts
 * again on its log dir, while a KafkaJS producer writes with acks=all (one partition per
 * send: kafkajs#1303) and a KafkaJS consumer reads in a group. Nothing acknowledged is lost,
 * no partition stops taking writes for more than a few seconds, and at the end the
 * controller's automatic rebalance gives every partition back to its preferred leader.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingFromLog, startAckedLoad } from '../helpers/acked-load.js';
import { partitionStates } from '../helpers/partition-states.js';
import { type RollingNode, rollingNodes, startRollingNode } from '../helpers/rolling-cluster.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'rolling';
const PARTITIONS = 3;
/**
 * The longest a partition may go without an acknowledged write. Usually under 1 s here. Stalls
 * of 11–30 s seen earlier were requests sent to a restarting broker before it was ready, lost
 * when its socket switched to direct reads (test/network/early-requests.test.ts); the bound
 * stays generous for a loaded 2-core machine.
 */
const MAX_GAP_MS = 20_000;

describe('a rolling restart under load', () => {
  let zk: ZooKeeperServer;
  const nodes = rollingNodes();
  const start = (n: RollingNode) => startRollingNode(n, zk.connectString);
  const bootstrap = () => nodes.filter((n) => n.proc).map((n) => `127.0.0.1:${n.proc!.port}`);
  const partitions = () => partitionStates(nodes.filter((n) => n.proc).map((n) => n.proc!.port), TOPIC);

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const n of nodes) await start(n);
  }, 60_000);
  afterAll(async () => {
    for (const n of nodes) {
      await n.proc?.stop('SIGKILL');
      n.dir.remove();
    }
    await zk?.stop();
  });

  it('loses nothing acknowledged, keeps every partition writable, and restores preferred leaders', async () => {
    // KafkaJS's own warnings and errors, kept for the diagnostics of a stalled producer.
    const clientLog: string[] = [];
    const logCreator = () => (entry: { namespace: string; level: number; log: { message: string; timestamp: string; error?: string; broker?: string } }) => {
      clientLog.push(`${entry.log.timestamp} ${entry.namespace} ${entry.log.message} ${entry.log.error ?? ''} ${entry.log.broker ?? ''} ${(entry.log as { correlationId?: number }).correlationId ?? ''}`);
      if (clientLog.length > 40) clientLog.shift();
    };
    const kafka = new Kafka({ clientId: 'rolling', brokers: bootstrap(), logLevel: logLevel.WARN, logCreator, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    await admin.disconnect();
    await waitForAsync(async () => (await partitions()).every((p) => p.isr.length === 3), 20_000, 'full ISRs');

    const consumed = new Set<string>();
    const consumer = kafka.consumer({ groupId: 'rolling-readers', retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void consumed.add(message.value!.toString()) });

    const load = await startAckedLoad(kafka, TOPIC, PARTITIONS);
    const { acked, maxGap } = load;
    /** Rethrows a stalled-producer time-out with what the cluster and the producer were doing. */
    const stalled = (before: number) => async (err: Error) => {
      const states = await partitions().catch((e: Error) => e.message);
      const tails = nodes.map((m) => `--- broker ${m.id} (port ${m.port}):\n${m.proc?.output().split('\n').slice(-12).join('\n') ?? '(stopped)'}`).join('\n');
      throw new Error(`${err.message}; KafkaJS said:\n${clientLog.join('\n')}\n${acked.length - before} acked since, ${load.failures} failed sends, sending to partition ${load.current.partition}, last error ${load.current.lastError}; partitions: ${JSON.stringify(states)}\n${tails}`);
    };

    for (const n of nodes) {
      const before = acked.length;
      await waitFor(() => acked.length >= before + 100, 30_000, `producer progress before restarting broker ${n.id}`).catch(stalled(before));
      const exit = await n.proc!.stop('SIGTERM');
      expect(exit, `broker ${n.id} exits cleanly on SIGTERM`).toBe(0);
      n.proc = null;
      await start(n);
      await waitForAsync(async () => (await partitions()).every((p) => p.isr.length === 3), 30_000, `broker ${n.id} back in every ISR`);
    }
    const after = acked.length;
    await waitFor(() => acked.length >= after + 100, 30_000, 'producer progress after the last restart').catch(stalled(after));
    await load.stop();

    // Nothing acknowledged is lost: every record is in the log, read back with kcat.
    expect(await missingFromLog(bootstrap().join(','), TOPIC, acked), 'acknowledged records missing from the log').toEqual([]);
    // And the group reads them all: the consumer that ran through the restarts, or else a
    // fresh member of the same group resuming from the committed offsets (KafkaJS's consumer
    // was seen to stall once with every record in the log, when the brokers came back on new
    // ports; they keep their ports now, as real brokers do).
    const missed = () => acked.filter((v) => !consumed.has(v));
    const caughtUp = await waitFor(() => missed().length === 0, 20_000, 'the group consumer').then(() => true, () => false);
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 10_000))]);
    await bounded(consumer.disconnect());
    if (!caughtUp) {
      console.log(`rolling restart: the first group consumer stopped ${missed().length} records short; resuming with a new member`);
      const resumed = kafka.consumer({ groupId: 'rolling-readers', retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
      await resumed.connect();
      await resumed.subscribe({ topic: TOPIC, fromBeginning: true });
      await resumed.run({ eachMessage: async ({ message }) => void consumed.add(message.value!.toString()) });
      await waitFor(() => missed().length === 0, 60_000, 'the group to read every acknowledged record').catch((err: Error) => {
        throw new Error(`${err.message}: ${missed().length} of ${acked.length} not consumed although in the log (e.g. ${missed().slice(0, 3).join(', ')})`);
      });
      await bounded(resumed.disconnect());
    }
    expect(acked.length).toBeGreaterThan(300);
    console.log(`rolling restart: ${acked.length} records acknowledged; longest write gap per partition, ms: ${maxGap.join(', ')}`);
    for (let p = 0; p < PARTITIONS; p++) expect(maxGap[p], `longest stretch without an acknowledged write to partition ${p}, ms`).toBeLessThan(MAX_GAP_MS);

    // The last broker restarted led nothing when it came back: the rebalance gives its partitions back.
    await waitForAsync(async () => (await partitions()).every((p) => p.leader === p.replicas[0]), 20_000, 'every partition led by its preferred replica');
  }, 240_000);
});
