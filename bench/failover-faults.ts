/**
 * Failover time under each network fault (`npm run bench:faults`, issue 14): a 3-server
 * ZooKeeper ensemble and three broker processes, each in its own network namespace
 * (test/helpers/fault-cluster.ts on test/helpers/netns.ts; root only), zookeeper.session.timeout.ms
 * and replica.lag.time.max.ms 3000. Per run a fresh topic (3 partitions, RF 3,
 * min.insync.replicas=2) and a steady acks=all producer (test/helpers/acked-history.ts: one
 * record per Produce, one Produce in flight per partition, 2 s request timeout, Metadata asked
 * again after each failure), then one fault of the fault suite:
 *   - leader-isolated: the leader of partition 0 cut off from ZooKeeper and the other brokers;
 *   - leader-zk: the leader of partition 0 cut off from ZooKeeper only;
 *   - controller: the controller cut off from everyone (this process too);
 *   - lossy-follower: a follower of partition 0 at 10 % loss, 2 Mbit/s (75 ± 25 ms delay where
 *     the kernel has netem) for 15 s;
 *   - flapping: the link of the leader of partition 0 cut five times (1.5/4.5/2/5/2.5 s, 2.5 s
 *     apart);
 *   - zk-split: the ensemble split 2–1, the ZooKeeper leader and a partition leader (not the
 *     controller) on the minority side.
 * The fault is held until every partition the victim led was written on another leader (at
 * most 45 s) and 3 s more, then healed. Measured (ms; the fault's start is when applying it
 * began: netns.ts rebuilds the qdiscs port by port, synchronously, so the fault takes effect
 * during the call and this process sees no acknowledgement meanwhile: up to seconds on a
 * loaded machine, reported as applyMs, an upper bound on the error of either figure):
 *   - failover: from the fault's start to the first acknowledged write, on a leader other than
 *     the victim, of every partition the victim led (the slowest of them); none for the lossy
 *     follower (no leader moves);
 *   - unavailable: the longest gap between acknowledged writes of any partition, from the
 *     fault's start until the cluster settled;
 *   - settle: from the start of the heal until every broker's own Metadata names all brokers, the
 *     same leaders and a full ISR for every partition of the topic.
 * Every acknowledged write is then read back with kcat (lost and divergent must be 0).
 * Medians of --runs.
 *
 *   npm run bench:faults [-- --runs 3 --only leader-isolated,zk-split --json FILE --logs DIR]
 *   npm run bench:faults -- --quick     (leader-isolated, one run, ~1 minute)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { HistoryProducer, checkHistory } from '../test/helpers/acked-history.js';
import { createFaultTopic, clusterView, readPartition } from '../test/helpers/fault-checks.js';
import { FaultCluster, brokerNode } from '../test/helpers/fault-cluster.js';
import { canUseNetns, cutLink, restoreLink } from '../test/helpers/netns.js';
import { waitFor, waitForAsync } from '../test/helpers/wait.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const option = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const RUNS = QUICK ? 1 : Number(option('--runs') ?? 3);
const JSON_OUT = option('--json') ?? null;
const LOG_DIR = option('--logs') ?? null;
const ONLY = QUICK ? ['leader-isolated'] : option('--only')?.split(',');

const PARTITIONS = 3;
const ALL_PARTITIONS = [...Array(PARTITIONS).keys()];
/** How long a fault is held at most while waiting for the failover. */
const FAILOVER_LIMIT_MS = 45_000;
/** How long the fault is held after the failover (writes on the new leaders). */
const AFTER_FAILOVER_MS = QUICK ? 1000 : 3000;
const DEGRADE_MS = 15_000;
const FLAPS_MS = [1500, 4500, 2000, 5000, 2500];
const FLAP_PAUSE_MS = 2500;
const SETTLE_LIMIT_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A fault in place. */
interface Fault {
  /** The broker whose leaderships must move (null: none must). */
  victim: number | null;
  /** Partitions the victim led when the fault began. */
  partitions: number[];
  /** When applying the fault began (ms since epoch): it takes effect port by port meanwhile. */
  at: number;
  /** How long applying it took (this process blocked meanwhile), ms. */
  applyMs: number;
}

