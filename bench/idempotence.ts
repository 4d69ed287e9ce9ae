/**
 * The produce-throughput cost of idempotence (`npm run bench:idempotence`): kcat (librdkafka)
 * produces `--records` records (100-byte values, 8-byte keys) with acks=all to a broker in
 * this process, with `enable.idempotence` false and true, in alternating order, `--runs`
 * times; reports the median records/s of each and the ratio on ÷ off. Each run checks the log
 * holds exactly `--records` records.
 *
 *   npm run bench:idempotence [-- --records 1000000 --runs 3 --json FILE]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Broker } from '../src/broker.js';
import { createLogger } from '../src/logger.js';
import { kcatProduce, makeInput, median, parseArgs } from './kcat-produce.js';

async function once(idempotent: boolean, input: Buffer, records: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-idem-'));
  const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, logger: createLogger('warn') });
  try {
    broker.logs.createTopic('bench', 1);
    const ms = await kcatProduce(`127.0.0.1:${broker.port}`, { acks: 'all', 'enable.idempotence': String(idempotent) }, input);
    const leo = broker.logs.partition('bench', 0)!.logEndOffset;
    if (leo !== records) throw new Error(`expected ${records} records, found ${leo}`);
    if (idempotent && broker.logs.partition('bench', 0)!.producerState.size !== 1) throw new Error('the idempotent run registered no producer');
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
  for (let r = 0; r < args.runs; r++) {
    for (const idempotent of r % 2 === 0 ? [false, true] : [true, false]) {
      const rate = await once(idempotent, input, args.records);
      (idempotent ? on : off).push(rate);
      process.stdout.write(`run ${r + 1}/${args.runs} idempotence ${idempotent ? 'on ' : 'off'}: ${Math.round(rate)} records/s\n`);
    }
  }
  const summary = { offRecordsPerSec: Math.round(median(off)), onRecordsPerSec: Math.round(median(on)), ratioOnOff: +(median(on) / median(off)).toFixed(3) };
  console.log(`\nIdempotence, kcat acks=all, ${args.records} records × 100 B, median of ${args.runs} runs`);
  console.table([summary]);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, args, summary, off, on }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
