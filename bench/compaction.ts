/**
 * Compaction throughput (`npm run bench:compaction`): kcat produces `--records` updates
 * (100-byte values) over `--keys` keys to a compacted topic (64 MiB segments, one partition),
 * once per codec (none, lz4, zstd); then the cleaner (LogCleaner.cleanAll, in this process)
 * compacts every sealed segment. Reports MB/s of log read (bytes on disk, as stored) and
 * records/s, median of `--runs` runs per codec, and checks the result: exactly one record per
 * key below the active segment.
 *
 *   npm run bench:compaction [-- --records 1000000 --keys 10000 --runs 3 --json FILE]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Broker } from '../src/broker.js';
import { createLogger } from '../src/logger.js';
import { recordsOf, recordsSection } from '../src/storage/cleaner/batch-filter.js';

const CODECS = ['none', 'lz4', 'zstd'] as const;
const VALUE_BYTES = 100;

function parseArgs(argv: string[]) {
  const args = { records: 1_000_000, keys: 10_000, runs: 3, json: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--records' && next) args.records = Number(next);
    if (argv[i] === '--keys' && next) args.keys = Number(next);
    if (argv[i] === '--runs' && next) args.runs = Number(next);
    if (argv[i] === '--json' && next) args.json = next;
  }
  return args;
}

function kcatProduce(args: string[], input: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

function makeInput(records: number, keys: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    const key = `key-${String((i * 7919) % keys).padStart(8, '0')}`;
    lines.push(`${key}\t${String(i).padStart(12, '0')}${'v'.repeat(VALUE_BYTES - 12)}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

interface Run {
  codec: string;
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  ms: number;
  mbPerSec: number;
  recordsPerSec: number;
}

async function once(codec: string, input: Buffer, records: number, keys: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-compaction-'));
  const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, logger: createLogger('warn'), properties: { 'log.cleaner.enable': false } });
  try {
    broker.logs.createTopic('compacted', 1, { 'cleanup.policy': 'compact', 'segment.bytes': String(64 * 1024 * 1024), 'min.cleanable.dirty.ratio': '0' });
    await kcatProduce(['-P', '-b', `127.0.0.1:${broker.port}`, '-t', 'compacted', '-p', '0', '-K', '\t', '-z', codec, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000'], input);
    const log = broker.logs.partition('compacted', 0)!;
    if (log.logEndOffset !== records) throw new Error(`expected ${records} records, found ${log.logEndOffset}`);
    log.roll();
    const start = performance.now();
    const stats = await broker.logs.cleaner.cleanAll();
    const ms = performance.now() - start;
    if (stats.length !== 1) throw new Error(`expected one cleaned log, got ${stats.length}`);
    // Check: one record per key below the active segment.
    let count = 0;
    const seen = new Set<string>();
    for (const seg of log.segmentList.slice(0, -1)) {
      for (const b of seg.batchesFrom(0)) {
        const { bytes } = seg.read(b, 0);
        for (const r of recordsOf(recordsSection(bytes, b), b)) {
          seen.add(Buffer.from(r.key!).toString());
          count++;
        }
      }
    }
    if (count !== keys || seen.size !== keys) throw new Error(`after compaction: ${count} records, ${seen.size} keys; expected ${keys}`);
    const s = stats[0]!;
    return { codec, bytesRead: s.bytesRead, bytesWritten: s.bytesWritten, recordsRead: s.recordsRead, ms, mbPerSec: s.bytesRead / 1e6 / (ms / 1000), recordsPerSec: s.recordsRead / (ms / 1000) };
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const input = makeInput(args.records, args.keys);
  const runs: Run[] = [];
  for (let r = 0; r < args.runs; r++) {
    for (const codec of CODECS) {
      const res = await once(codec, input, args.records, args.keys);
      runs.push(res);
      process.stdout.write(`run ${r + 1}/${args.runs} ${codec}: ${(res.bytesRead / 1e6).toFixed(1)} MB in ${res.ms.toFixed(0)} ms = ${res.mbPerSec.toFixed(1)} MB/s, ${Math.round(res.recordsPerSec)} records/s\n`);
    }
  }
  const summary = CODECS.map((codec) => {
    const mine = runs.filter((r) => r.codec === codec);
    return {
      codec,
      logMB: +(mine[0]!.bytesRead / 1e6).toFixed(1),
      cleanedMB: +(mine[0]!.bytesWritten / 1e6).toFixed(2),
      mbPerSec: +median(mine.map((r) => r.mbPerSec)).toFixed(1),
      recordsPerSec: Math.round(median(mine.map((r) => r.recordsPerSec))),
    };
  });
  console.log(`\nCompaction, ${args.records} updates × ${VALUE_BYTES} B over ${args.keys} keys (kcat batches), median of ${args.runs} runs`);
  console.table(summary);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, args, summary, runs }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
