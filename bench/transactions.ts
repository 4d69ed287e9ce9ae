/**
 * What transactions cost (`npm run bench:transactions`), with a real client (@platformatic/kafka)
 * against a Gregor broker process (fresh log dir per run):
 *
 * - produce: `--records` records (8-byte keys, 100-byte values) to one partition, in sends of
 *   100 and of 1,000 records, one send awaited at a time — idempotent (`idempotent: true`,
 *   acks=all) vs transactional (beginTransaction → the send → commit(): one transaction per
 *   send); records/s of each and the ratio transactional ÷ idempotent per size;
 * - commit latency: every commit() of the transactional runs in an HDR histogram
 *   (hdr-histogram-js, µs): p50 / p99 in ms (EndTxn round trip; the markers follow);
 * - consume: the topic the transactions of 100 wrote (records + one COMMIT marker per 100) read
 *   by `gregor perf consume`'s engine with isolation.level read_committed vs read_uncommitted,
 *   records/s after the group join (fetch.time).
 *
 * Every run checks that both consumers read every record of the transactions of 100 (no more,
 * no fewer). Scenario order alternates between runs; figures are medians.
 *
 *   npm run bench:transactions [-- --records 100000 --runs 3 --json FILE]
 *   npm run bench:transactions -- --quick      seconds: 2,000 records, 1 run
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Producer } from '@platformatic/kafka';
import { build } from 'hdr-histogram-js';
import { kafkaConnectionOptions } from '../src/cli/kafka-client-options.js';
import { runConsumePerf } from '../src/perf/consume-runner.js';
import { type GregorServer, createTopic, startGregor } from './e2e/gregor-server.js';

interface Args {
  records: number;
  runs: number;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { records: 100_000, runs: 3, json: null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--records' && next) args.records = Number(argv[++i]);
    else if (argv[i] === '--runs' && next) args.runs = Number(argv[++i]);
    else if (argv[i] === '--json' && next) args.json = argv[++i]!;
    else if (argv[i] === '--quick') Object.assign(args, { records: 2_000, runs: 1 });
  }
  if (!Number.isInteger(args.records) || args.records < 1000 || args.records % 1000 !== 0) throw new Error('--records must be a multiple of 1000');
  return args;
}

type Mode = 'idempotent' | 'transactional';
interface ProduceScenario {
  mode: Mode;
  /** Records per send (and per transaction). */
  size: 100 | 1000;
}

const SCENARIOS: ProduceScenario[] = [
  { mode: 'idempotent', size: 100 },
  { mode: 'transactional', size: 100 },
  { mode: 'idempotent', size: 1000 },
  { mode: 'transactional', size: 1000 },
];
const keyOf = (s: ProduceScenario) => `${s.mode}-${s.size}`;

function makeMessages(topic: string, from: number, count: number) {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    const value = Buffer.alloc(100);
    for (let k = 0; k < 100; k++) value[k] = 0x61 + ((i + k) % 26);
    return { topic, partition: 0, key: Buffer.from(String(i).padStart(8, '0')), value };
  });
}

/** One produce scenario on its own topic: records/s, and the commit latencies (µs) of a transactional one. */
async function produce(server: GregorServer, s: ProduceScenario, records: number, run: number): Promise<{ recordsPerSec: number; commitUs: number[]; topic: string }> {
  const topic = `bench-${keyOf(s)}`;
  await createTopic(server.port, topic, 1);
  const connection = kafkaConnectionOptions(`127.0.0.1:${server.port}`, {}, `bench-${keyOf(s)}`);
  const producer = new Producer({
    ...connection,
    idempotent: true,
    acks: -1,
    ...(s.mode === 'transactional' ? { transactionalId: `bench-${keyOf(s)}-${run}` } : {}),
  } as ConstructorParameters<typeof Producer>[0]);
  const commitUs: number[] = [];
  const sendOne = async (from: number) => {
    const messages = makeMessages(topic, from, s.size);
    if (s.mode === 'idempotent') {
      await producer.send({ messages });
      return;
    }
    const txn = await producer.beginTransaction();
    await txn.send({ messages });
    const t0 = performance.now();
    await txn.commit();
    commitUs.push(Math.round((performance.now() - t0) * 1000));
  };
  try {
    // One untimed send first: connections, metadata, InitProducerId.
    await sendOne(0);
    commitUs.length = 0;
    const start = performance.now();
    for (let from = s.size; from < s.size + records; from += s.size) await sendOne(from);
    const ms = performance.now() - start;
    return { recordsPerSec: records / (ms / 1000), commitUs, topic };
  } finally {
    await producer.close();
  }
}

