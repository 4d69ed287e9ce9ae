/**
 * What `gregor perf produce|consume` do once their options are parsed (src/cli/perf.ts
 * registers the commands and loads this module only when one runs, so other `gregor`
 * commands do not load @platformatic/kafka). Output rules in src/cli/perf.ts.
 */
import { writeFileSync } from 'node:fs';
import { clientProperties } from './kafka-client-options.js';
import { type CompareResult, compareAlternately } from '../perf/compare.js';
import { type ConsumePerfResult, runConsumePerf } from '../perf/consume-runner.js';
import { describeError } from './kafka-client-errors.js';
import { CONSUMER_HEADER, consumerLine, totalLine, windowLine } from '../perf/kafka-format.js';
import { type PayloadSource, filePayloads, fixedSizePayload } from '../perf/payloads.js';
import { type ProducePerfResult, runProducePerf } from '../perf/produce-runner.js';
import { formatMetrics } from '../perf/client-metrics.js';
import { MB } from '../perf/produce-stats.js';
import { ProgressBar } from '../perf/progress-bar.js';
import { renderReport } from '../perf/report-html.js';

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

/** Runs `body`; a failure becomes one line `gregor: …` on stderr and exit code 1. */
export async function failOnError(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    process.stderr.write(`gregor: ${describeError(err)}\n`);
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
export interface CommonOpts {
  bootstrapServer?: string;
  reportingInterval: number;
  json?: boolean;
  report?: string;
  compare?: string;
  runs: number;
}

export interface ProduceOpts extends CommonOpts {
  topic: string;
  numRecords: number;
  recordSize?: number;
  payloadFile?: string;
  payloadDelimiter: string;
  throughput: number;
  producerProps?: string[];
  'producer.config'?: string;
  printMetrics?: boolean;
}

/** `gregor perf produce`. */
export async function produce(opts: ProduceOpts): Promise<void> {
  if ((opts.recordSize === undefined) === (opts.payloadFile === undefined)) throw new Error('Either --record-size or --payload-file must be specified but not both.');
  const props = clientProperties(opts['producer.config'], opts.producerProps ?? []);
  const bootstrap = bootstrapOf(opts.bootstrapServer, props, '--producer-props / --producer.config');
  const payloads: PayloadSource = opts.payloadFile ? filePayloads(opts.payloadFile, opts.payloadDelimiter) : fixedSizePayload(opts.recordSize!);
  const warned = new Set<string>();
  const once = (address: string, bar: ProgressBar, quiet: boolean) =>
    runProducePerf({
      bootstrap: address,
      props,
      topic: opts.topic,
      numRecords: opts.numRecords,
      payloads,
      throughput: opts.throughput,
      reportingIntervalMs: opts.reportingInterval,
      metrics: opts.printMetrics === true,
      onWindow: (w) => {
        const out = quiet ? null : periodicStream(opts.json === true, bar);
        if (out) bar.line(windowLine(w), out);
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
        const r = await once(addresses[side], bar, true);
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
  const result = await once(bootstrap, bar, false);
  bar.finish();
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${totalLine(result.summary)}\n${formatMetrics(result.metrics ?? [])}`);
  writeReport(opts.report, result);
  if (result.summary.errors > 0) throw new Error(`${result.summary.errors} of ${opts.numRecords} records failed: ${result.firstError}`);
}

export interface ConsumeOpts extends CommonOpts {
  topic: string;
  messages: number;
  group?: string;
  timeout: number;
  fromLatest?: boolean;
  'consumer.config'?: string;
  consumerProps?: string[];
  printMetrics?: boolean;
}

/** `gregor perf consume`. */
export async function consume(opts: ConsumeOpts): Promise<void> {
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
      metrics: opts.printMetrics === true,
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
  else process.stdout.write(`${CONSUMER_HEADER}\n${consumerLine(result.summary)}\n${formatMetrics(result.metrics ?? [])}`);
  writeReport(opts.report, result);
}

