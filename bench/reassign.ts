/**
 * Reassignment throughput (`npm run bench:reassign`, issue 14): a local ZooKeeper and four
 * broker processes. Each run creates a topic of --partitions partitions on brokers {1,2}
 * (replication factor 2, leaders alternating), fills it with --mb MiB (~1 MB produce requests
 * of 100 × 10 KB incompressible records, acks=all), then moves every partition to {3,4} with
 * the real CLI (`gregor reassign --execute`, kafka-reassign-partitions.sh's JSON) and polls
 * Metadata every 100 ms until every partition's replicas are {3,4} and both are in the ISR.
 * Reported per mode (no throttle; `--throttle <rate>` bytes/s, which limits each broker's
 * leader and follower replication): the time from --execute to done and the MiB/s moved
 * (bytes copied to new replicas = the topic's log bytes × 2 new replicas, ÷ that time),
 * medians of --runs. `gregor reassign --verify` then removes the throttle.
 *
 *   npm run bench:reassign [-- --partitions 4 --mb 64 --rate 8000000 --runs 3 --json bench/results/reassign.json]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalZooKeeper } from '../src/cluster/local-zookeeper.js';
import { createEngine } from '../src/engine/index.js';
import { KafkaClient } from '../src/network/kafka-client.js';
import { type MetadataResponse, type ProduceResponse, createCreateTopicsRequest, createMetadataRequest, createProduceRequest } from '../src/protocol/generated/index.js';

const BIN = fileURLToPath(new URL('../../bin/gregor.js', import.meta.url));
const engine = createEngine('js');
const RECORD_BYTES = 10_240;
const RECORDS_PER_BATCH = 100;
/** MiB: every size and rate this bench prints is in 2^20 bytes (the JSON's `mb` too). */
const MB = 1024 * 1024;

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const PARTITIONS = arg('--partitions', 4);
const TOTAL_MB = arg('--mb', 64);
const RATE = arg('--rate', 8_000_000);
const RUNS = arg('--runs', 3);
const JSON_OUT = argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : null;