/** Reads all `records` of `topic` with `isolation`; fetch records/s. Errors: an Error if not all came back. */
async function consume(server: GregorServer, topic: string, records: number, isolation: 'read_committed' | 'read_uncommitted', run: number): Promise<number> {
  const r = await runConsumePerf({
    bootstrap: `127.0.0.1:${server.port}`,
    props: { 'isolation.level': isolation, 'enable.auto.commit': 'false' },
    topic,
    messages: records,
    group: `bench-${isolation}-${run}`,
    timeoutMs: 20_000,
    fromLatest: false,
  });
  if (r.summary.records !== records) throw new Error(`${isolation}: read ${r.summary.records} of ${records} records`);
  return r.summary.fetchRecordsPerSec;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const produced: Record<string, number[]> = Object.fromEntries(SCENARIOS.map((s) => [keyOf(s), []]));
  const consumed: Record<string, number[]> = { read_committed: [], read_uncommitted: [] };
  const commits = { 100: build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }), 1000: build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }) };
  const commitP: Record<string, { p50: number[]; p99: number[] }> = { 100: { p50: [], p99: [] }, 1000: { p50: [], p99: [] } };
  const loads: number[] = [];
  for (let run = 0; run < args.runs; run++) {
    loads.push(loadavg()[0]!);
    const server = await startGregor('wasm', 0, 'bench-warmup', 1, { 'group.initial.rebalance.delay.ms': '0' });
    try {
      let txnTopic = '';
      for (const s of run % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse()) {
        const r = await produce(server, s, args.records, run);
        produced[keyOf(s)]!.push(r.recordsPerSec);
        if (s.mode === 'transactional') {
          const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
          for (const us of r.commitUs) {
            h.recordValue(us);
            commits[s.size].recordValue(us);
          }
          commitP[s.size]!.p50.push(h.getValueAtPercentile(50) / 1000);
          commitP[s.size]!.p99.push(h.getValueAtPercentile(99) / 1000);
          if (s.size === 100) txnTopic = r.topic;
        }
        process.stderr.write(`run ${run + 1}/${args.runs} ${keyOf(s)}: ${Math.round(r.recordsPerSec).toLocaleString('en-US')} records/s\n`);
      }
      const total = args.records + 100; // with the untimed first transaction
      for (const isolation of run % 2 === 0 ? (['read_committed', 'read_uncommitted'] as const) : (['read_uncommitted', 'read_committed'] as const)) {
        const rate = await consume(server, txnTopic, total, isolation, run);
        consumed[isolation]!.push(rate);
        process.stderr.write(`run ${run + 1}/${args.runs} consume ${isolation}: ${Math.round(rate).toLocaleString('en-US')} records/s\n`);
      }
    } finally {
      await server.stop();
    }
  }
  const m = (k: string) => median(produced[k]!);
  const summary = {
    produce: Object.fromEntries(SCENARIOS.map((s) => [keyOf(s), Math.round(m(keyOf(s)))])),
    ratio100: +(m('transactional-100') / m('idempotent-100')).toFixed(3),
    ratio1000: +(m('transactional-1000') / m('idempotent-1000')).toFixed(3),
    commitMs: Object.fromEntries(([100, 1000] as const).map((size) => [size, { p50: +median(commitP[size]!.p50).toFixed(2), p99: +median(commitP[size]!.p99).toFixed(2), allRunsP50: +(commits[size].getValueAtPercentile(50) / 1000).toFixed(2), allRunsP99: +(commits[size].getValueAtPercentile(99) / 1000).toFixed(2) }])),
    consume: { read_committed: Math.round(median(consumed.read_committed!)), read_uncommitted: Math.round(median(consumed.read_uncommitted!)), ratio: +(median(consumed.read_committed!) / median(consumed.read_uncommitted!)).toFixed(3) },
    // Each run's own ratio (both sides measured minutes apart on the same broker), median over runs: steadier on a shared machine.
    pairedRatios: {
      produce100: +median(produced['transactional-100']!.map((t, i) => t / produced['idempotent-100']![i]!)).toFixed(3),
      produce1000: +median(produced['transactional-1000']!.map((t, i) => t / produced['idempotent-1000']![i]!)).toFixed(3),
      consume: +median(consumed.read_committed!.map((c, i) => c / consumed.read_uncommitted![i]!)).toFixed(3),
    },
  };
  console.log(`\nTransactions, @platformatic/kafka → Gregor process (wasm), ${args.records.toLocaleString('en-US')} records × 100 B per scenario, median of ${args.runs} run(s); load average at run starts: ${loads.map((l) => l.toFixed(1)).join(', ')}`);
  console.table(SCENARIOS.map((s) => ({ scenario: keyOf(s), 'records/s': summary.produce[keyOf(s)] })));
  console.log(`transactional ÷ idempotent (ratio of medians; median of per-run ratios): ${summary.ratio100}× / ${summary.pairedRatios.produce100}× (100 per transaction), ${summary.ratio1000}× / ${summary.pairedRatios.produce1000}× (1,000 per transaction)`);
  console.log(`commit() latency, median over runs of each run's p50 / p99: 100 → ${summary.commitMs[100]!.p50} / ${summary.commitMs[100]!.p99} ms; 1,000 → ${summary.commitMs[1000]!.p50} / ${summary.commitMs[1000]!.p99} ms`);
  console.log(`consume (fetch records/s): read_committed ${summary.consume.read_committed.toLocaleString('en-US')}, read_uncommitted ${summary.consume.read_uncommitted.toLocaleString('en-US')} (${summary.consume.ratio}×; median of per-run ratios ${summary.pairedRatios.consume}×)`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAtRunStarts: loads }, args, summary, produced, consumed, commitP }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
