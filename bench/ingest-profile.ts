/**
 * The ingest path of one broker, A/B between builds in one sitting (issue 12, "CPU per byte"
 * and "Tail latency"):
 *
 *   node dist/bench/ingest-profile.js [--build NAME=TREE [--env NAME K=V]…]… [--engine wasm|js] [--workers N]
 *     [--partitions 4] [--records 1000000] [--value-bytes 100] [--runs 3] [--rate R]
 *     [--no-cpu] [--no-latency] [--cpu-prof DIR] [--trace-gc] [--observe] [--json FILE]
 *
 * Each `--build NAME=TREE` is a built checkout (its `bin/gregor.js` and `dist/`; default this
 * one, named `this`); `--env NAME KEY=VALUE` adds an environment variable to that build's
 * brokers (e.g. glibc's `MALLOC_TRIM_THRESHOLD_`; the same tree may be given twice under two
 * names). Per run and build, alternating the order of the builds from run to run:
 *   - cpu: a fresh broker (bench/e2e/gregor-server.ts), one kcat producer (acks=1, linger.ms 5,
 *     as `npm run bench`) sends W1 as fast as it can; the broker's CPU seconds (utime + stime
 *     of /proc/<pid>/stat) over the produce → ns per ingested byte (key + value bytes) and
 *     records/s;
 *   - latency: a fresh broker, one kcat producer paced at `--rate` records/s (default: half of
 *     the median cpu-run records/s of this sitting so far) with `debug=protocol`; p50/p99/p999
 *     of librdkafka's ProduceRequest round trips.
 * `--cpu-prof DIR` runs the brokers under `node --cpu-prof` (one profile per thread, in
 * DIR/<build>-<phase>-<run>/, with window.json: the produce's span, so that profile-summary.js
 * leaves out start-up and shutdown); `--trace-gc`
 * keeps each broker's GC trace in DIR (or the system temp dir); `--observe` preloads
 * bench/loop-observer.ts into the latency runs' brokers and prints its event-loop delay, GC
 * pauses and stalls, and which stalls a GC overlapped.
 * Medians per build and the ratio of each build to the first. Figures are for comparing
 * builds within one sitting on a shared machine, not across sittings.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPIC, kcatProduceArgs, kcatRtts, pacedKcat } from './e2e/execute.js';
import { startGregor } from './e2e/gregor-server.js';
import { cpuSeconds, minorFaults } from './e2e/proc-stats.js';
import { run } from './e2e/process.js';
import { KEY_BYTES, kcatInput, percentile } from './e2e/records.js';
import type { LoopObservation } from './loop-observer.js';

const THIS_TREE = fileURLToPath(new URL('../../', import.meta.url));
const OBSERVER = fileURLToPath(new URL('./loop-observer.js', import.meta.url));

/** A built checkout to run, and extra environment variables for its brokers. */
interface Build {
  name: string;
  tree: string;
  env: Record<string, string>;
}

