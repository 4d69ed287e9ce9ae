/**
 * `gregor perf produce|consume`: kafka-producer-perf-test and kafka-consumer-perf-test
 * against any Kafka-compatible broker (engine in src/perf/):
 *
 *   gregor perf produce --topic T --num-records N (--record-size B | --payload-file F
 *       [--payload-delimiter D]) --throughput R|-1 [--producer-props k=v …]
 *       [--producer.config FILE] [-b host:port] [--reporting-interval MS]
 *       [--json] [--report out.html] [--compare host:port --runs N]
 *   gregor perf consume --topic T --messages N [--group G] [--timeout MS] [--from-latest]
 *       [--consumer.config FILE] [--consumer-props k=v …] [-b host:port]
 *       [--json] [--report out.html] [--compare host:port --runs N]
 *
 * stdout carries Kafka's lines (periodic + final for produce; header + line for consume),
 * or with --json one JSON document at the end. On a terminal stderr shows a progress bar
 * (the periodic lines print above it); otherwise periodic lines only (for consume on
 * stderr, as plain `N records consumed, …` lines). Exit code 1 with `gregor: <message>` when
 * the run fails or any record failed.
 */
import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { clientProperties } from './kafka-client-options.js';
import { type CompareResult, compareAlternately } from '../perf/compare.js';
import { type ConsumePerfResult, runConsumePerf } from '../perf/consume-runner.js';
import { CONSUMER_HEADER, consumerLine, totalLine, windowLine } from '../perf/kafka-format.js';
import { type PayloadSource, filePayloads, fixedSizePayload } from '../perf/payloads.js';
import { type ProducePerfResult, runProducePerf } from '../perf/produce-runner.js';
import { MB } from '../perf/produce-stats.js';
import { ProgressBar } from '../perf/progress-bar.js';
import { renderReport } from '../perf/report-html.js';

function integer(min: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`"${value}" is not ${what}`);
    return n;
  };
}

function throughputArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || (n <= 0 && n !== -1)) throw new InvalidArgumentError(`"${value}" is not a rate in records/s (> 0) or -1 (unthrottled)`);
  return n;
}

function bootstrapOf(flag: string | undefined, props: Record<string, string>, configFlag: string): string {
  const bootstrap = flag ?? props['bootstrap.servers'];
  if (!bootstrap) throw new Error(`--bootstrap-server is required (or bootstrap.servers in ${configFlag})`);
  return bootstrap;
}

/** Where periodic lines go: stdout normally; with --json, stderr (or nowhere on a terminal, where the bar shows). */
function periodicStream(json: boolean, bar: ProgressBar): NodeJS.WritableStream | null {
  if (!json) return process.stdout;
  return bar.enabled ? null : process.stderr;
}

