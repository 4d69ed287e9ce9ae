/**
 * The client library's group consumer against a real broker, with real KafkaJS 2.2.4
 * consumers in their own processes (test/fixtures/kafkajs-consumer.mjs) in the same groups:
 *   - a WebSocket leader assigns with KafkaJS's RoundRobinAssigner: the two split a topic's
 *     partitions; together they read every record exactly once; when KafkaJS leaves, the
 *     WebSocket consumer rebalances and takes every partition from KafkaJS's commits;
 *   - a KafkaJS leader assigns to a WebSocket member; when it closes (commit + LeaveGroup)
 *     KafkaJS takes every partition from the WebSocket consumer's commits;
 *   - kcat -G (librdkafka) and a WebSocket consumer share a group with Kafka's range assignor;
 *   - a member the coordinator forgot (UNKNOWN_MEMBER_ID) rejoins with a new member id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Consumer, type GregorClient, connect } from '../../src/client/node.js';
import type { ConsumerRecord, TopicPartition } from '../../src/client/records.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { waitFor } from '../helpers/wait.js';
import { RawSocket } from '../gateway/raw-socket.js';
import { type KafkaJsChild, startKafkaJsConsumer } from './kafkajs-child.js';

const PARTITIONS = 4;
const BURST = 4000;
const SESSION_MS = 6000;

const sorted = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b);

describe('group consumer over WebSocket, with KafkaJS in the same group', () => {
  let t: TestBroker;
  let client: GregorClient;
  const children: KafkaJsChild[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 200, 'group.min.session.timeout.ms': 1000 } });
    client = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`);
  });
  afterAll(async () => {
    await Promise.all([...children.map((c) => c.stop()), ...cleanups.map((c) => c())]);
    await client?.close();
    await t.stop();
  });

  /** `count` records, round robin over the partitions. */
  async function produce(topic: string, count: number, from = 0): Promise<void> {
    const producer = client.producer({ lingerMs: 2 });
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `r${from + i}`, partition: (from + i) % PARTITIONS })) });
    await producer.close();
  }

  function groupConsumer(groupId: string): { consumer: Consumer; seen: ConsumerRecord[] } {
    const consumer = client.consumer({ groupId, autoOffsetReset: 'earliest', sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 300, autoCommitIntervalMs: 200, rebalanceTimeoutMs: 10_000 });
    const seen: ConsumerRecord[] = [];
    consumer.run({ eachRecord: (r) => void seen.push(r), onError: (err) => console.error('consumer error', err) });
    return { consumer, seen };
  }

  /** Each (partition, offset) of both consumers, counted. */
  function tally(ws: ConsumerRecord[], kafkajs: Array<{ partition: number; offset: number }>): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of [...ws.map((x) => ({ partition: x.partition, offset: x.offset })), ...kafkajs]) {
      const k = `${r.partition}:${r.offset}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }

  it('a WebSocket leader and a KafkaJS member split the partitions, read every record once; KafkaJS leaves, the WebSocket consumer takes all', async () => {
    const topic = 'mixed-ws-leader';
    await client.createTopic(topic, { partitions: PARTITIONS });
    const { consumer, seen } = groupConsumer(topic);
    await consumer.subscribe({ topics: [topic] });
    expect(sorted(consumer.assignment())).toEqual([0, 1, 2, 3]);
    const me = consumer.groupMetadata()!;
    expect(me.leader).toBe(me.memberId);

    const kafkajs = startKafkaJsConsumer(t.bootstrap, topic, topic, SESSION_MS);
    children.push(kafkajs);
    await waitFor(() => kafkajs.assignment()?.length === 2 && consumer.assignment().length === 2, 30_000, `a 2/2 split (KafkaJS: ${kafkajs.assignment()}, ws: ${sorted(consumer.assignment())})`);
    // The WebSocket consumer stayed the leader and assigned with KafkaJS's round robin:
    // member ids sorted ("child-…" < "gregor-websocket-…"), partitions dealt in turn.
    const after = consumer.groupMetadata()!;
    expect(after).toMatchObject({ leader: after.memberId, protocol: 'RoundRobinAssigner' });
    expect(after.generationId).toBeGreaterThan(me.generationId);
    expect(kafkajs.assignment()).toEqual([0, 2]);
    expect(sorted(consumer.assignment())).toEqual([1, 3]);

    await produce(topic, BURST);
    await waitFor(() => seen.length + kafkajs.consumed.length >= BURST, 60_000, `${BURST} records (ws ${seen.length}, kafkajs ${kafkajs.consumed.length})`);
    expect(new Set(seen.map((r) => r.partition))).toEqual(new Set([1, 3]));
    expect(new Set(kafkajs.consumed.map((r) => r.partition))).toEqual(new Set([0, 2]));
    let counts = tally(seen, kafkajs.consumed);
    expect(counts.size).toBe(BURST);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // KafkaJS leaves (its commits are per batch): the WebSocket consumer gets every
    // partition and starts 0 and 2 where KafkaJS committed.
    await kafkajs.stop();
    await waitFor(() => consumer.assignment().length === PARTITIONS, 30_000, 'the WebSocket consumer to take every partition');
    expect(await client.committedOffsets(topic, [0, 2].map((partition) => ({ topic, partition })))).toEqual([
      { topic, partition: 0, offset: BURST / PARTITIONS },
      { topic, partition: 2, offset: BURST / PARTITIONS },
    ]);
    await produce(topic, 400, BURST);
    await waitFor(() => seen.length + kafkajs.consumed.length >= BURST + 400, 30_000, `${BURST + 400} records (ws ${seen.length})`);
    await new Promise((r) => setTimeout(r, 300)); // would-be duplicates arrive
    counts = tally(seen, kafkajs.consumed);
    expect(counts.size).toBe(BURST + 400);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    await consumer.close();
    // close() committed the final positions and left: the group is empty.
    expect((await client.committedOffsets(topic)).map((o) => o.offset)).toEqual([1100, 1100, 1100, 1100]);
  });

  it('a KafkaJS leader assigns to a WebSocket member; the WebSocket consumer closes (commit, leave) and KafkaJS takes all from its commits', async () => {
    const topic = 'mixed-kafkajs-leader';
    await client.createTopic(topic, { partitions: PARTITIONS });
    const kafkajs = startKafkaJsConsumer(t.bootstrap, topic, topic, SESSION_MS);
    children.push(kafkajs);
    await waitFor(() => kafkajs.assignment()?.length === PARTITIONS, 30_000, 'KafkaJS alone in the group');

    const { consumer, seen } = groupConsumer(topic);
    await consumer.subscribe({ topics: [topic] });
    await waitFor(() => kafkajs.assignment()?.length === 2, 30_000, `KafkaJS to give up two partitions (has ${kafkajs.assignment()})`);
    const me = consumer.groupMetadata()!;
    expect(me.leader).not.toBe(me.memberId);
    expect(me.protocol).toBe('RoundRobinAssigner');
    expect(kafkajs.assignment()).toEqual([0, 2]);
    expect(sorted(consumer.assignment())).toEqual([1, 3]);

    await produce(topic, BURST);
    await waitFor(() => seen.length + kafkajs.consumed.length >= BURST, 60_000, `${BURST} records (ws ${seen.length}, kafkajs ${kafkajs.consumed.length})`);
    let counts = tally(seen, kafkajs.consumed);
    expect(counts.size).toBe(BURST);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    await consumer.close();
    await waitFor(() => kafkajs.assignment()?.length === PARTITIONS, 30_000, 'KafkaJS to take every partition');
    await produce(topic, 400, BURST);
    await waitFor(() => seen.length + kafkajs.consumed.length >= BURST + 400, 30_000, `${BURST + 400} records (kafkajs ${kafkajs.consumed.length})`);
    await new Promise((r) => setTimeout(r, 300));
    counts = tally(seen, kafkajs.consumed);
    expect(counts.size).toBe(BURST + 400);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // KafkaJS picked up partitions 1 and 3 exactly where the WebSocket consumer committed.
    const firstAfter = (p: number) => kafkajs.consumed.find((r) => r.partition === p)?.offset;
    expect(firstAfter(1)).toBe(BURST / PARTITIONS);
    expect(firstAfter(3)).toBe(BURST / PARTITIONS);
    await kafkajs.stop();
  });

  it('kcat -G and a WebSocket leader share a group with the range assignor; kcat leaves, the WebSocket consumer takes all', async () => {
    const topic = 'mixed-kcat';
    await client.createTopic(topic, { partitions: PARTITIONS });
    const { consumer, seen } = groupConsumer(topic);
    await consumer.subscribe({ topics: [topic] });
    const kcat: ChildProcess = spawn('kcat', ['-b', t.bootstrap, '-G', topic, topic, '-o', 'beginning', '-u', '-f', '%p %o\n', '-X', 'auto.commit.interval.ms=100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    kcat.stdout!.on('data', (d) => (out += d));
    kcat.stderr!.on('data', (d) => (err += d));
    const exited = new Promise((r) => kcat.once('exit', r));
    cleanups.push(async () => {
      if (kcat.exitCode === null && kcat.signalCode === null) kcat.kill('SIGKILL');
      await exited;
    });
    const kcatAssigned = () => [...([...err.matchAll(/assigned: ([^\n]*)/g)].at(-1)?.[1] ?? '').matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    await waitFor(() => kcatAssigned().length === 2 && consumer.assignment().length === 2, 30_000, `a 2/2 split (kcat: ${kcatAssigned()}, ws: ${sorted(consumer.assignment())})`);
    // librdkafka offers range,roundrobin: the group takes range; member ids sorted
    // ("gregor-websocket-…" < "rdkafka-…"), each gets a contiguous half.
    expect(consumer.groupMetadata()).toMatchObject({ protocol: 'range', leader: consumer.groupMetadata()!.memberId });
    expect(sorted(consumer.assignment())).toEqual([0, 1]);
    expect(kcatAssigned().sort()).toEqual([2, 3]);

    await produce(topic, BURST);
    const kcatRecords = () => out.split('\n').filter(Boolean).map((l) => ({ partition: Number(l.split(' ')[0]), offset: Number(l.split(' ')[1]) }));
    await waitFor(() => seen.length + kcatRecords().length >= BURST, 60_000, `${BURST} records (ws ${seen.length}, kcat ${kcatRecords().length})`);
    let counts = tally(seen, kcatRecords());
    expect(counts.size).toBe(BURST);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    kcat.kill('SIGTERM'); // librdkafka commits and leaves on close
    await exited;
    await waitFor(() => consumer.assignment().length === PARTITIONS, 30_000, 'the WebSocket consumer to take every partition');
    await produce(topic, 400, BURST);
    await waitFor(() => seen.length + kcatRecords().length >= BURST + 400, 30_000, `${BURST + 400} records (ws ${seen.length})`);
    await new Promise((r) => setTimeout(r, 300));
    counts = tally(seen, kcatRecords());
    expect(counts.size).toBe(BURST + 400);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    await consumer.close();
  });

  it('a member the coordinator no longer knows (UNKNOWN_MEMBER_ID) rejoins with a new member id and keeps reading', async () => {
    const topic = 'forgotten-member';
    await client.createTopic(topic, { partitions: PARTITIONS });
    const { consumer, seen } = groupConsumer(topic);
    const assignments: number[][] = [];
    consumer.rebalanced.add((tps) => assignments.push(sorted(tps)));
    await consumer.subscribe({ topics: [topic] });
    const before = consumer.groupMetadata()!;
    await produce(topic, 40);
    await waitFor(() => seen.length === 40, 10_000, '40 records');
    // Auto-commit (every 200 ms) stores the positions while the member is in the group.
    let committed = 0;
    for (let i = 0; i < 100 && committed < 40; i++) {
      await new Promise((r) => setTimeout(r, 50));
      committed = (await client.committedOffsets(topic)).reduce((n, o) => n + o.offset, 0);
    }
    expect(committed).toBe(40);

    // Someone else removes the member (LeaveGroup with its id, over a raw socket).
    const raw = await RawSocket.open(t.broker.websocketPort);
    expect(await raw.request('leaveGroup', { groupId: topic, memberId: before.memberId })).toMatchObject({ type: 'result' });
    raw.close();
    await waitFor(() => assignments.length >= 2 && consumer.groupMetadata()!.memberId !== '', 15_000, 'a new assignment');
    const after = consumer.groupMetadata()!;
    expect(after.memberId).not.toBe(before.memberId);
    expect(after.generationId).toBeGreaterThan(before.generationId);
    expect(assignments.at(-1)).toEqual([0, 1, 2, 3]);

    // The lost partitions could not be committed by the old member; the new one resumes
    // from what auto-commit had stored: no record is read twice.
    await produce(topic, 40, 40);
    await waitFor(() => seen.length >= 80, 10_000, '80 records');
    await new Promise((r) => setTimeout(r, 300));
    expect(new Set(seen.map((r) => `${r.partition}:${r.offset}`)).size).toBe(seen.length);
    await consumer.close();
  });
});