interface Args {
  builds: Build[];
  engine: 'js' | 'wasm';
  workers: number;
  partitions: number;
  records: number;
  valueBytes: number;
  runs: number;
  rate: number;
  cpu: boolean;
  latency: boolean;
  cpuProf: string | null;
  traceGc: boolean;
  observe: boolean;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { builds: [], engine: 'wasm', workers: 0, partitions: 4, records: 1_000_000, valueBytes: 100, runs: 3, rate: 0, cpu: true, latency: true, cpuProf: null, traceGc: false, observe: false, json: null };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i]!;
    switch (argv[i]) {
      case '--build': {
        const [name, tree] = next().split('=');
        a.builds.push({ name: name!, tree: resolve(tree!), env: {} });
        break;
      }
      case '--env': {
        const [name, kv] = [next(), next()];
        const eq = kv.indexOf('=');
        const build = a.builds.find((b) => b.name === name);
        if (!build || eq < 0) throw new Error(`--env ${name} ${kv}: name a --build given before it, then KEY=VALUE`);
        build.env[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--engine': a.engine = next() as 'js' | 'wasm'; break;
      case '--workers': a.workers = Number(next()); break;
      case '--partitions': a.partitions = Number(next()); break;
      case '--records': a.records = Number(next()); break;
      case '--value-bytes': a.valueBytes = Number(next()); break;
      case '--runs': a.runs = Number(next()); break;
      case '--rate': a.rate = Number(next()); break;
      case '--no-cpu': a.cpu = false; break;
      case '--no-latency': a.latency = false; break;
      case '--cpu-prof': a.cpuProf = resolve(next()); break;
      case '--trace-gc': a.traceGc = true; break;
      case '--observe': a.observe = true; break;
      case '--json': a.json = next(); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (a.builds.length === 0) a.builds.push({ name: 'this', tree: THIS_TREE, env: {} });
  return a;
}

interface CpuRun { build: string; run: number; nsPerByte: number; cpuS: number; recordsPerSec: number; faultsPerMB: number }
interface LatencyRun {
  build: string;
  run: number;
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  requests: number;
  observed?: { loopDelayMs: LoopObservation['loopDelayMs']; gcCount: number; gcMs: number; gcMaxMs: number; stalls: number; stallsWithGc: number; stallsWithSlowIo: number; slowIo: number; slowIoMaxMs: number; stallMaxMs: number; worstStalls: string };
}

const median = (xs: number[]) => percentile([...xs].sort((x, y) => x - y), 50);

async function broker(args: Args, build: Build, phase: string, runIndex: number, extraNodeArgs: string[] = [], onOutput?: (s: string) => void) {
  const nodeArgs = [...extraNodeArgs];
  const tag = `${build.name}-${phase}-${runIndex}`;
  if (args.cpuProf) {
    const dir = join(args.cpuProf, tag);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', dir);
  }
  if (args.traceGc) nodeArgs.push('--trace-gc');
  return startGregor(args.engine, args.workers, TOPIC, args.partitions, {}, { bin: join(build.tree, 'bin/gregor.js'), nodeArgs, onOutput, env: build.env });
}

/** CLOCK_MONOTONIC in µs: the clock of V8's profile timestamps (profile-summary.ts --window). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function cpuRun(args: Args, build: Build, runIndex: number, input: Buffer): Promise<CpuRun> {
  const server = await broker(args, build, 'cpu', runIndex);
  const startUs = monotonicUs();
  try {
    const cpu0 = cpuSeconds(server.pid);
    const faults0 = minorFaults(server.pid);
    const r = await run('kcat', kcatProduceArgs(server, '1', false), input);
    const cpu1 = cpuSeconds(server.pid);
    const faults1 = minorFaults(server.pid);
    if (args.cpuProf) writeFileSync(join(args.cpuProf, `${build.name}-cpu-${runIndex}`, 'window.json'), JSON.stringify({ startUs, endUs: monotonicUs() }));
    if (r.code !== 0) throw new Error(`kcat exited with ${r.code}: ${r.stderr.slice(-2000)}`);
    const bytes = args.records * (KEY_BYTES + args.valueBytes);
    return { build: build.name, run: runIndex, cpuS: cpu1 - cpu0, nsPerByte: ((cpu1 - cpu0) * 1e9) / bytes, faultsPerMB: ((faults1 - faults0) * 1e6) / bytes, recordsPerSec: args.records / ((r.end - r.start) / 1000) };
  } finally {
    await server.stop();
  }
}

function attribute(o: LoopObservation): NonNullable<LatencyRun['observed']> {
  const overlapsGc = (s: { end: number; ms: number }) => o.gcs.some((g) => g.at < s.end && g.at + g.ms > s.end - s.ms);
  const overlapsIo = (s: { end: number; ms: number }) => o.slowIo.some((w) => w.end - w.ms < s.end && w.end > s.end - s.ms);
  const worst = [...o.stalls].sort((a, b) => b.ms - a.ms).slice(0, 5);
  return {
    loopDelayMs: o.loopDelayMs,
    gcCount: o.gcs.length,
    gcMs: o.gcs.reduce((n, g) => n + g.ms, 0),
    gcMaxMs: Math.max(0, ...o.gcs.map((g) => g.ms)),
    stalls: o.stalls.length,
    stallsWithGc: o.stalls.filter(overlapsGc).length,
    stallsWithSlowIo: o.stalls.filter(overlapsIo).length,
    slowIo: o.slowIo.length,
    slowIoMaxMs: Math.max(0, ...o.slowIo.map((w) => w.ms)),
    stallMaxMs: Math.max(0, ...o.stalls.map((s) => s.ms)),
    worstStalls: worst.map((s) => `${s.ms.toFixed(1)}${overlapsGc(s) ? 'gc' : ''}${overlapsIo(s) ? 'io' : ''}`).join(' '),
  };
}

async function latencyRun(args: Args, build: Build, runIndex: number, input: Buffer, rate: number): Promise<LatencyRun> {
  const work = mkdtempSync(join(tmpdir(), 'gregor-ingest-'));
  const observeFile = join(work, 'observed.json');
  if (args.observe) process.env.GREGOR_LOOP_OBSERVER_FILE = observeFile;
  let gcTrace = '';
  const server = await broker(args, build, 'latency', runIndex, args.observe ? ['--import', OBSERVER] : [], args.traceGc ? (s) => (gcTrace += s) : undefined);
  delete process.env.GREGOR_LOOP_OBSERVER_FILE;
  try {
    const lineBytes = KEY_BYTES + 1 + args.valueBytes + 1;
    const r = await pacedKcat(kcatProduceArgs(server, '1', true), input, lineBytes, rate);
    if (r.code !== 0) throw new Error(`kcat exited with ${r.code}`);
    const rtts = kcatRtts(r.stderr).sort((x, y) => x - y);
    await server.stop();
    const out: LatencyRun = { build: build.name, run: runIndex, rate, p50: percentile(rtts, 50), p99: percentile(rtts, 99), p999: percentile(rtts, 99.9), max: rtts[rtts.length - 1] ?? Number.NaN, requests: rtts.length };
    if (args.observe) out.observed = attribute(JSON.parse(readFileSync(observeFile, 'utf8')) as LoopObservation);
    if (args.traceGc) writeFileSync(join(args.cpuProf ?? tmpdir(), `${build.name}-latency-${runIndex}.gc.log`), gcTrace.split('\n').filter((l) => !l.startsWith('{')).join('\n'));
    return out;
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const input = kcatInput(0, args.records, args.valueBytes);
  const cpu: CpuRun[] = [];
  const latency: LatencyRun[] = [];
  const f = (x: number, d = 2) => x.toFixed(d);
  for (let r = 0; r < args.runs; r++) {
    const order = r % 2 === 0 ? args.builds : [...args.builds].reverse();
    for (const build of order) {
      if (args.cpu) {
        const c = await cpuRun(args, build, r, input);
        cpu.push(c);
        process.stderr.write(`run ${r} ${build.name} cpu: ${f(c.nsPerByte)} ns/B (${f(c.cpuS)} CPU-s), ${c.recordsPerSec.toFixed(0)} records/s, ${f(c.faultsPerMB, 0)} page faults/MB\n`);
      }
      if (args.latency) {
        const rate = args.rate || Math.round(median(cpu.map((c) => c.recordsPerSec)) / 2) || 400_000;
        const l = await latencyRun(args, build, r, input, rate);
        latency.push(l);
        const o = l.observed;
        process.stderr.write(
          `run ${r} ${build.name} latency @${rate}/s: p50 ${f(l.p50)} p99 ${f(l.p99)} p999 ${f(l.p999)} max ${f(l.max)} ms (${l.requests} requests)` +
            (o ? `; loop delay p99 ${f(o.loopDelayMs.p99)} max ${f(o.loopDelayMs.max)} ms; GC ${o.gcCount}× ${f(o.gcMs, 0)} ms (max ${f(o.gcMaxMs)}); stalls >3 ms ${o.stalls} (${o.stallsWithGc} with GC, ${o.stallsWithSlowIo} with a slow write/fsync; slow writes ${o.slowIo}, max ${f(o.slowIoMaxMs)} ms), worst ${o.worstStalls}` : '') +
            '\n',
        );
      }
    }
  }
  const rows = args.builds.map((b) => {
    const c = cpu.filter((x) => x.build === b.name);
    const l = latency.filter((x) => x.build === b.name);
    return { build: b.name, nsPerByte: median(c.map((x) => x.nsPerByte)), faultsPerMB: median(c.map((x) => x.faultsPerMB)), recordsPerSec: median(c.map((x) => x.recordsPerSec)), p50: median(l.map((x) => x.p50)), p99: median(l.map((x) => x.p99)), p999: median(l.map((x) => x.p999)) };
  });
  const base = rows[0]!;
  process.stdout.write(`\n${args.engine}/w${args.workers}, ${args.partitions} partitions, ${args.records} × ${args.valueBytes} B, medians of ${args.runs}\n`);
  process.stdout.write('| build | ns/byte | page faults/MB | records/s | p50 ms | p99 ms | p999 ms | ns/byte ÷ first | p99 ÷ first |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  for (const x of rows) process.stdout.write(`| ${x.build} | ${f(x.nsPerByte)} | ${f(x.faultsPerMB, 0)} | ${x.recordsPerSec.toFixed(0)} | ${f(x.p50)} | ${f(x.p99)} | ${f(x.p999)} | ${f(x.nsPerByte / base.nsPerByte)} | ${f(x.p99 / base.p99)} |\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ args: { ...args, builds: args.builds.map((b) => b.name) }, cpu, latency, medians: rows }, null, 1));
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
