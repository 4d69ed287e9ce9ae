/**
 * Exactly-once consume-transform-produce (issue 13's acceptance): an application process
 * (test/fixtures/eos-app.mjs, KafkaJS) reads topic A, writes topic B and commits its input
 * offsets in the same transaction (TxnOffsetCommit). It is killed with SIGKILL at random
 * moments 5 times and restarted; once it has committed all of A, a read_committed consumer
 * finds in B every record of A exactly once, in A's order per partition.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';

const APP = fileURLToPath(new URL('../fixtures/eos-app.mjs', import.meta.url));
const PARTITIONS = 2;
const PER_PARTITION = 400;
const KILLS = 5;

describe('exactly-once application killed with SIGKILL', () => {
  let t: TestBroker;
  let kafka: Kafka;
  let app: ChildProcess | null = null;
  let commits = 0;
  let output = '';

  const startApp = () => {
    commits = 0;
    const child = spawn(process.execPath, [APP, t.bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      output += text;
      commits += text.split('\n').filter((line) => line.startsWith('committed')).length;
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    app = child;
  };
  const killApp = async () => {
    const child = app;
    app = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.min.session.timeout.ms': 1000, 'group.initial.rebalance.delay.ms': 0 } });
    t.broker.logs.createTopic('eos-a', PARTITIONS);
    t.broker.logs.createTopic('eos-b', PARTITIONS);
    kafka = new Kafka({ clientId: 'eos-test', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < PARTITIONS; p++) {
      await producer.send({ topic: 'eos-a', messages: Array.from({ length: PER_PARTITION }, (_, i) => ({ key: `k${i % 7}`, value: `p${p}-${i}`, partition: p })) });
    }
    await producer.disconnect();
  });
  afterAll(async () => {
    await killApp();
    await t?.stop();
  });

  it(`B holds every record of A exactly once after ${KILLS} kills`, async () => {
    const admin = kafka.admin();
    await admin.connect();
    const committedAll = async () => {
      const offsets = (await admin.fetchOffsets({ groupId: 'eos-app', topics: ['eos-a'] }))[0]!.partitions;
      return offsets.length === PARTITIONS && offsets.every((o) => Number(o.offset) === PER_PARTITION);
    };
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        startApp();
        // Kill at a random moment after the incarnation's first or second commit.
        const after = 1 + Math.floor(Math.random() * 2);
        await waitFor(() => commits >= after, 30_000, `incarnation ${kill + 1} to commit (output: ${output.slice(-500)})`);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
        await killApp();
        expect(await committedAll()).toBe(false);
      }
      startApp();
      await waitForAsync(committedAll, 60_000, 'the last incarnation to commit all of A');
      await killApp();
    } finally {
      await admin.disconnect();
    }

    const consumer = kafka.consumer({ groupId: 'eos-check', readUncommitted: false });
    const seen: string[][] = Array.from({ length: PARTITIONS }, () => []);
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'eos-b', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void seen[partition]!.push(message.value!.toString()) });
      await waitFor(() => seen.every((s) => s.length >= PER_PARTITION), 30_000, 'B read to the end');
      await new Promise((r) => setTimeout(r, 500)); // duplicates, if any, would follow
    } finally {
      await consumer.disconnect();
    }
    for (let p = 0; p < PARTITIONS; p++) expect(seen[p]).toEqual(Array.from({ length: PER_PARTITION }, (_, i) => `p${p}-${i}`));
  }, 180_000);
});
