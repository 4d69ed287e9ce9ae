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
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Runs a command with `input` on stdin and its stdout going straight to `stdoutFile` (not
 * through this process, whose event loop the broker under test shares).
 */
function run(cmd: string, args: string[], input: Buffer | null, stdoutFile: string): Promise<{ ms: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const out = openSync(stdoutFile, 'w');
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', out, 'pipe'] });
    closeSync(out);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, stderr }));
    child.stdin!.end(input ?? undefined);
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
    const outFile = join(dir, 'kcat.out');
    const produced = await run('kcat', ['-P', '-b', bootstrap, '-t', 'bench', '-p', '0', '-K', '\t', '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000'], input, outFile);
    if (produced.code !== 0) throw new Error(`kcat produce failed: ${produced.stderr}`);
    const leo = broker.logs.partition('bench', 0)?.logEndOffset;
    if (leo !== records) throw new Error(`expected ${records} records in the log, found ${leo}`);
    const consumed = await run('kcat', ['-C', '-b', bootstrap, '-t', 'bench', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], null, outFile);
    if (consumed.code !== 0) throw new Error(`kcat consume failed: ${consumed.stderr}`);
    const stdout = readFileSync(outFile);
    const hash = createHash('sha256');
    const lineBytes = VALUE_BYTES + 1;
    if (stdout.length !== records * lineBytes) throw new Error(`consumed ${stdout.length} bytes, expected ${records * lineBytes}`);
    for (let i = 0; i < records; i++) hash.update(stdout.subarray(i * lineBytes, i * lineBytes + VALUE_BYTES));
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

/**
 * Start-up of an empty broker (Broker.start → listening), ms: the first start in this process
 * (includes compiling the WASM module) and the median of 7 more (module already compiled).
 */
async function startupMs(): Promise<{ first: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-start-'));
    const start = performance.now();
    const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, logger: createLogger('silent') });
    times.push(performance.now() - start);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { first: times[0]!, median: median(times.slice(1)) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const startup = await startupMs();
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
  console.log(`\nEnd to end, ${args.records} records × ${VALUE_BYTES} B values + ${KEY_BYTES} B keys, kcat acks=1, median of ${args.runs} runs`);
  console.table(summary);
  console.log(`wasm ÷ js produce: ${(summary[0]!.produceRecordsPerSec / summary[1]!.produceRecordsPerSec).toFixed(2)}; consume: ${(summary[0]!.consumeRecordsPerSec / summary[1]!.consumeRecordsPerSec).toFixed(2)}`);
  console.log(`Empty broker start-up (Broker.start → listening): first in a process ${startup.first.toFixed(1)} ms (compiles the WASM module), then median of 7 ${startup.median.toFixed(1)} ms`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(
      args.json,
      JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, args, summary, startup, runs: results }, null, 2),
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