interface Scenario {
  key: string;
  title: string;
  /** Picks the victim and applies the fault. */
  start: (c: FaultCluster, producer: HistoryProducer) => Promise<Fault>;
  /** Holds the fault; the default waits for `failedOver` (bounded), then AFTER_FAILOVER_MS. */
  hold?: (c: FaultCluster, fault: Fault) => Promise<void>;
  /** Undoes the fault (the default: `net.heal()`). */
  heal?: (c: FaultCluster, fault: Fault) => void;
}

/** Applies `apply` and times it; `victim` leads `partitions` as the producer last saw. */
async function inPlace(producer: HistoryProducer, victim: number | null, apply: (victim: number | null) => void): Promise<Fault> {
  const leaders = await producer.leaders();
  const partitions = victim === null ? [] : ALL_PARTITIONS.filter((p) => leaders.get(p)?.leader === victim);
  const at = Date.now();
  apply(victim);
  return { victim, partitions, at, applyMs: Date.now() - at };
}

const leaderOf = async (producer: HistoryProducer, partition: number): Promise<number> => {
  const leader = (await producer.leaders()).get(partition)?.leader;
  if (leader === undefined) throw new Error(`no leader of partition ${partition}`);
  return leader;
};

const SCENARIOS: Scenario[] = [
  {
    key: 'leader-isolated',
    title: 'leader isolated from ZooKeeper and the other brokers',
    start: async (c, producer) => inPlace(producer, await leaderOf(producer, 0), (v) => c.net.isolateFrom(brokerNode(v!), [...c.zkNodes, ...c.ids.filter((id) => id !== v).map(brokerNode)])),
  },
  {
    key: 'leader-zk',
    title: 'leader isolated from ZooKeeper only',
    start: async (c, producer) => inPlace(producer, await leaderOf(producer, 0), (v) => c.net.isolateFrom(brokerNode(v!), c.zkNodes)),
  },
  {
    key: 'controller',
    title: 'controller isolated from everyone',
    start: async (c, producer) => inPlace(producer, (await clusterView(c.bootstrap(), producer.topic)).controller, (v) => c.net.isolate(brokerNode(v!))),
  },
  {
    key: 'lossy-follower',
    title: 'a follower on a lossy, slow link (10 % loss, 2 Mbit/s)',
    start: async (c, producer) => {
      const leader = await leaderOf(producer, 0);
      const follower = c.ids.find((id) => id !== leader)!;
      return inPlace(producer, null, () => c.net.degrade(brokerNode(follower), { lossPct: 10, rateKbit: 2000, ...(c.net.canDelay ? { delayMs: 75, jitterMs: 25 } : {}) }));
    },
    hold: () => sleep(QUICK ? 5000 : DEGRADE_MS),
  },
  {
    key: 'flapping',
    title: `leader's link flapping (${FLAPS_MS.length} cuts of ${FLAPS_MS.map((ms) => ms / 1000).join('/')} s)`,
    start: async (c, producer) => inPlace(producer, await leaderOf(producer, 0), (v) => cutLink(c.net, brokerNode(v!))),
    hold: async (c, fault) => {
      for (const [i, ms] of FLAPS_MS.entries()) {
        await sleep(ms);
        if (i === FLAPS_MS.length - 1) break;
        restoreLink(c.net, brokerNode(fault.victim!));
        await sleep(FLAP_PAUSE_MS);
        cutLink(c.net, brokerNode(fault.victim!));
      }
    },
    heal: (c, fault) => restoreLink(c.net, brokerNode(fault.victim!)),
  },
  {
    key: 'zk-split',
    title: 'ZooKeeper ensemble split 2–1, a partition leader with the minority',
    start: async (c, producer) => {
      const zkLeader = await c.zooKeeperLeaderNode();
      if (!zkLeader) throw new Error('the ensemble has no leader');
      const { controller } = await clusterView(c.bootstrap(), producer.topic);
      const leaders = await producer.leaders();
      const victim = ALL_PARTITIONS.map((p) => leaders.get(p)?.leader).find((l) => l !== undefined && l !== controller);
      if (victim === undefined) throw new Error('every partition is led by the controller');
      const majority = [...c.zkNodes.filter((z) => z !== zkLeader), ...c.ids.filter((id) => id !== victim).map(brokerNode)];
      // The ZooKeeper server first (majority brokers attached to it move), then the broker.
      return inPlace(producer, victim, (v) => {
        c.net.isolateFrom(zkLeader, majority);
        c.net.isolateFrom(brokerNode(v!), majority);
      });
    },
  },
];

