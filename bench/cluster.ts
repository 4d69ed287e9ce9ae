/**
 * Cluster benchmark (`npm run bench:cluster`): a local ZooKeeper and three broker processes.
 *  - Produce throughput: kcat (librdkafka) sends --records × 100 B to a replication-factor-3
 *    topic with acks=all (min.insync.replicas=2) and to a replication-factor-1 topic with
 *    acks=1; records/s and the RF3÷RF1 ratio.
 *  - Produce latency: 2,000 produce requests of 10 records each, one at a time, p50/p99 ms,
 *    for both configurations.
 *  - Failover time: kill -9 of a partition leader → the first successful produce on the new
 *    leader (polling Metadata every 50 ms), with zookeeper.session.timeout.ms as printed;
 *    the victim is restarted and back in the ISR before the next round. Median of --runs.
 *
 *  - Broker CPU: the three brokers' CPU-seconds (user + system, /proc) during each kcat run,
 *    summed, and the 1-minute load average at its start (the machine is shared: the CPU figure
 *    is the steadier one).
 *
 *   npm run bench:cluster [-- --records 500000 --runs 5 --workers 0 --json bench/results/cluster.json]
 *     [--bin OTHER_TREE/bin/gregor.js]  run another build's brokers under this harness (A/B)
 *     [--cpu-prof DIR]                  brokers under `node --cpu-prof` (stopped with SIGTERM so
 *                                        the profiles are written; bench/profile-summary.ts)
 *     [--throughput-only]               skip the latency and failover parts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaClient } from '../src/network/kafka-client.js';
import { startLocalZooKeeper } from '../src/cluster/local-zookeeper.js';
import { createEngine } from '../src/engine/index.js';
import { cpuSeconds } from './e2e/proc-stats.js';
import { type MetadataResponse, type ProduceResponse, createCreateTopicsRequest, createMetadataRequest, createProduceRequest } from '../src/protocol/generated/index.js';

const argFlag = (name: string): string | null => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : null);
const BIN = argFlag('--bin') ? resolve(argFlag('--bin')!) : fileURLToPath(new URL('../../bin/gregor.js', import.meta.url));
const CPU_PROF_DIR = argFlag('--cpu-prof') ? resolve(argFlag('--cpu-prof')!) : null;
const THROUGHPUT_ONLY = process.argv.includes('--throughput-only');
const SESSION_TIMEOUT_MS = 6_000;
const engine = createEngine('js');

interface Node {
  id: number;
  dir: string;
  child: ChildProcess | null;
  port: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `--workers N`: append worker threads per broker (gregor.workers; 0 = inline). */
const WORKERS = process.argv.includes('--workers') ? Number(process.argv[process.argv.indexOf('--workers') + 1]) : 0;