async function failOnError(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    process.stderr.write(`gregor: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

function writeReport(file: string | undefined, result: ProducePerfResult | ConsumePerfResult): void {
  if (!file) return;
  writeFileSync(file, renderReport(result));
  process.stderr.write(`Report written to ${file}\n`);
}

/** Runs --compare's pairs and prints each pair's ratio and the median (or, with --json, one document). */
async function runCompare<R extends { summary: { recordsPerSec: number } }>(
  kind: 'produce' | 'consume',
  addresses: { A: string; B: string },
  opts: { runs: number; json?: boolean },
  run: (side: 'A' | 'B', index: number) => Promise<R>,
  unit: (r: R) => string,
): Promise<void> {
  const result: CompareResult<R> = await compareAlternately(opts.runs, run, (r) => r.summary.recordsPerSec, (p) => {
    if (!opts.json) process.stdout.write(`run ${p.run}: B/A ${p.ratio.toFixed(4)} (A ${unit(p.a)}, B ${unit(p.b)})\n`);
  });
  if (opts.json) process.stdout.write(`${JSON.stringify({ kind: `${kind}-compare`, a: addresses.A, b: addresses.B, ratios: result.pairs.map((p) => p.ratio), medianRatio: result.medianRatio, pairs: result.pairs }, null, 2)}\n`);
  else process.stdout.write(`median B/A: ${result.medianRatio.toFixed(4)} over ${result.pairs.length} run(s) (records/sec)\n`);
}

/** The options withCommonOptions adds, plus --reporting-interval. */
interface CommonOpts {
  bootstrapServer?: string;
  reportingInterval: number;
  json?: boolean;
  report?: string;
  compare?: string;
  runs: number;
}

interface ProduceOpts extends CommonOpts {
  topic: string;
  numRecords: number;
  recordSize?: number;
  payloadFile?: string;
  payloadDelimiter: string;
  throughput: number;
  producerProps?: string[];
  'producer.config'?: string;
}

async function produce(opts: ProduceOpts): Promise<void> {
  if ((opts.recordSize === undefined) === (opts.payloadFile === undefined)) throw new Error('either --record-size or --payload-file must be specified, not both');
  const props = clientProperties(opts['producer.config'], opts.producerProps ?? []);
  const bootstrap = bootstrapOf(opts.bootstrapServer, props, '--producer-props / --producer.config');
  const payloads: PayloadSource = opts.payloadFile ? filePayloads(opts.payloadFile, opts.payloadDelimiter) : fixedSizePayload(opts.recordSize!);
  const warned = new Set<string>();
  const once = (side: string, address: string, bar: ProgressBar, quiet: boolean) =>
    runProducePerf({
      bootstrap: address,
      props,
      topic: opts.topic,
      numRecords: opts.numRecords,
      payloads,
      throughput: opts.throughput,
      reportingIntervalMs: opts.reportingInterval,
      onWindow: (w) => {
        const out = quiet ? null : periodicStream(opts.json === true, bar);
        if (out) bar.line(`${side}${windowLine(w)}`, out);
      },
      onProgress: (n) => bar.update(n),
      onWarning: (m) => {
        if (!warned.has(m)) process.stderr.write(`WARN ${m}\n`);
        warned.add(m);
      },
    });
  if (opts.compare) {
    const addresses = { A: bootstrap, B: opts.compare };
    if (!opts.json) process.stdout.write(`A: ${addresses.A}\nB: ${addresses.B}\n`);
    await runCompare(
      'produce',
      addresses,
      opts,
      async (side, i) => {
        const bar = new ProgressBar(opts.numRecords, `records (run ${i + 1} ${side})`);
        const r = await once(`run ${i + 1} ${side}: `, addresses[side], bar, true);
        bar.finish();
        if (!opts.json) process.stdout.write(`run ${i + 1} ${side}: ${totalLine(r.summary)}\n`);
        if (r.summary.errors > 0) throw new Error(`${r.summary.errors} records failed on ${side} (${addresses[side]}): ${r.firstError}`);
        return r;
      },
      (r) => `${r.summary.recordsPerSec.toFixed(1)} records/sec`,
    );
    return;
  }
  const bar = new ProgressBar(opts.numRecords, 'records');
  const result = await once('', bootstrap, bar, false);
  bar.finish();
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${totalLine(result.summary)}\n`);
  writeReport(opts.report, result);
  if (result.summary.errors > 0) throw new Error(`${result.summary.errors} of ${opts.numRecords} records failed: ${result.firstError}`);
}

interface ConsumeOpts extends CommonOpts {
  topic: string;
  messages: number;
  group?: string;
  timeout: number;
  fromLatest?: boolean;
  'consumer.config'?: string;
  consumerProps?: string[];
}

