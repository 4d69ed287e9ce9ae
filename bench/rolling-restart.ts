/**
 * Unavailability during a rolling restart (`npm run bench:rolling`, issue 14): a local
 * ZooKeeper and the three brokers of test/cluster/rolling-restart.test.ts
 * (test/helpers/rolling-cluster.ts: session timeout 6 s, replica.lag.time.max.ms 5 s,
 * automatic leader rebalance every 2 s). Per run a fresh cluster, a topic of 3 partitions
 * (replication factor 3, min.insync.replicas=2) and a KafkaJS producer writing acks=all, one
 * partition per send (test/helpers/acked-load.ts; kafkajs#1303). Each broker in turn gets
 * SIGTERM (controlled shutdown), exits, starts again on its log dir and port, and the bench
 * waits until it is back in every ISR. Per broker restart (ms):
 *   - unavailable: the longest stretch without an acknowledged write to any one partition
 *     that overlaps the restart's window (SIGTERM → back in every ISR);
 *   - restart: the window's length.
 * After the last restart every acknowledged record is read back with kcat (lost must be 0).
 * Reported: per restart, and p50 / max over all restarts of all runs.
 *
 *   npm run bench:rolling [-- --runs 3 --json FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { missingFromLog, startAckedLoad } from '../test/helpers/acked-load.js';
import { partitionStates } from '../test/helpers/partition-states.js';
import { rollingNodes, startRollingNode } from '../test/helpers/rolling-cluster.js';
import { waitFor, waitForAsync } from '../test/helpers/wait.js';
import { startZooKeeper } from '../test/helpers/zookeeper.js';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const RUNS = Number(option('--runs') ?? 3);
const JSON_OUT = option('--json') ?? null;
const TOPIC = 'rolling';
const PARTITIONS = 3;

interface Restart {
  run: number;
  broker: number;
  unavailableMs: number;
  restartMs: number;
}

/**
 * The longest gap between consecutive acknowledgements of one partition (`times`, ascending
 * ms) that overlaps [from, to]; a stretch still open at `to` counts up to the next
 * acknowledgement, or to `to` if there is none.
 */
export function longestGapOverlapping(times: readonly number[], from: number, to: number): number {
  let longest = 0;
  let previous: number | null = null;
  for (const t of times) {
    if (previous !== null && t >= from && previous <= to) longest = Math.max(longest, t - previous);
    previous = t;
    if (t > to) break;
  }
  if (previous !== null && previous <= to) longest = Math.max(longest, to - previous);
  return longest;
}

async function oneRun(run: number): Promise<{ restarts: Restart[]; acknowledged: number; lost: number }> {
  const zk = await startZooKeeper();
  const nodes = rollingNodes();
  try {
    for (const n of nodes) await startRollingNode(n, zk.connectString);
    const ports = () => nodes.filter((n) => n.proc).map((n) => n.proc!.port);
    const fullIsrs = async () => (await partitionStates(ports(), TOPIC)).every((p) => p.isr.length === 3);
    const kafka = new Kafka({ clientId: 'bench-rolling', brokers: ports().map((p) => `127.0.0.1:${p}`), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    await admin.disconnect();
    await waitForAsync(fullIsrs, 20_000, 'full ISRs');
    const load = await startAckedLoad(kafka, TOPIC, PARTITIONS);
    const windows: Array<{ broker: number; from: number; to: number }> = [];
    for (const n of nodes) {
      const before = load.acked.length;
      await waitFor(() => load.acked.length >= before + 100, 30_000, `producer progress before restarting broker ${n.id}`);
      const from = Date.now();
      const exit = await n.proc!.stop('SIGTERM');
      if (exit !== 0) throw new Error(`broker ${n.id} exited with ${exit} on SIGTERM`);
      n.proc = null;
      await startRollingNode(n, zk.connectString);
      await waitForAsync(fullIsrs, 30_000, `broker ${n.id} back in every ISR`);
      windows.push({ broker: n.id, from, to: Date.now() });
    }
    const after = load.acked.length;
    await waitFor(() => load.acked.length >= after + 100, 30_000, 'producer progress after the last restart');
    await load.stop();
    const lost = (await missingFromLog(ports().map((p) => `127.0.0.1:${p}`).join(','), TOPIC, load.acked)).length;
    const restarts = windows.map((w) => ({
      run,
      broker: w.broker,
      unavailableMs: Math.max(...load.ackTimes.map((times) => longestGapOverlapping(times, w.from, w.to))),
      restartMs: w.to - w.from,
    }));
    return { restarts, acknowledged: load.acked.length, lost };
  } finally {
    for (const n of nodes) {
      await n.proc?.stop('SIGKILL');
      n.dir.remove();
    }
    await zk.stop();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const all: Restart[] = [];
  const runs: Array<{ acknowledged: number; lost: number }> = [];
  for (let run = 1; run <= RUNS; run++) {
    const r = await oneRun(run);
    for (const x of r.restarts) console.log(`run ${run}, broker ${x.broker}: unavailable ${(x.unavailableMs / 1000).toFixed(2)} s, restart (SIGTERM → back in every ISR) ${(x.restartMs / 1000).toFixed(2)} s`);
    console.log(`run ${run}: ${r.acknowledged} acknowledged, ${r.lost} lost`);
    all.push(...r.restarts);
    runs.push({ acknowledged: r.acknowledged, lost: r.lost });
  }
  const unavailable = all.map((r) => r.unavailableMs);
  const restart = all.map((r) => r.restartMs);
  const summary = {
    unavailableP50Ms: percentile(unavailable, 50),
    unavailableMaxMs: Math.max(...unavailable),
    restartP50Ms: percentile(restart, 50),
    restartMaxMs: Math.max(...restart),
    lost: runs.reduce((n, r) => n + r.lost, 0),
  };
  console.log(`\n${all.length} broker restarts in ${RUNS} run(s): unavailable p50 ${(summary.unavailableP50Ms / 1000).toFixed(2)} s, max ${(summary.unavailableMaxMs / 1000).toFixed(2)} s; restart p50 ${(summary.restartP50Ms / 1000).toFixed(2)} s, max ${(summary.restartMaxMs / 1000).toFixed(2)} s; lost ${summary.lost}`);
  if (JSON_OUT) {
    mkdirSync(dirname(JSON_OUT), { recursive: true });
    writeFileSync(JSON_OUT, `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadavg() }, runs: RUNS, restarts: all, perRun: runs, summary }, null, 2)}\n`);
  }
  if (summary.lost > 0) process.exitCode = 1;
}

if (process.argv[1]?.endsWith('rolling-restart.js')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
