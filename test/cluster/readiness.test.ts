/**
 * Readiness for Kubernetes (`GET /health` on the gateway port, cluster/readiness.ts) on a real
 * 2-broker cluster over a real ZooKeeper: a broker answers 503 "joining" while ZooKeeper does
 * not answer it, 200 once registered; after a restart it answers 503 "catching-up", naming
 * the partitions it follows outside the ISR, until the leader has taken it back into every
 * ISR; and 503 "stopping" is what a probe sees during shutdown (not asserted: too short).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cluster/local-zookeeper.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { type HealthAnswer, health, waitUntilReady } from '../helpers/health.js';
import { kcat } from '../helpers/kcat.js';
import { partitionStates } from '../helpers/partition-states.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'ready';

describe('GET /health as a readiness probe', () => {
  let zk: ZooKeeperServer | null = null;
  const procs: Array<BrokerProcess | null> = [null, null];
  const dirs = [makeTempDir('gregor-ready1-'), makeTempDir('gregor-ready2-')];
  afterAll(async () => {
    for (const p of procs) await p?.stop('SIGKILL');
    for (const d of dirs) d.remove();
    await zk?.stop();
  });

  it('is 503 until the broker has joined and caught up its replicas, then 200', async () => {
    const zkPort = await freePort();
    const kafkaPorts = [await freePort(), await freePort()];
    const httpPorts = [await freePort(), await freePort()];
    const start = (i: number, extra: string[] = []) =>
      spawnBroker([
        '--log-dirs', dirs[i]!.path, '-o', `node.id=${i + 1}`, '-o', `listeners=PLAINTEXT://127.0.0.1:${kafkaPorts[i]}`,
        '-o', `zookeeper.connect=127.0.0.1:${zkPort}`, '-o', 'zookeeper.connection.timeout.ms=60000', '-o', 'zookeeper.session.timeout.ms=6000',
        '-o', `gregor.websocket.port=${httpPorts[i]}`, '-o', 'gregor.websocket.host=127.0.0.1', '-o', 'replica.fetch.wait.max.ms=200',
        '-o', 'offsets.topic.num.partitions=1', '-o', 'auto.leader.rebalance.enable=false', ...extra,
      ]);

    // ZooKeeper does not answer (stopped by SIGSTOP): the first broker listens, but has not joined.
    zk = await startZooKeeper({ port: zkPort });
    zk.pause();
    const first = start(0);
    let joining: HealthAnswer;
    try {
      joining = await waitForAnswer(httpPorts[0]!, 20_000);
    } finally {
      zk.resume();
    }
    expect(joining.status).toBe(503);
    expect(joining.body.status).toBe('joining');
    procs[0] = await first;
    expect((await health(httpPorts[0]!)).status).toBe(200);
    procs[1] = await start(1);
    await waitUntilReady(httpPorts[1]!, 20_000, 'broker 2');

    const kafka = new Kafka({ clientId: 'ready', brokers: [`127.0.0.1:${kafkaPorts[0]}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 2 }] });
    await admin.disconnect();
    await waitForAsync(async () => (await partitionStates(kafkaPorts, TOPIC)).every((p) => p.isr.length === 2), 20_000, 'full ISRs');

    // Broker 2 stops (controlled shutdown takes it out of both ISRs); broker 1 takes ~0.8 MB it has not got.
    expect(await procs[1]!.stop('SIGTERM')).toBe(0);
    procs[1] = null;
    const line = 'x'.repeat(999);
    for (const partition of [0, 1]) {
      const input = Buffer.from(Array.from({ length: 400 }, () => line).join('\n') + '\n');
      const { code, stderr } = await kcat(['-P', '-b', `127.0.0.1:${kafkaPorts[0]}`, '-t', TOPIC, '-p', String(partition), '-X', 'batch.size=2000', '-X', 'linger.ms=0', '-X', 'acks=all', '-X', 'socket.nagle.disable=true'], input);
      expect(code, stderr).toBe(0);
    }

    // It comes back fetching 1 KiB per request: catching up takes thousands of round trips.
    const second = start(1, ['-o', 'replica.fetch.max.bytes=1024', '-o', 'replica.fetch.response.max.bytes=1024']);
    const answers: HealthAnswer[] = await waitUntilReady(httpPorts[1]!, 60_000, 'broker 2 after its restart');
    procs[1] = await second;
    console.log(`readiness: ${answers.length} answers while broker 2 restarted: ${[...new Set(answers.map((a) => a.body.status))].join(', ')}`);
    const catchingUp = answers.filter((a) => a.body.status === 'catching-up');
    expect(catchingUp.length, `answers seen: ${JSON.stringify(answers.map((a) => a.body.status))}`).toBeGreaterThan(0);
    expect(catchingUp.every((a) => a.status === 503)).toBe(true);
    expect(catchingUp[0]!.body.notInSync).toEqual([`${TOPIC}-0`, `${TOPIC}-1`]);
    // Ready means in sync: broker 2's own metadata has it in both ISRs, with both logs complete.
    const states = await partitionStates([kafkaPorts[1]!], TOPIC);
    expect(states.map((p) => p.isr.includes(2))).toEqual([true, true]);
    expect(answers.at(-1)!.body.status).toBe('ok');
  }, 150_000);
});

/** The first answer of a gateway that is not listening yet, polled every 100 ms. */
async function waitForAnswer(port: number, timeoutMs: number): Promise<HealthAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await health(port);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no answer on port ${port} after ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