interface Broker {
  id: number;
  child: ChildProcess;
  port: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts `gregor start` as broker `id`; resolves with its port once it logged "broker started". */
async function startBroker(id: number, dir: string, zk: string): Promise<Broker> {
  const settings = [`node.id=${id}`, `zookeeper.connect=${zk}`, 'listeners=PLAINTEXT://127.0.0.1:0', 'gregor.websocket.port=-1', 'gregor.metrics.port=-1', 'replica.fetch.wait.max.ms=100', 'auto.leader.rebalance.enable=false'];
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--log-dirs', dir, ...settings.flatMap((s) => ['-o', s])], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GREGOR_LOG_LEVEL: 'info' } });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker ${id} did not start`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"listenerPorts":\[(\d+)[^\n]*"msg":"broker started"/.exec(out);
      if (m) {
        clearTimeout(timer);
        out = '';
        resolve(Number(m[1]));
      }
      if (out.length > 1_000_000) out = out.slice(-10_000);
    });
  });
  return { id, child, port };
}

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`gregor ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

/** Metadata for `topic` (null: no topics) from `address`, on a connection of its own (5 s at most). */
async function metadata(address: string, topic: string | null): Promise<MetadataResponse> {
  const client = await KafkaClient.connect(address, 5000);
  const timer = setTimeout(() => client.close(), 5000);
  try {
    return (await client.request<MetadataResponse>(3, createMetadataRequest({ topics: topic === null ? [] : [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }), 12)).response;
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates `topic` on {1,2}, fills it; returns the log bytes written (all partitions, one replica). */
async function fill(address: string, brokers: Broker[], topic: string): Promise<number> {
  const admin = await KafkaClient.connect(address);
  await admin.request(19, createCreateTopicsRequest({
    timeoutMs: 30_000,
    topics: [{ name: topic, numPartitions: -1, replicationFactor: -1, assignments: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, brokerIds: p % 2 ? [2, 1] : [1, 2] })), configs: [] }],
  })).finally(() => admin.close());
  await waitUntil(`${topic} with leaders and full ISRs`, 30_000, async () => {
    const partitions = (await metadata(address, topic)).topics[0]!.partitions;
    return partitions.length === PARTITIONS && partitions.every((p) => p.leaderId > 0 && p.isrNodes.length === 2);
  });
  const value = Buffer.alloc(RECORD_BYTES);
  let bytes = 0;
  const batchesPerPartition = Math.ceil((TOTAL_MB * MB) / PARTITIONS / (RECORD_BYTES * RECORDS_PER_BATCH));
  const leaders = new Map<number, KafkaClient>();
  try {
    for (const p of (await metadata(address, topic)).topics[0]!.partitions) {
      const port = brokers.find((b) => b.id === p.leaderId)!.port;
      if (!leaders.has(port)) leaders.set(port, await KafkaClient.connect(`127.0.0.1:${port}`));
      for (let i = 0; i < batchesPerPartition; i++) {
        const records = engine.encodeRecordBatch(Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: null, value: Buffer.from(randomFillSync(value)) })));
        const { response } = await leaders.get(port)!.request<ProduceResponse>(0, createProduceRequest({ acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: p.partitionIndex, records }] }] }), 9);
        const code = response.responses[0]!.partitionResponses[0]!.errorCode;
        if (code !== 0) throw new Error(`produce to ${topic}-${p.partitionIndex} failed with error code ${code}`);
        bytes += records.length;
      }
    }
  } finally {
    for (const c of leaders.values()) c.close();
  }
  return bytes;
}

/** Moves every partition of `topic` to {3,4}; resolves with the ms from --execute to done. */
async function move(bootstrap: string, planDir: string, topic: string, throttle: number | null): Promise<number> {
  const plan = join(planDir, `${topic}.json`);
  writeFileSync(plan, JSON.stringify({ version: 1, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p, replicas: p % 2 ? [4, 3] : [3, 4] })) }));
  const start = performance.now();
  await cli(['reassign', '--execute', '--reassignment-json-file', plan, '--bootstrap-server', bootstrap, ...(throttle ? ['--throttle', String(throttle)] : [])]);
  await waitUntil(`${topic} moved to {3,4}`, 600_000, async () => (await metadata(bootstrap, topic)).topics[0]!.partitions.every((p) => [...p.replicaNodes].sort().join() === '3,4' && p.isrNodes.length === 2));
  const ms = performance.now() - start;
  await cli(['reassign', '--verify', '--reassignment-json-file', plan, '--bootstrap-server', bootstrap]);
  return ms;
}

async function main(): Promise<void> {
  const zk = await startLocalZooKeeper();
  const root = mkdtempSync(join(tmpdir(), 'gregor-bench-reassign-'));
  const brokers: Broker[] = [];
  const results: Record<string, { seconds: number[]; mbPerSec: number[]; medianSeconds: number; medianMbPerSec: number }> = {};
  try {
    for (const id of [1, 2, 3, 4]) brokers.push(await startBroker(id, join(root, `b${id}`), zk.connectString));
    const bootstrap = `127.0.0.1:${brokers[0]!.port}`;
    await waitUntil('four brokers registered', 30_000, async () => (await metadata(bootstrap, null)).brokers.length === 4);
    for (const [mode, throttle] of [['unthrottled', null], [`throttle ${RATE} B/s`, RATE]] as const) {
      const seconds: number[] = [];
      const mbPerSec: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const topic = `move-${throttle ? 't' : 'u'}${r}`;
        const bytes = await fill(bootstrap, brokers, topic);
        const ms = await move(bootstrap, root, topic, throttle);
        seconds.push(+(ms / 1000).toFixed(2));
        mbPerSec.push(+((bytes * 2) / MB / (ms / 1000)).toFixed(1));
        console.log(`${mode}, run ${r + 1}: ${((bytes * 2) / MB).toFixed(1)} MiB moved (${PARTITIONS} partitions × 2 new replicas) in ${(ms / 1000).toFixed(2)} s = ${mbPerSec.at(-1)} MiB/s`);
      }
      results[mode] = { seconds, mbPerSec, medianSeconds: median(seconds), medianMbPerSec: median(mbPerSec) };
      console.log(`${mode}: median ${median(seconds)} s, ${median(mbPerSec)} MiB/s (of ${RUNS})`);
    }
  } finally {
    for (const b of brokers) {
      b.child.kill('SIGKILL');
      await new Promise((r) => (b.child.exitCode !== null || b.child.signalCode !== null ? r(null) : b.child.once('exit', r)));
    }
    await zk.stop();
    rmSync(root, { recursive: true, force: true });
  }
  if (JSON_OUT) {
    mkdirSync(dirname(JSON_OUT), { recursive: true });
    writeFileSync(JSON_OUT, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, partitions: PARTITIONS, mb: TOTAL_MB, rateBytesPerSec: RATE, runs: RUNS, results }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
