/**
 * Replication throttles (KIP-73, docs/ops.html "Limiting Bandwidth Usage during Data
 * Migration") on a real ZooKeeper with three in-process brokers, driven by the real CLI:
 * `gregor reassign --execute --throttle 200000` sets `leader|follower.replication.throttled.rate`
 * on the brokers taking part and the throttled-replicas lists on the topic (through
 * IncrementalAlterConfigs, /config/brokers, /config/topics and change notifications), and a
 * second --execute needs `--additional` (which changes the throttle of the running move); moving a
 * partition holding ~2 MB then takes at least what the rate allows (a lower bound derived from
 * the rate, allowing the quota's first-window burst and one fetch of overshoot), completes,
 * and in-sync followers (of the moving partition and of another one) keep acks=all writes
 * going meanwhile. `--verify` removes the throttle once done. Without a throttle the same
 * move is done well within that bound. The bytes show in gregor_replication_throttled_bytes_total.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { gregorCli } from '../helpers/cli.js';
import { hashLogBytes } from '../helpers/produce-corpus.js';
import type { TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { type ZkCluster, startZkCluster } from '../helpers/zk-cluster.js';

const TOPIC = 'throttled';
const RATE = 200_000; // bytes/s
const FETCH_MAX = 65_536; // replica.fetch.max.bytes: the most one fetch overshoots the quota by
const BATCHES = 20;
const BATCH_RECORDS = 100;
const RECORD_BYTES = 1000;

describe('replication throttle', () => {
  let cluster: ZkCluster;
  const planDir = makeTempDir('gregor-throttle-plan-');
  const brokers: TestBroker[] = [];
  const engine = createEngine('js');
  const state = (p: number) => brokers[0]!.broker.metadata.partition(TOPIC, p);
  const bootstrap = () => ['--bootstrap-server', `127.0.0.1:${brokers[0]!.broker.port}`];
  const plan = (name: string, replicas: number[]) => {
    const file = join(planDir.path, name);
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: TOPIC, partition: 0, replicas }] }));
    return file;
  };
  const produce = async (partition: number, batches: number, timeoutMs = 10_000) => {
    const leader = brokers[state(partition)!.leader - 1]!;
    const c = await RawClient.connect(leader.broker.port);
    const codes: number[] = [];
    try {
      for (let i = 0; i < batches; i++) {
        const records = engine.encodeRecordBatch(Array.from({ length: BATCH_RECORDS }, (_, j) => ({ key: null, value: Buffer.alloc(RECORD_BYTES, (i * 7 + j) % 251) })));
        const res = await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] }));
        codes.push(res.responses[0].partitionResponses[0].errorCode);
      }
    } finally {
      c.close();
    }
    return codes;
  };
  /** Starts a reassignment of partition 0 through the CLI (which returns once it has started). */
  const execute = async (replicas: number[], extra: string[]) => {
    const file = plan(`to-${replicas.join('-')}.json`, replicas);
    const executed = await gregorCli(['reassign', '--execute', '--reassignment-json-file', file, ...extra, ...bootstrap()]);
    expect(executed.stderr).toBe('');
    expect(executed.code).toBe(0);
    return { stdout: executed.stdout, file };
  };
  const done = (replicas: number[]) => waitFor(() => JSON.stringify(state(0)?.replicas) === JSON.stringify(replicas), 60_000, `partition 0 moved to ${replicas}`);
  const metric = async (b: TestBroker, side: string) => {
    const text = await b.broker.metrics.registry.getSingleMetricAsString('gregor_replication_throttled_bytes_total');
    return Number(new RegExp(`side="${side}"} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    cluster = await startZkCluster(3, () => ({
      'replica.fetch.max.bytes': FETCH_MAX,
      // Two 1 s samples: the quota's first-window burst is at most 1 s × rate.
      'replication.quota.window.num': 2, 'replication.quota.window.size.seconds': 1,
    }));
    brokers.push(...cluster.brokers);
    await brokers[0]!.broker.topicAdmin.createTopic({ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignment: [[1, 2], [1, 2]], configs: {} }, false, 10_000);
    await waitFor(() => state(0)?.isr.length === 2 && state(1)?.isr.length === 2, 15_000, 'full ISRs');
    expect(await produce(0, BATCHES)).toEqual(Array(BATCHES).fill(0));
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    planDir.remove();
  });

  it('a throttled move takes at least what the rate allows, keeps in-sync replication going, and --verify removes the throttle', async () => {
    const bytes = brokers[0]!.broker.logs.partition(TOPIC, 0)!.sizeInBytes;
    expect(bytes).toBeGreaterThan(BATCHES * BATCH_RECORDS * RECORD_BYTES);
    const started = Date.now();
    // Started at a quarter of RATE (so it is surely still running for the next two commands) …
    const { stdout, file } = await execute([2, 3], ['--throttle', String(RATE / 4)]);
    expect(stdout).toContain(`The inter-broker throttle limit was set to ${RATE / 4} B/s`);
    const rates = () => brokers.map((b) => [b.broker.config.leaderReplicationThrottledRate, b.broker.config.followerReplicationThrottledRate]);
    expect(rates()).toEqual(Array(3).fill([RATE / 4, RATE / 4]));
    // … another --execute needs --additional, which changes the throttle of the running move.
    const refused = await gregorCli(['reassign', '--execute', '--reassignment-json-file', file, '--throttle', String(RATE), ...bootstrap()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Cannot execute because there is an existing partition assignment.  Use --additional');
    expect((await execute([2, 3], ['--additional', '--throttle', String(RATE)])).stdout).toContain(`The inter-broker throttle limit was set to ${RATE} B/s`);
    // The throttle is on the brokers and reaches the topic's replicas (dynamic configs, change notifications).
    expect(rates()).toEqual(Array(3).fill([RATE, RATE]));
    await waitFor(() => brokers[2]!.broker.metadata.topicConfigs(TOPIC)?.['follower.replication.throttled.replicas'] === '0:3', 10_000, 'the throttled replicas on broker 3');
    expect(brokers[0]!.broker.metadata.topicConfigs(TOPIC)?.['leader.replication.throttled.replicas']?.split(',').sort()).toEqual(['0:1', '0:2']);
    // In-sync followers are never held back: acks=all writes to the moving partition (follower 2
    // is in its ISR) and to partition 1 complete while the move is throttled.
    expect(await produce(0, 5, 5000)).toEqual(Array(5).fill(0));
    expect(await produce(1, 5, 5000)).toEqual(Array(5).fill(0));
    expect(JSON.stringify(state(0)!.replicas)).not.toBe('[2,3]');
    await done([2, 3]);
    const ms = Date.now() - started;
    // Lower bound: everything but the first-window burst and one fetch of overshoot per side at
    // RATE (the highest rate the move had).
    const minMs = ((bytes - RATE - 2 * FETCH_MAX) / RATE) * 1000;
    expect(ms).toBeGreaterThanOrEqual(minMs * 0.9);
    await waitFor(() => brokers[2]!.broker.logs.partition(TOPIC, 0)?.logEndOffset === brokers[1]!.broker.logs.partition(TOPIC, 0)?.logEndOffset, 10_000, 'broker 3 caught up');
    expect(hashLogBytes(cluster.dirs[2]!.path, TOPIC, 0)).toBe(hashLogBytes(cluster.dirs[1]!.path, TOPIC, 0));
    expect(await metric(brokers[0]!, 'leader')).toBeGreaterThanOrEqual(bytes);
    expect(await metric(brokers[2]!, 'follower')).toBeGreaterThanOrEqual(bytes);
    const verified = await gregorCli(['reassign', '--verify', '--reassignment-json-file', file, ...bootstrap()]);
    expect(verified.stdout).toContain(`Reassignment of partition ${TOPIC}-0 is completed.`);
    expect(verified.stdout).toContain('Clearing broker-level throttles on brokers 1,2,3');
    expect(verified.stdout).toContain(`Clearing topic-level throttles on topic ${TOPIC}`);
    await waitFor(() => brokers.every((b) => b.broker.config.leaderReplicationThrottledRate === Number.MAX_SAFE_INTEGER && b.broker.config.followerReplicationThrottledRate === Number.MAX_SAFE_INTEGER), 10_000, 'rates removed');
    await waitFor(() => brokers.every((b) => b.broker.metadata.topicConfigs(TOPIC)?.['leader.replication.throttled.replicas'] === undefined), 10_000, 'throttled replicas removed');

    // The same move without a throttle (back onto broker 1, which deleted its replica) is done
    // within that bound: the throttle is what took the time (measured from the CLI's return).
    await execute([3, 1], []);
    const unthrottledStart = Date.now();
    await done([3, 1]);
    expect(Date.now() - unthrottledStart).toBeLessThan(minMs);
  }, 90_000);

  it('refuses a malformed throttled-replicas list in Kafka\'s terms', async () => {
    const res = await gregorCli(['topics', 'alter', TOPIC, '--config', 'leader.replication.throttled.replicas=0-1', ...bootstrap()]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('INVALID_CONFIG');
    expect(res.stderr).toContain('[partitionId]:[brokerId]');
  });
});
