/**
 * Crash and resume with real processes: a KafkaJS consumer process killed with kill -9
 * mid-stream → after its session times out the group rebalances and its partitions resume
 * from their last committed offsets in the surviving consumer; two kcat -G processes split a
 * 4-partition topic and read everything (librdkafka's default auto-commit).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { waitFor } from '../helpers/wait.js';

const CONSUMER = fileURLToPath(new URL('../fixtures/kafkajs-consumer.mjs', import.meta.url));

interface ChildConsumer {
  child: ChildProcess;
  assigned: number[] | null;
  batches: Array<{ partition: number; offsets: number[]; committed: number }>;
}

function startChild(bootstrap: string, group: string, topic: string, sessionTimeoutMs: number): ChildConsumer {
  const child = spawn(process.execPath, [CONSUMER, bootstrap, group, topic, String(sessionTimeoutMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const state: ChildConsumer = { child, assigned: null, batches: [] };
  let buffer = '';
  child.stdout!.on('data', (d) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const event = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (event.event === 'assigned') state.assigned = event.partitions;
      if (event.event === 'batch') state.batches.push(event);
    }
  });
  return state;
}

describe('crash and resume', () => {
  let t: TestBroker;
  let kafka: Kafka;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 100, 'group.min.session.timeout.ms': 1000 } });
    kafka = new Kafka({ clientId: 'crash-test', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t.stop();
  });

  it('a consumer killed with kill -9 hands its partitions over at their committed offsets', async () => {
    const topic = 'crash-topic';
    t.broker.logs.createTopic(topic, 4);
    const producer = kafka.producer();
    await producer.connect();
    // Many small producer batches, so that consumers make progress batch by batch.
    for (let b = 0; b < 80; b++) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, j) => ({ partition: j % 4, value: `r${b * 100 + j}-${'x'.repeat(100)}` })) });
    }

    const a = startChild(t.bootstrap, 'crash', topic, 3000);
    const b = startChild(t.bootstrap, 'crash', topic, 3000);
    children.push(a.child, b.child);
    await waitFor(() => a.assigned?.length === 2 && b.assigned?.length === 2, 20_000, 'a 2/2 split');
    await waitFor(() => a.batches.length >= 3, 20_000, 'the victim committing batches');

    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const victimPartitions = a.assigned!;
    // What the killed consumer last committed, per partition (it cannot commit any more).
    const admin = kafka.admin();
    await admin.connect();
    const committedAtKill = new Map((await admin.fetchOffsets({ groupId: 'crash', topics: [topic] }))[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
    for (const p of victimPartitions) {
      const lastPrinted = a.batches.filter((x) => x.partition === p).at(-1)?.committed ?? -1;
      // It commits, then prints: a kill in between leaves the commit one batch ahead.
      expect(committedAtKill.get(p)).toBeGreaterThanOrEqual(lastPrinted);
    }

    await waitFor(() => b.assigned?.length === 4, 20_000, 'the survivor taking all 4 partitions');
    // More records after the crash; the survivor reads every partition to the end.
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 400 }, (_, i) => ({ partition: i % 4, value: `late${i}` })) });
    await producer.disconnect();
    await waitFor(() => [0, 1, 2, 3].every((p) => b.batches.some((x) => x.partition === p && x.committed === 2100)), 30_000, 'the survivor at the end of every partition');

    for (const p of victimPartitions) {
      const taken = b.batches.filter((x) => x.partition === p);
      // The survivor resumed exactly where the victim's last commit left the partition.
      expect(taken[0]!.offsets[0]).toBe(committedAtKill.get(p) === -1 ? 0 : committedAtKill.get(p));
      const offsets = taken.flatMap((x) => x.offsets);
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => offsets[0]! + i));
    }
    const final = (await admin.fetchOffsets({ groupId: 'crash', topics: [topic] }))[0]!.partitions;
    expect(final.map((p) => Number(p.offset))).toEqual([2100, 2100, 2100, 2100]);
    await admin.disconnect();
    b.child.kill('SIGTERM');
  });

  it('two kcat -G processes split a 4-partition topic and read everything', async () => {
    const topic = 'kcat-group-topic';
    t.broker.logs.createTopic(topic, 4);
    const lines = Array.from({ length: 4000 }, (_, i) => `k${i}\tv${i}`).join('\n') + '\n';
    const produced = await kcat(['-P', '-b', t.bootstrap, '-t', topic, '-K', '\t'], Buffer.from(lines));
    expect(produced.code).toBe(0);

    const run = () => {
      const child = spawn('kcat', ['-b', t.bootstrap, '-G', 'kcat-group', topic, '-o', 'beginning', '-u', '-f', '%p %o\n', '-X', 'auto.commit.interval.ms=100'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const state = { child, out: '', err: '' };
      child.stdout.on('data', (d) => (state.out += d));
      child.stderr.on('data', (d) => (state.err += d));
      return state;
    };
    const first = run();
    const second = run();
    const assignedOf = (s: { err: string }) => {
      const matches = [...s.err.matchAll(/assigned: ([^\n]*)/g)];
      const last = matches.at(-1)?.[1] ?? '';
      return [...last.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    };
    await waitFor(() => assignedOf(first).length === 2 && assignedOf(second).length === 2, 30_000, 'kcat -G processes splitting 2/2');
    const records = () => [first, second].flatMap((s) => s.out.split('\n').filter(Boolean));
    await waitFor(() => new Set(records()).size === 4000, 30_000, 'all 4,000 records read by the two processes');
    const partitionsOf = (s: { out: string }) => new Set(s.out.split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0])));
    expect([...partitionsOf(first)].every((p) => assignedOf(first).includes(p))).toBe(true);
    expect([...partitionsOf(second)].every((p) => assignedOf(second).includes(p))).toBe(true);
    expect(new Set([...assignedOf(first), ...assignedOf(second)])).toEqual(new Set([0, 1, 2, 3]));

    // librdkafka's auto-commit (default on) stores where each process got to.
    for (const s of [first, second]) s.child.kill('SIGTERM');
    await Promise.all([first, second].map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
    const admin = kafka.admin();
    await admin.connect();
    const committed = (await admin.fetchOffsets({ groupId: 'kcat-group', topics: [topic] }))[0]!.partitions;
    expect(committed.map((p) => Number(p.offset)).reduce((x, y) => x + y, 0)).toBe(4000);
    await admin.disconnect();
  });
});
