/**
 * End-to-end benchmark (`npm run bench`): kcat (librdkafka, acks=1) produces 1,000,000
 * records of 100-byte values with 8-byte keys to a broker in this process, then kcat reads
 * them all back; once per engine (`wasm`, `js`), repeated `--runs` times (default 3), in
 * alternating order so drift on a shared machine hits both. Reports the median records/s
 * and MB/s per engine and the wasm ÷ js ratio, plus the start-up time of an empty broker.
 * Each run checks that exactly the produced records came back (count and a checksum).
 *
 *   npm run bench [-- --records 1000000 --runs 3 --json bench/results/e2e.json]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Broker } from '../src/broker.js';
import type { EngineKind } from '../src/config/broker-config.js';
import { createLogger } from '../src/logger.js';

interface Args {
  records: number;
  runs: number;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { records: 1_000_000, runs: 3, json: null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--records' && next) args.records = Number(next);
    if (argv[i] === '--runs' && next) args.runs = Number(next);
    if (argv[i] === '--json' && next) args.json = next;
  }
  return args;
}

const VALUE_BYTES = 100;
const KEY_BYTES = 8;

/** kcat input: `key\tvalue\n` lines; keys 8 digits, values 100 printable bytes. */
function makeInput(records: number): { input: Buffer; checksum: string } {
  const line = KEY_BYTES + 1 + VALUE_BYTES + 1;
  const input = Buffer.alloc(records * line);
  const hash = createHash('sha256');
  for (let i = 0; i < records; i++) {
    const at = i * line;
    input.write(String(i).padStart(KEY_BYTES, '0'), at, 'latin1');
    input[at + KEY_BYTES] = 0x09;
    for (let j = 0; j < VALUE_BYTES; j++) input[at + KEY_BYTES + 1 + j] = 0x61 + ((i + j) % 26);
    input[at + line - 1] = 0x0a;
    hash.update(input.subarray(at + KEY_BYTES + 1, at + line - 1));
  }
  return { input, checksum: hash.digest('hex') };
}

function run(cmd: string, args: string[], input?: Buffer): Promise<{ ms: number; stdout: Buffer; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, stdout: Buffer.concat(out), code, stderr }));
    child.stdin.end(input);
  });
}

interface Result {
  engine: EngineKind;
  produceRecordsPerSec: number;
  produceMBPerSec: number;
  consumeRecordsPerSec: number;
  consumeMBPerSec: number;
}

async function once(engine: EngineKind, records: number, input: Buffer, checksum: string): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-bench-'));
  const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, engine, logger: createLogger('warn') });
  const bootstrap = `127.0.0.1:${broker.port}`;
  try {
    const produced = await run('kcat', ['-P', '-b', bootstrap, '-t', 'bench', '-p', '0', '-K', '\t', '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000'], input);
    if (produced.code !== 0) throw new Error(`kcat produce failed: ${produced.stderr}`);
    const leo = broker.logs.partition('bench', 0)?.logEndOffset;
    if (leo !== records) throw new Error(`expected ${records} records in the log, found ${leo}`);
    const consumed = await run('kcat', ['-C', '-b', bootstrap, '-t', 'bench', '-p', '0', '-o', 'beginning', '-e', '-f', '%s\n', '-X', 'fetch.max.bytes=52428800']);
    if (consumed.code !== 0) throw new Error(`kcat consume failed: ${consumed.stderr}`);
    const hash = createHash('sha256');
    const lineBytes = VALUE_BYTES + 1;
    if (consumed.stdout.length !== records * lineBytes) throw new Error(`consumed ${consumed.stdout.length} bytes, expected ${records * lineBytes}`);
    for (let i = 0; i < records; i++) hash.update(consumed.stdout.subarray(i * lineBytes, i * lineBytes + VALUE_BYTES));
    if (hash.digest('hex') !== checksum) throw new Error('checksum of consumed values differs from produced');
    const mb = (records * (VALUE_BYTES + KEY_BYTES)) / 1e6;
    return {
      engine,
      produceRecordsPerSec: records / (produced.ms / 1000),
      produceMBPerSec: mb / (produced.ms / 1000),
      consumeRecordsPerSec: records / (consumed.ms / 1000),
      consumeMBPerSec: mb / (consumed.ms / 1000),
    };
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startupMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-start-'));
    const start = performance.now();
    const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, logger: createLogger('silent') });
    times.push(performance.now() - start);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return median(times);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { input, checksum } = makeInput(args.records);
  const results: Result[] = [];
  for (let r = 0; r < args.runs; r++) {
    const order: EngineKind[] = r % 2 === 0 ? ['wasm', 'js'] : ['js', 'wasm'];
    for (const engine of order) {
      const res = await once(engine, args.records, input, checksum);
      results.push(res);
      process.stdout.write(`run ${r + 1}/${args.runs} ${engine}: produce ${Math.round(res.produceRecordsPerSec)} rec/s, consume ${Math.round(res.consumeRecordsPerSec)} rec/s\n`);
    }
  }
  const summary = (['wasm', 'js'] as const).map((engine) => {
    const mine = results.filter((r) => r.engine === engine);
    return {
      engine,
      produceRecordsPerSec: Math.round(median(mine.map((r) => r.produceRecordsPerSec))),
      produceMBPerSec: +median(mine.map((r) => r.produceMBPerSec)).toFixed(1),
      consumeRecordsPerSec: Math.round(median(mine.map((r) => r.consumeRecordsPerSec))),
      consumeMBPerSec: +median(mine.map((r) => r.consumeMBPerSec)).toFixed(1),
    };
  });
  const startup = await startupMs();
  console.log(`\nEnd to end, ${args.records} records × ${VALUE_BYTES} B values + ${KEY_BYTES} B keys, kcat acks=1, median of ${args.runs} runs`);
  console.table(summary);
  console.log(`wasm ÷ js produce: ${(summary[0]!.produceRecordsPerSec / summary[1]!.produceRecordsPerSec).toFixed(2)}; consume: ${(summary[0]!.consumeRecordsPerSec / summary[1]!.consumeRecordsPerSec).toFixed(2)}`);
  console.log(`Empty broker start-up (Broker.start → listening), median of 7: ${startup.toFixed(1)} ms`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(
      args.json,
      JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, args, summary, startupMs: startup, runs: results }, null, 2),
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
