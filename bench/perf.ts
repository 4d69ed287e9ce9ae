/**
 * `npm run bench:perf`: Gregor measured with `gregor perf`'s own engine (src/perf/: the same
 * runners as `gregor perf produce|consume`, no private copy): per run a fresh broker process
 * (bench/e2e/gregor-server.ts, engine wasm, workers 0, a topic of 4 partitions), then
 *
 *   1. produce `--records` (1,000,000) × 100 B unthrottled, acks=1, linger.ms 5, batch.size 64 KiB
 *   2. consume them back (a fresh group, from the beginning)
 *   3. produce paced at `--rate` (50,000) records/s for ~5 s (latency at a steady rate)
 *
 * and prints medians of `--runs` (3): records/s, MB/s, latency p50/p99/p99.9 (HDR), consumer
 * records/s. `--bootstrap host:port` measures an already running broker instead (Kafka,
 * Redpanda, …; topic `--topic`, default perf-bench, which must exist). `--json FILE` saves
 * every run; `--report FILE` writes the last unthrottled run's HTML report.
 *
 *   npm run bench:perf -- [--records N] [--runs N] [--rate R] [--bootstrap B --topic T] [--json FILE] [--report FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { median } from '../src/perf/compare.js';
import { type ConsumePerfResult, runConsumePerf } from '../src/perf/consume-runner.js';
import { fixedSizePayload } from '../src/perf/payloads.js';
import { type ProducePerfResult, runProducePerf } from '../src/perf/produce-runner.js';
import { renderReport } from '../src/perf/report-html.js';
import { startGregor } from './e2e/gregor-server.js';

interface Args {
  records: number;
  runs: number;
  rate: number;
  bootstrap: string | null;
  topic: string;
  json: string | null;
  report: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { records: 1_000_000, runs: 3, rate: 50_000, bootstrap: null, topic: 'perf-bench', json: null, report: null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (next === undefined) break;
    if (argv[i] === '--records') args.records = Number(argv[++i]);
    else if (argv[i] === '--runs') args.runs = Number(argv[++i]);
    else if (argv[i] === '--rate') args.rate = Number(argv[++i]);
    else if (argv[i] === '--bootstrap') args.bootstrap = argv[++i]!;
    else if (argv[i] === '--topic') args.topic = argv[++i]!;
    else if (argv[i] === '--json') args.json = argv[++i]!;
    else if (argv[i] === '--report') args.report = argv[++i]!;
  }
  return args;
}

const PRODUCER_PROPS = { acks: '1', 'linger.ms': '5', 'batch.size': '65536' };

interface Run {
  run: number;
  unthrottled: ProducePerfResult;
  consumed: ConsumePerfResult;
  paced: ProducePerfResult;
}

async function oneRun(args: Args, run: number): Promise<Run> {
  const server = args.bootstrap ? null : await startGregor('wasm', 0, args.topic, 4);
  const bootstrap = args.bootstrap ?? `127.0.0.1:${server!.port}`;
  try {
    const produce = (numRecords: number, throughput: number) =>
      runProducePerf({ bootstrap, props: PRODUCER_PROPS, topic: args.topic, numRecords, payloads: fixedSizePayload(100), throughput, reportingIntervalMs: 5000 });
    const unthrottled = await produce(args.records, -1);
    const consumed = await runConsumePerf({ bootstrap, props: {}, topic: args.topic, messages: args.records, group: `perf-bench-${Date.now()}`, timeoutMs: 30_000, fromLatest: false });
    const paced = await produce(Math.round(args.rate * 5), args.rate);
    return { run, unthrottled, consumed, paced };
  } finally {
    await server?.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runs: Run[] = [];
  for (let i = 0; i < args.runs; i++) {
    const r = await oneRun(args, i + 1);
    runs.push(r);
    const u = r.unthrottled.summary;
    process.stderr.write(`run ${i + 1}/${args.runs}: produce ${u.recordsPerSec.toFixed(0)} records/s (p99 ${u.p99Ms.toFixed(1)} ms), consume ${r.consumed.summary.recordsPerSec.toFixed(0)} records/s, paced p99 ${r.paced.summary.p99Ms.toFixed(1)} ms\n`);
  }
  const med = (f: (r: Run) => number) => median(runs.map(f));
  const target = args.bootstrap ?? 'Gregor (fresh broker process per run, wasm, workers 0, 4 partitions)';
  console.log(`\ngregor perf engine — ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}; ${target}; medians of ${runs.length}\n`);
  console.log('| measure | value |\n| --- | ---: |');
  console.log(`| produce ${args.records.toLocaleString('en-US')} × 100 B unthrottled (acks=1), records/s | ${med((r) => r.unthrottled.summary.recordsPerSec).toFixed(0)} |`);
  console.log(`| produce MB/s | ${med((r) => r.unthrottled.summary.mbPerSec).toFixed(2)} |`);
  console.log(`| produce latency p50 / p99 / p99.9 ms (unthrottled: queueing included) | ${med((r) => r.unthrottled.summary.p50Ms).toFixed(1)} / ${med((r) => r.unthrottled.summary.p99Ms).toFixed(1)} / ${med((r) => r.unthrottled.summary.p999Ms).toFixed(1)} |`);
  console.log(`| consume records/s (fetch only, join excluded) | ${med((r) => r.consumed.summary.fetchRecordsPerSec).toFixed(0)} |`);
  console.log(`| paced at ${args.rate.toLocaleString('en-US')}/s: records/s held | ${med((r) => r.paced.summary.recordsPerSec).toFixed(0)} |`);
  console.log(`| paced latency p50 / p99 / p99.9 ms | ${med((r) => r.paced.summary.p50Ms).toFixed(1)} / ${med((r) => r.paced.summary.p99Ms).toFixed(1)} / ${med((r) => r.paced.summary.p999Ms).toFixed(1)} |`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), args, producerProps: PRODUCER_PROPS, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, runs }, null, 2));
    console.log(`\nJSON: ${args.json}`);
  }
  if (args.report) {
    writeFileSync(args.report, renderReport(runs.at(-1)!.unthrottled));
    console.log(`Report: ${args.report}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
