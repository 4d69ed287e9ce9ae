/**
 * The produce-throughput cost of idempotence (`npm run bench:idempotence`): kcat (librdkafka)
 * produces `--records` records (100-byte values, 8-byte keys) with acks=all to a broker in
 * this process, with `enable.idempotence` false and true, in alternating order, `--runs`
 * times; reports the median records/s of each and the ratio on ÷ off. Each run checks the log
 * holds exactly `--records` records.
 *
 *   npm run bench:idempotence [-- --records 1000000 --runs 3 --json FILE]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Broker } from '../src/broker.js';
import { createLogger } from '../src/logger.js';

function parseArgs(argv: string[]) {
  const args = { records: 1_000_000, runs: 3, json: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--records' && next) args.records = Number(next);
    if (argv[i] === '--runs' && next) args.runs = Number(next);
    if (argv[i] === '--json' && next) args.json = next;
  }
  return args;
}

function makeInput(records: number): Buffer {
  const line = 8 + 1 + 100 + 1;
  const input = Buffer.alloc(records * line);
  for (let i = 0; i < records; i++) {
    const at = i * line;
    input.write(String(i).padStart(8, '0'), at, 'latin1');
    input[at + 8] = 0x09;
    for (let j = 0; j < 100; j++) input[at + 9 + j] = 0x61 + ((i + j) % 26);
    input[at + line - 1] = 0x0a;
  }
  return input;
}

function produce(bootstrap: string, idempotent: boolean, input: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-P', '-b', bootstrap, '-t', 'bench', '-p', '0', '-K', '\t', '-X', 'acks=all', '-X', `enable.idempotence=${idempotent}`, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000'];
    const start = performance.now();
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

async function once(idempotent: boolean, input: Buffer, records: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-idem-'));
  const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, logger: createLogger('warn') });
  try {
    broker.logs.createTopic('bench', 1);
    const ms = await produce(`127.0.0.1:${broker.port}`, idempotent, input);
    const leo = broker.logs.partition('bench', 0)!.logEndOffset;
    if (leo !== records) throw new Error(`expected ${records} records, found ${leo}`);
    if (idempotent && broker.logs.partition('bench', 0)!.producerState.size !== 1) throw new Error('the idempotent run registered no producer');
    return records / (ms / 1000);
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