async function startBroker(n: Node, zk: string): Promise<void> {
  const profArgs = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', join(CPU_PROF_DIR, `broker-${n.id}`)] : [];
  const child = spawn(process.execPath, [...profArgs, BIN, 'start', '--port', '0', '--log-dirs', n.dir, '-o', `node.id=${n.id}`, '-o', `zookeeper.connect=${zk}`, '-o', `gregor.workers=${WORKERS}`,
    '-o', `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}`, '-o', 'listeners=PLAINTEXT://127.0.0.1:0', '-o', 'gregor.websocket.port=-1', '-o', 'replica.fetch.wait.max.ms=100'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GREGOR_LOG_LEVEL: 'info' } });
  n.child = child;
  let out = '';
  n.port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker ${n.id} did not start`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"port":(\d+)[^\n]*"msg":"broker started"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
        out = '';
      }
    });
  });
  child.stdout!.resume();
}

function kill(n: Node, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (!n.child || n.child.exitCode !== null) return resolve();
    const child = n.child;
    const timer = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      if (timer) clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
    n.child = null;
  });
}

/** CPU-seconds the running brokers have used so far, summed. */
function brokersCpuSeconds(nodes: Node[]): number {
  return nodes.reduce((sum, n) => sum + (n.child?.pid ? cpuSeconds(n.child.pid) : 0), 0);
}

async function metadata(nodes: Node[], topic: string): Promise<MetadataResponse | null> {
  for (const n of nodes.filter((x) => x.child)) {
    try {
      const c = await KafkaClient.connect(`127.0.0.1:${n.port}`, 1000);
      try {
        return (await c.request<MetadataResponse>(3, createMetadataRequest({ topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }), 12)).response;
      } finally {
        c.close();
      }
    } catch {
      /* next broker */
    }
  }
  return null;
}

function runKcat(args: string[], input: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`kcat exited ${code}`))));
    child.stdin.end(input);
  });
}

async function produceOnce(port: number, topic: string, acks: number): Promise<number> {
  const c = await KafkaClient.connect(`127.0.0.1:${port}`, 1000);
  try {
    const records = engine.encodeRecordBatch([{ key: null, value: Buffer.from('failover-probe') }]);
    const { response } = await c.request<ProduceResponse>(0, createProduceRequest({ acks, timeoutMs: 2000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }), 9);
    return response.responses[0]!.partitionResponses[0]!.errorCode;
  } finally {
    c.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const records = Number(argv[argv.indexOf('--records') + 1]) || 500_000;
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 5;
  const json = argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : null;
  const zk = await startLocalZooKeeper();
  const root = mkdtempSync(join(tmpdir(), 'gregor-bench-cluster-'));
  const nodes: Node[] = [1, 2, 3].map((id) => ({ id, dir: join(root, `b${id}`), child: null, port: 0 }));
  const results: Record<string, number> = {};
  /** Each kcat run: records/s, the brokers' CPU-seconds, the 1-minute load average at its start. */
  const perRun: Record<string, { recordsPerSec: number[]; brokerCpuSeconds: number[]; load: number[] }> = {};
  try {
    for (const n of nodes) await startBroker(n, zk.connectString);
    const admin = await KafkaClient.connect(`127.0.0.1:${nodes[0]!.port}`);
    await admin.request(19, createCreateTopicsRequest({ timeoutMs: 30_000, topics: [
      { name: 'rf3', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [{ name: 'min.insync.replicas', value: '2' }] },
      { name: 'rf1', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ] }));
    admin.close();
    const bootstrap = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');

    const line = Buffer.alloc(101, 'x');
    line[100] = 0x0a;
    const input = Buffer.concat(Array.from({ length: records }, () => line));
    for (const [topic, acks] of [['rf1', '1'], ['rf3', 'all']] as const) {
      const rates: number[] = [];
      const cpu: number[] = [];
      const loads: number[] = [];
      for (let r = 0; r < 3; r++) {
        loads.push(+loadavg()[0]!.toFixed(1));
        const cpu0 = brokersCpuSeconds(nodes);
        rates.push(records / ((await runKcat(['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-X', `acks=${acks}`, '-X', 'linger.ms=5'], input)) / 1000));
        // The followers finish their last fetch just after kcat's acks: let them settle.
        await new Promise((r) => setTimeout(r, acks === 'all' ? 300 : 0));
        cpu.push(+(brokersCpuSeconds(nodes) - cpu0).toFixed(2));
      }
      results[`produceRecordsPerSec_${topic}`] = Math.round(median(rates));
      results[`brokerCpuSecondsMedian_${topic}`] = median(cpu);
      perRun[topic] = { recordsPerSec: rates.map(Math.round), brokerCpuSeconds: cpu, load: loads };
      console.log(`${topic} (acks=${acks}): runs ${rates.map(Math.round).join(', ')} records/s; brokers' CPU-s ${cpu.join(', ')}; load ${loads.join(', ')}`);
      if (THROUGHPUT_ONLY) continue;
      const leader = (await metadata(nodes, topic))!.topics[0]!.partitions[0]!.leaderId;
      const port = nodes.find((n) => n.id === leader)!.port;
      const c = await KafkaClient.connect(`127.0.0.1:${port}`);
      const latencies: number[] = [];
      const batch = engine.encodeRecordBatch(Array.from({ length: 10 }, () => ({ key: null, value: Buffer.alloc(100, 1) })));
      for (let i = 0; i < 2000; i++) {
        const t0 = performance.now();
        await c.request(0, createProduceRequest({ acks: acks === 'all' ? -1 : 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] }), 9);
        latencies.push(performance.now() - t0);
      }
      c.close();
      results[`p50Ms_${topic}`] = +percentile(latencies, 50).toFixed(2);
      results[`p99Ms_${topic}`] = +percentile(latencies, 99).toFixed(2);
      console.log(`${topic} (acks=${acks}): ${results[`produceRecordsPerSec_${topic}`]} records/s (kcat, median of 3); produce latency p50 ${results[`p50Ms_${topic}`]} ms, p99 ${results[`p99Ms_${topic}`]} ms`);
    }
    results.throughputRatio_rf3_acksAll_vs_rf1_acks1 = +(results.produceRecordsPerSec_rf3! / results.produceRecordsPerSec_rf1!).toFixed(2);
    console.log(`RF3 acks=all ÷ RF1 acks=1: ${results.throughputRatio_rf3_acksAll_vs_rf1_acks1}`);

    const failovers: number[] = [];
    for (let round = 0; round < (THROUGHPUT_ONLY ? 0 : runs); round++) {
      const leader = (await metadata(nodes, 'rf3'))!.topics[0]!.partitions[0]!.leaderId;
      const victim = nodes.find((n) => n.id === leader)!;
      const killedAt = performance.now();
      await kill(victim);
      for (;;) {
        const m = await metadata(nodes, 'rf3');
        const newLeader = m?.topics[0]?.partitions[0]?.leaderId ?? -1;
        const node = nodes.find((n) => n.id === newLeader && n.child);
        if (node && (await produceOnce(node.port, 'rf3', 1).catch(() => -1)) === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      failovers.push(performance.now() - killedAt);
      await startBroker(victim, zk.connectString);
      for (;;) {
        const isr = (await metadata(nodes, 'rf3'))?.topics[0]?.partitions[0]?.isrNodes ?? [];
        if (isr.length === 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (failovers.length > 0) results.failoverMsMedian = Math.round(median(failovers));
    if (failovers.length > 0) console.log(`failover (kill -9 of the leader → first produce on the new leader), zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}: median ${results.failoverMsMedian} ms of ${runs} (${failovers.map((f) => Math.round(f)).join(', ')})`);
  } finally {
    await Promise.all(nodes.map((n) => kill(n, CPU_PROF_DIR ? 'SIGTERM' : 'SIGKILL')));
    await zk.stop();
    rmSync(root, { recursive: true, force: true });
  }
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, records, runs, sessionTimeoutMs: SESSION_TIMEOUT_MS, bin: BIN, results, perRun }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
