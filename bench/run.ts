/**
 * End-to-end benchmark (`npm run bench`): Gregor against Redis Streams and NATS JetStream,
 * measured side by side in one run (scenarios in bench/e2e/scenarios.ts, how each is run and
 * measured in bench/e2e/execute.ts). Every system runs in its own process with a fresh data
 * directory per run; clients are separate processes (kcat, Gregor's WebSocket client, the
 * peers' Node clients). Each run checks that exactly the produced records came back (count
 * and checksum). Repetitions alternate the scenario order; figures are medians.
 *
 *   npm run bench [-- --runs 3 --scale 1 --no-peers --only <substring>[|<substring>…] --json FILE --svg FILE]
 *   npm run bench -- --quick      seconds: small counts, a few scenarios; peers only if already
 *                                 installed (it says so otherwise); then bench:transactions
 *                                 --quick (bench/transactions.ts); what CI runs
 *   npm run bench -- --from-json FILE [--svg FILE]   re-renders the report (tables, targets,
 *                                 chart) from a saved run, e.g. one interrupted after some
 *                                 repetitions (the JSON is written after each)
 *
 * Peers: bench/peers.sh installs redis-server and nats-server with apt-get when missing (full
 * runs only) and starts/stops them on loopback ports by PID. Progress goes to stderr; the
 * tables to stdout; JSON (default bench/results/e2e-<date>.json) and the SVG chart
 * (default bench/results/e2e-<date>.svg) are written at the end of a full run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute } from './e2e/execute.js';
import { startupMs } from './e2e/startup.js';
import { Progress } from './e2e/progress.js';
import { type Measured, chart, render, summarize } from './e2e/report.js';
import { type Scenario, keyOf, latencyPlan, plan } from './e2e/scenarios.js';

interface Args {
  quick: boolean;
  runs: number;
  scale: number;
  peers: boolean;
  only: string | null;
  json: string | null;
  svg: string | null;
  fromJson: string | null;
}

function parseArgs(argv: string[]): Args {
  const date = new Date().toISOString().slice(0, 10);
  const args: Args = { quick: false, runs: 3, scale: 1, peers: true, only: null, json: `bench/results/e2e-${date}.json`, svg: `bench/results/e2e-${date}.svg`, fromJson: null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--no-peers') args.peers = false;
    else if (argv[i] === '--runs' && next) args.runs = Number(argv[++i]);
    else if (argv[i] === '--scale' && next) args.scale = Number(argv[++i]);
    else if (argv[i] === '--only' && next) args.only = argv[++i]!;
    else if (argv[i] === '--json' && next) args.json = argv[++i]!;
    else if (argv[i] === '--svg' && next) args.svg = argv[++i]!;
    else if (argv[i] === '--from-json' && next) args.fromJson = argv[++i]!;
  }
  if (args.quick) {
    args.runs = 1;
    args.json = argv.includes('--json') ? args.json : null;
    args.svg = argv.includes('--svg') ? args.svg : null;
  }
  return args;
}

const PEERS_SH = fileURLToPath(new URL('../../bench/peers.sh', import.meta.url));

/** Which peers can run: full runs install missing ones; quick runs use what is there. */
function availablePeers(args: Args): Array<'redis' | 'nats'> {
  if (!args.peers) return [];
  if (!args.quick) {
    try {
      execFileSync('bash', [PEERS_SH, 'install'], { stdio: ['ignore', 'ignore', 'inherit'] });
    } catch (err) {
      console.error(`peers: install failed (${(err as Error).message}); running without the missing ones`);
    }
  }
  const found = execFileSync('bash', [PEERS_SH, 'installed'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean) as Array<'redis' | 'nats'>;
  for (const peer of ['redis', 'nats'] as const) {
    if (!found.includes(peer)) console.error(`peers: ${peer} is not installed — skipped${args.quick ? ' (quick mode does not install; a full run does)' : ''}`);
  }
  return found;
}

function kcatVersion(): string {
  try {
    return execFileSync('kcat', ['-V'], { encoding: 'utf8' }).split('\n').find((l) => l.includes('librdkafka')) ?? 'kcat';
  } catch {
    return 'kcat not found';
  }
}

/** --from-json: the report of a saved run, recomputed (medians over its `runs`). */
function rerender(args: Args): void {
  const saved = JSON.parse(readFileSync(args.fromJson!, 'utf8')) as { runs: Measured[]; date: string; machine: { model: string; cpus: number }; repetitions?: number };
  const rows = summarize(saved.runs);
  const reps = new Set(saved.runs.map((m) => m.rep)).size;
  console.log(`From ${args.fromJson} (${saved.date}, ${saved.machine.model} × ${saved.machine.cpus}, ${reps} repetition(s), medians)\n`);
  console.log(render(rows).markdown);
  if (args.svg && process.argv.includes('--svg')) {
    writeFileSync(args.svg, chart(rows, `Gregor vs Redis Streams vs NATS JetStream — ${saved.date.slice(0, 10)}, ${saved.machine.model} × ${saved.machine.cpus}, medians of ${reps}`));
    console.log(`SVG: ${args.svg}`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.fromJson) return rerender(args);
  const peers = availablePeers(args);
  const options = { quick: args.quick, peers, scale: args.scale };
  // `--only a|b`: the scenarios whose key contains any of the substrings
  const wanted = args.only?.split('|') ?? null;
  const matches = (s: Scenario) => wanted === null || wanted.some((w) => keyOf(s).includes(w));
  const base = plan(options).filter(matches);
  const latency = latencyPlan(options).filter(matches);
  const total = (base.length + latency.length) * args.runs;
  const progress = new Progress(total);
  const measured: Measured[] = [];
  const failures: Array<{ scenario: string; rep: number; error: string }> = [];
  const started = Date.now();
  for (let rep = 0; rep < args.runs; rep++) {
    const order = rep % 2 === 0 ? base : [...base].reverse();
    for (const scenario of [...order, ...latency]) {
      let pace = 0;
      if (scenario.kind === 'latency') {
        // Half of what this configuration produced in this repetition (W1, kcat, 1 producer, acks=1).
        const max = measured.filter((m) => m.rep === rep && m.scenario.kind === 'throughput' && m.scenario.system === 'gregor' && m.scenario.client === 'kcat' && m.scenario.workload === 'W1' && m.scenario.acks === '1' && m.scenario.producers === 1 && m.scenario.config === scenario.config);
        pace = max.length ? max[0]!.result.produceRecordsPerSec / 2 : 300_000;
      }
      progress.start(`${rep + 1}/${args.runs} ${keyOf(scenario)}`);
      try {
        const result = await execute(scenario, pace);
        measured.push({ scenario, rep, result });
        progress.done(`${Math.round(result.produceRecordsPerSec).toLocaleString('en-US')} / ${Math.round(result.consumeRecordsPerSec).toLocaleString('en-US')} rec/s`);
      } catch (err) {
        // A failed run (a wrong checksum, a crashed process) is reported and counted, not fatal.
        failures.push({ scenario: keyOf(scenario), rep, error: (err as Error).message.slice(0, 2000) });
        progress.done(`FAILED: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    writeOutputs(args, measured, failures, peers, null, started, false);
  }
  progress.finish();
  const startup = args.quick ? null : await startupMs();
  writeOutputs(args, measured, failures, peers, startup, started, true);
  if (failures.length) process.exitCode = 1;
  if (args.quick && args.only === null) quickTransactions();
}

/** `--quick` also runs a tiny bench:transactions (2,000 records, 1 run: ~15 s), so CI exercises it. */
function quickTransactions(): void {
  console.log('\nbench:transactions --quick');
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('./transactions.js', import.meta.url)), '--quick'], { stdio: 'inherit' });
  } catch {
    console.log('bench:transactions --quick FAILED');
    process.exitCode = 1;
  }
}

/**
 * Prints the report and writes the JSON and SVG; called after every repetition too
 * (`final` false: files only), so an interrupted run leaves what it measured.
 */
function writeOutputs(
  args: Args,
  measured: Measured[],
  failures: Array<{ scenario: string; rep: number; error: string }>,
  peers: string[],
  startup: { first: number; median: number } | null,
  started: number,
  final: boolean,
): void {
  const rows = summarize(measured);
  const report = render(rows);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kcat: kcatVersion() };
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const reps = new Set(measured.map((m) => m.rep)).size;
  if (final) {
    console.log(`\nEnd to end — ${new Date().toISOString()}, ${machine.model} × ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.kcat}; ${reps} run(s), medians; ${command}; ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    console.log(report.markdown);
    if (startup) console.log(`\nEmpty broker start-up (Broker.start → listening, in-process): first in a process ${startup.first.toFixed(1)} ms (compiles the WASM module), then median of 7 ${startup.median.toFixed(1)} ms`);
    if (failures.length) console.log(`\n${failures.length} run(s) FAILED:\n${failures.map((f) => `- ${f.scenario} (run ${f.rep + 1}): ${f.error.split('\n')[0]}`).join('\n')}`);
  }
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), complete: final, command, machine, args, peers, repetitions: reps, startup, failures, summary: rows, targets: report.targets, markdown: report.markdown, runs: measured }, null, 2));
    if (final) console.log(`\nJSON: ${args.json}`);
  }
  if (args.svg) {
    mkdirSync(dirname(args.svg), { recursive: true });
    writeFileSync(args.svg, chart(rows, `Gregor vs Redis Streams vs NATS JetStream — ${new Date().toISOString().slice(0, 10)}, ${machine.model} × ${machine.cpus}, medians of ${reps}`));
    if (final) console.log(`SVG: ${args.svg}`);
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
