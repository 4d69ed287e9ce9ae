/**
 * Groups across broker restarts, through the real CLI process: after SIGTERM and after
 * kill -9 the committed offsets and the group state (generation, members) come back from
 * `__consumer_offsets`; `gregor groups list|describe|reset-offsets` show lag and rewind an
 * empty group, which then re-reads from there; a non-empty group is refused.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cluster/local-zookeeper.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

const BIN = fileURLToPath(new URL('../../bin/gregor.js', import.meta.url));
const CONSUMER = fileURLToPath(new URL('../fixtures/kafkajs-consumer.mjs', import.meta.url));
const TOPIC = 'persisted';

function gregor(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('groups across a broker restart (%s)', (signal) => {
  const dir = makeTempDir();
  const children: ChildProcess[] = [];
  let broker: BrokerProcess | null = null;
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await broker?.stop('SIGKILL');
    dir.remove();
  });

  it('keeps committed offsets and group state; the CLI describes lag and resets offsets', async () => {
    const port = await freePort();
    const bootstrap = `127.0.0.1:${port}`;
    const args = ['--port', String(port), '--log-dirs', dir.path, '-o', 'listeners=PLAINTEXT://127.0.0.1:0', '-o', 'group.initial.rebalance.delay.ms=0', '-o', 'group.min.session.timeout.ms=1000'];
    broker = await spawnBroker(args);
    const kafka = new Kafka({ clientId: 'restart-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let b = 0; b < 10; b++) await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ partition: i % 2, value: `v${b * 100 + i}` })) });
    await producer.disconnect();

    // Group "done": consumes everything, commits, leaves → Empty with offsets 500/500.
    let consumed = 0;
    const done = kafka.consumer({ groupId: 'done', sessionTimeout: 6000, maxWaitTimeInMs: 100 });
    await done.connect();
    await done.subscribe({ topic: TOPIC, fromBeginning: true });
    await done.run({ autoCommitInterval: 50, eachMessage: async () => void consumed++ });
    await waitFor(() => consumed === 1000, 20_000, 'group "done" consuming all');
    await done.disconnect();

    // Group "live": a consumer process that stays in the group (Stable) until it is killed.
    const live = spawn(process.execPath, [CONSUMER, bootstrap, 'live', TOPIC, '30000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(live);
    let liveOut = '';
    live.stdout!.on('data', (d) => (liveOut += d));
    await waitFor(() => (liveOut.match(/"committed":500/g) ?? []).length === 2, 20_000, 'group "live" at the end of both partitions');
    const before = (await admin.describeGroups(['live'])).groups[0]!;
    expect(before.state).toBe('Stable');
    await admin.disconnect();

    const listed = gregor('groups', 'list', '-b', bootstrap);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/done\s+Empty\s+consumer/);
    expect(listed.stdout).toMatch(/live\s+Stable\s+consumer/);
    const described = gregor('groups', 'describe', 'done', '-b', bootstrap);
    expect(described.stdout).toMatch(new RegExp(`${TOPIC}\\s+0\\s+500\\s+500\\s+0\\s`));
    expect(described.stdout).toMatch(new RegExp(`${TOPIC}\\s+1\\s+500\\s+500\\s+0\\s`));

    // Stop the broker (and the live consumer, so only what was stored can bring "live" back).
    live.kill('SIGKILL');
    await new Promise((r) => live.once('exit', r));
    expect(await broker.stop(signal)).toBe(signal === 'SIGTERM' ? 0 : 'SIGKILL');
    broker = await spawnBroker(args);

    const admin2 = kafka.admin();
    await admin2.connect();
    const after = (await admin2.describeGroups(['live'])).groups[0]!;
    expect(after.state).toBe('Stable');
    expect(after.members.map((m) => m.memberId)).toEqual(before.members.map((m) => m.memberId));
    expect(after.protocol).toBe(before.protocol);
    const offsets = await admin2.fetchOffsets({ groupId: 'done', topics: [TOPIC] });
    expect(offsets[0]!.partitions.map((p) => Number(p.offset)).sort()).toEqual([500, 500]);

    // reset-offsets: refused while "live" still has its (restored) member; dry run changes nothing.
    const refused = gregor('groups', 'reset-offsets', 'live', '--topic', TOPIC, '--to-earliest', '--execute', '-b', bootstrap);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/group live is Stable with 1 member\(s\); stop its consumers first/);
    const dry = gregor('groups', 'reset-offsets', 'done', '--topic', TOPIC, '--to-offset', '100', '-b', bootstrap);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Dry run/);
    expect((await admin2.fetchOffsets({ groupId: 'done', topics: [TOPIC] }))[0]!.partitions.map((p) => Number(p.offset))).toEqual([500, 500]);
    const reset = gregor('groups', 'reset-offsets', 'done', '--topic', TOPIC, '--to-offset', '400', '--execute', '-b', bootstrap);
    expect(reset.code).toBe(0);
    expect((await admin2.fetchOffsets({ groupId: 'done', topics: [TOPIC] }))[0]!.partitions.map((p) => Number(p.offset))).toEqual([400, 400]);
    await admin2.disconnect();

    // The group re-reads from the reset offsets: 100 records of each partition.
    const again: string[] = [];
    const reread = kafka.consumer({ groupId: 'done', sessionTimeout: 6000, maxWaitTimeInMs: 100 });
    await reread.connect();
    await reread.subscribe({ topic: TOPIC, fromBeginning: true });
    await reread.run({ eachMessage: async ({ partition, message }) => void again.push(`${partition}:${message.offset}`) });
    await waitFor(() => again.length === 200, 20_000, 're-reading 200 records');
    await reread.disconnect();
    expect(again.filter((x) => x.startsWith('0:')).map((x) => Number(x.split(':')[1]))).toEqual(Array.from({ length: 100 }, (_, i) => 400 + i));
  });
});