async function consume(opts: ConsumeOpts): Promise<void> {
  const props = clientProperties(opts['consumer.config'], opts.consumerProps ?? []);
  const bootstrap = bootstrapOf(opts.bootstrapServer, props, '--consumer.config');
  const once = async (address: string, group: string, label: string): Promise<ConsumePerfResult> => {
    const bar = new ProgressBar(opts.messages, 'records');
    let lastLine = performance.now();
    let lastCount = 0;
    const result = await runConsumePerf({
      bootstrap: address,
      props,
      topic: opts.topic,
      messages: opts.messages,
      group,
      timeoutMs: opts.timeout,
      fromLatest: opts.fromLatest === true,
      onProgress: (n) => {
        bar.update(n);
        const now = performance.now();
        if (!bar.enabled && now - lastLine >= opts.reportingInterval) {
          const seconds = (now - lastLine) / 1000;
          process.stderr.write(`${label}${n} records consumed, ${((n - lastCount) / seconds).toFixed(1)} records/sec\n`);
          lastLine = now;
          lastCount = n;
        }
      },
    });
    bar.finish();
    if (result.timedOut) process.stderr.write(`WARNING: Exiting before consuming the expected number of messages: timeout (${opts.timeout} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
    return result;
  };
  const groupFor = (i: number) => opts.group ?? `perf-consumer-${Math.floor(Math.random() * 100_000)}${opts.compare ? `-${i}` : ''}`;
  if (opts.compare) {
    const addresses = { A: bootstrap, B: opts.compare };
    if (!opts.json) process.stdout.write(`A: ${addresses.A}\nB: ${addresses.B}\n${CONSUMER_HEADER}\n`);
    await runCompare(
      'consume',
      addresses,
      opts,
      async (side, i) => {
        const r = await once(addresses[side], `${groupFor(i)}-${side}`, `run ${i + 1} ${side}: `);
        if (!opts.json) process.stdout.write(`${consumerLine(r.summary)}\n`);
        return r;
      },
      (r) => `${r.summary.recordsPerSec.toFixed(4)} nMsg.sec`,
    );
    return;
  }
  const result = await once(bootstrap, groupFor(0), '');
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, dataConsumedMB: result.summary.bytes / MB }, null, 2)}\n`);
  else process.stdout.write(`${CONSUMER_HEADER}\n${consumerLine(result.summary)}\n`);
  writeReport(opts.report, result);
}

/** The options both commands take: the address, the outputs, --compare. */
function withCommonOptions(cmd: Command, jsonHolds: string, reportShows: string): Command {
  return cmd
    .option('-b, --bootstrap-server <list>', 'host:port[,host:port…] (or bootstrap.servers in the properties)')
    .option('--json', `print one JSON document (${jsonHolds}) instead of the lines`)
    .option('--report <file>', `write a self-contained HTML report (${reportShows})`)
    .option('--compare <bootstrap2>', 'run the same workload against -b (A) and this broker (B) alternately; print B/A ratios')
    .option('--runs <n>', 'pairs of runs for --compare', integer(1, 'a run count >= 1'), 3);
}

/** Adds `perf produce` and `perf consume` to the `gregor` program. */
export function registerPerfCommand(program: Command): void {
  const perf = program.command('perf').description('benchmark any Kafka-compatible broker (kafka-producer-perf-test / kafka-consumer-perf-test)');
  const produceCommand = perf
    .command('produce')
    .description("kafka-producer-perf-test: send records as fast as allowed, report throughput and send→ack latency")
    .requiredOption('--topic <topic>', 'topic to produce to')
    .requiredOption('--num-records <n>', 'number of records to produce', integer(1, 'a record count >= 1'))
    .option('--record-size <bytes>', 'value size of each record (random letters)', integer(0, 'a size in bytes'))
    .option('--payload-file <file>', 'values read from this file, split at --payload-delimiter, picked at random')
    .option('--payload-delimiter <d>', 'delimiter of --payload-file', '\\n')
    .requiredOption('--throughput <rate>', 'records/s to hold; -1 for no limit', throughputArg)
    .option('--producer-props <k=v...>', 'producer properties (Kafka names: acks, batch.size, linger.ms, compression.type, …)')
    .option('--producer.config <file>', 'producer properties file')
    .option('--reporting-interval <ms>', 'ms between periodic lines', integer(1, 'a time in ms'), 5000);
  withCommonOptions(produceCommand, 'summary, percentiles, windows, per-second series', 'throughput over time, latency percentiles').action((opts: ProduceOpts) => failOnError(() => produce(opts)));
  const consumeCommand = perf
    .command('consume')
    .description('kafka-consumer-perf-test: read records in a consumer group, report MB/s and records/s')
    .requiredOption('--topic <topic>', 'topic to consume from')
    .requiredOption('--messages <n>', 'number of records to read', integer(1, 'a record count >= 1'))
    .option('--group <id>', 'consumer group id (default perf-consumer-<random>)')
    .option('--timeout <ms>', 'give up after this long without a record', integer(1, 'a time in ms'), 10_000)
    .option('--from-latest', 'start at the log end when the group has no committed offset (default: the beginning)')
    .option('--consumer.config <file>', 'consumer properties file')
    .option('--consumer-props <k=v...>', 'consumer properties (Kafka names)')
    .option('--reporting-interval <ms>', 'ms between progress lines when stderr is not a terminal', integer(1, 'a time in ms'), 5000);
  withCommonOptions(consumeCommand, 'summary, per-second series', 'records read over time').action((opts: ConsumeOpts) => failOnError(() => consume(opts)));
}
