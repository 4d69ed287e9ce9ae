/**
 * The produce-throughput cost of the end-to-end audit (`npm run bench:audit`, issue 15, target
 * on ÷ off ≥ 0.95): kcat (librdkafka) produces `--records` records (100-byte values, 8-byte
 * keys, acks=1) to a broker in this process with `gregor.audit.enable` false and true (broker
 * tier counting at append, reports to `__audit` every second, the collector running), in
 * alternating order, `--runs` times; reports the median records/s of each and the ratio.
 * Each run checks the log holds exactly `--records` records and, with the audit on, that the
 * collector's broker tier counted every one of them.
 *
 *   npm run bench:audit [-- --records 1000000 --runs 3 --json FILE]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Broker } from '../src/broker.js';
import { createLogger } from '../src/logger.js';
import { kcatProduce, makeInput, median, parseArgs } from './kcat-produce.js';

async function once(audit: boolean, input: Buffer, records: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-audit-bench-'));
  const broker = await Broker.start({
    port: 0, host: '127.0.0.1', logDirs: dir, logger: createLogger('warn'),
    properties: { 'gregor.audit.enable': audit, 'gregor.audit.report.interval.ms': 1_000, 'gregor.audit.grace.ms': 0 },
  });
  try {
    broker.logs.createTopic('bench', 1);
    const ms = await kcatProduce(`127.0.0.1:${broker.port}`, { acks: '1' }, input);
    const leo = broker.logs.partition('bench', 0)!.logEndOffset;
    if (leo !== records) throw new Error(`expected ${records} records, found ${leo}`);
    if (audit) {
      // Promise.resolve: report() is synchronous or asynchronous depending on the audit core's version
      const counted = async () => (await Promise.resolve(broker.audit!.report({ topic: 'bench' }))).reduce((n, r) => n + (r.broker?.records ?? 0), 0);
      const deadline = Date.now() + 30_000;
      while ((await counted()) !== records && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const n = await counted();
      if (n !== records) throw new Error(`the audit's broker tier counted ${n} of ${records} records`);
    }
    return records / (ms / 1000);
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const input = makeInput(args.records);
  const off: number[] = [];
  const on: number[] = [];
  const load = [loadavg()[0]];
  for (let r = 0; r < args.runs; r++) {
    for (const audit of r % 2 === 0 ? [false, true] : [true, false]) {
      const rate = await once(audit, input, args.records);
      (audit ? on : off).push(rate);
      load.push(loadavg()[0]);
      process.stdout.write(`run ${r + 1}/${args.runs} audit ${audit ? 'on ' : 'off'}: ${Math.round(rate)} records/s (load ${loadavg()[0].toFixed(1)})\n`);
    }
  }
  const summary = { offRecordsPerSec: Math.round(median(off)), onRecordsPerSec: Math.round(median(on)), ratioOnOff: +(median(on) / median(off)).toFixed(3) };
  console.log(`\nAudit, kcat acks=1, ${args.records} records × 100 B, median of ${args.runs} runs, load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`);
  console.table([summary]);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: load }, args, summary, off, on }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