interface RunResult {
  victim: number | null;
  applyMs: number;
  /** null: no failover expected (lossy follower) or none seen within FAILOVER_LIMIT_MS. */
  failoverMs: number | null;
  unavailableMs: number;
  healApplyMs: number;
  /** null: not settled within SETTLE_LIMIT_MS. */
  settleMs: number | null;
  acknowledged: number;
  lost: number;
  divergent: number;
  failures: Record<string, number>;
}

/** When every partition of `fault.partitions` was first written on another leader than the victim; null until then. */
function failedOverAt(producer: HistoryProducer, fault: Fault): number | null {
  if (fault.victim === null || fault.partitions.length === 0) return null;
  let latest = 0;
  for (const p of fault.partitions) {
    const first = producer.acked.find((w) => w.partition === p && w.at >= fault.at && w.leader !== fault.victim);
    if (!first) return null;
    latest = Math.max(latest, first.at);
  }
  return latest;
}

async function runOnce(c: FaultCluster, scenario: Scenario, topic: string): Promise<RunResult> {
  await createFaultTopic(c.bootstrap(), topic, PARTITIONS);
  await waitForAsync(async () => (await c.notSettled(topic)) === null, SETTLE_LIMIT_MS, `${topic}: every broker registered, every ISR full`);
  const producer = new HistoryProducer(c.bootstrap(), topic, PARTITIONS);
  producer.start();
  let fault: Fault | null = null;
  try {
    await waitFor(() => ALL_PARTITIONS.every((p) => producer.ackedOn(p).length >= 20), 30_000, `${topic}: writes on every partition`);
    fault = await scenario.start(c, producer);
    if (scenario.hold) await scenario.hold(c, fault);
    else {
      const f = fault;
      await waitFor(() => failedOverAt(producer, f) !== null, FAILOVER_LIMIT_MS, 'failover').catch(() => {});
      await sleep(AFTER_FAILOVER_MS);
    }
    const healedAt = Date.now();
    (scenario.heal ?? ((cl) => cl.net.heal()))(c, fault);
    const healApplyMs = Date.now() - healedAt;
    let last: string | null = null;
    const settled = await waitForAsync(async () => (last = await c.notSettled(topic)) === null, SETTLE_LIMIT_MS, 'settled').then(
      () => Date.now(),
      () => null,
    );
    if (settled === null) console.error(`  ${scenario.key}: not settled within ${SETTLE_LIMIT_MS} ms after the heal: ${last}`);
    await producer.stop();
    const failedOver = failedOverAt(producer, fault);
    let lost = 0;
    let divergent = 0;
    for (const p of ALL_PARTITIONS) {
      const check = checkHistory(producer.ackedOn(p), await readPartition(c.bootstrap(), topic, p));
      lost += check.lost.length;
      divergent += check.moved.length + check.duplicated.length;
    }
    return {
      victim: fault.victim,
      applyMs: fault.applyMs,
      failoverMs: failedOver === null ? null : failedOver - fault.at,
      unavailableMs: Math.max(...ALL_PARTITIONS.map((p) => producer.longestGap(p, fault!.at, settled ?? Date.now()))),
      healApplyMs,
      settleMs: settled === null ? null : settled - healedAt,
      acknowledged: producer.acked.length,
      lost,
      divergent,
      failures: Object.fromEntries(producer.failures),
    };
  } finally {
    c.net.heal();
    for (const id of c.ids) restoreLink(c.net, brokerNode(id));
    await producer.stop();
    producer.close();
  }
}

/** The median of the non-null values (null when there are none). */
function median(xs: ReadonlyArray<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v.length === 0 ? null : v[Math.floor(v.length / 2)]!;
}

const seconds = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(1));

async function main(): Promise<void> {
  if (!canUseNetns()) throw new Error('bench:faults needs root with ip and tc (network namespaces)');
  const scenarios = ONLY ? SCENARIOS.filter((s) => ONLY.includes(s.key)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`--only: none of ${ONLY} is a scenario (${SCENARIOS.map((s) => s.key)})`);
  const loadBefore = loadavg();
  const started = Date.now();
  const cluster = await FaultCluster.start({ zooKeepers: 3 });
  const stopOnSignal = () => void cluster.close().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const results: Record<string, { title: string; runs: RunResult[]; medianFailoverMs: number | null; medianUnavailableMs: number | null; medianSettleMs: number | null }> = {};
  try {
    for (const scenario of scenarios) {
      const runs: RunResult[] = [];
      for (let r = 0; r < RUNS; r++) {
        const res = await runOnce(cluster, scenario, `faults-${scenario.key}-${r}`);
        runs.push(res);
        console.log(
          `${scenario.key}, run ${r + 1}: victim ${res.victim ?? '—'}, failover ${seconds(res.failoverMs)} s, unavailable ${seconds(res.unavailableMs)} s, ISRs full ${seconds(res.settleMs)} s after the heal; ` +
            `${res.acknowledged} acknowledged, ${res.lost} lost, ${res.divergent} divergent; fault applied in ${res.applyMs} ms, healed in ${res.healApplyMs} ms; failures ${JSON.stringify(res.failures)}`,
        );
        if (res.lost + res.divergent > 0) console.error(`  ${scenario.key}: ACKNOWLEDGED WRITES LOST OR DIVERGENT`);
      }
      results[scenario.key] = { title: scenario.title, runs, medianFailoverMs: median(runs.map((r) => r.failoverMs)), medianUnavailableMs: median(runs.map((r) => r.unavailableMs)), medianSettleMs: median(runs.map((r) => r.settleMs)) };
    }
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    if (LOG_DIR) mkdirSync(LOG_DIR, { recursive: true });
    await cluster.close(LOG_DIR ?? undefined, 'faults-');
  }
  const loadAfter = loadavg();
  console.log(`\nmedians of ${RUNS} run(s), ${((Date.now() - started) / 1000).toFixed(0)} s in all, load average ${loadBefore[0]!.toFixed(1)} → ${loadAfter[0]!.toFixed(1)}:`);
  console.log(['| scenario | failover (s) | unavailable (s) | ISRs full after heal (s) | acknowledged | lost | divergent |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    .concat(Object.values(results).map((r) => `| ${r.title} | ${seconds(r.medianFailoverMs)} | ${seconds(r.medianUnavailableMs)} | ${seconds(r.medianSettleMs)} | ${r.runs.reduce((n, x) => n + x.acknowledged, 0)} | ${r.runs.reduce((n, x) => n + x.lost, 0)} | ${r.runs.reduce((n, x) => n + x.divergent, 0)} |`))
    .join('\n'));
  if (JSON_OUT) {
    mkdirSync(dirname(JSON_OUT), { recursive: true });
    writeFileSync(JSON_OUT, JSON.stringify({ date: new Date(started).toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadAfter }, runs: RUNS, sessionTimeoutMs: 3000, replicaLagTimeMaxMs: 3000, results }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
