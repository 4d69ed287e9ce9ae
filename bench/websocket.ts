/**
 * WebSocket client benchmark (`npm run bench:websocket`): 1,000,000 records (8-byte keys,
 * 100-byte values) produced through the client library (acks=1) to a broker in this
 * process, then consumed back, next to the same workload through kcat (as bench/run.ts).
 * Clients run as separate processes (node dist/bench/websocket-client.js, kcat), so the
 * broker has this process's event loop to itself. Per run: fresh broker and log dir; the
 * two clients alternate order; median of `--runs` (default 3). Each run checks the log end
 * offset and a SHA-256 of the values read back.
 *
 *   npm run bench:websocket [-- --records 1000000 --runs 3 --json bench/results/websocket.json]
 *
 * Reports records/s and MB/s (keys + values) for produce and consume, and for the
 * WebSocket producer the p50/p99 ack latency of a send() call of 1,000 records.
 *
 * `--wss`: the same client workload over `ws://` and over `wss://` (gateway with
 * gregor.websocket.ssl.enabled and an EC P-256 keystore made with openssl at start; the client
 * process trusts its CA through NODE_EXTRA_CA_CERTS) instead of WebSocket vs kcat, alternating
 * which goes first, and prints the wss ÷ ws ratio of the produce and consume medians.
 *
 *   npm run bench:websocket -- --wss [--records 200000 --runs 5]
 *
 * `--rest`: adds the REST proxy (bench/rest-client.ts: v2 produce in POSTs of 1,000 binary
 * records, acks=all, one request in flight; consume as Server-Sent Events) as a third client
 * in the same runs.
 *
 *   npm run bench:websocket -- --rest [--records 200000 --runs 3]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../src/broker.js';
import { createLogger } from '../src/logger.js';
import { makeCertificates, type TestCertificates } from '../test/helpers/certificates.js';

const VALUE_BYTES = 100;
const KEY_BYTES = 8;
const CLIENT = fileURLToPath(new URL('./websocket-client.js', import.meta.url));
const REST_CLIENT = fileURLToPath(new URL('./rest-client.js', import.meta.url));

interface Args {
  records: number;
  runs: number;
  json: string | null;
  /** Compare ws:// with wss:// (instead of the WebSocket client with kcat). */
  wss: boolean;
  /** Add the REST proxy (v2 produce in POSTs of 1,000, SSE consume) beside the WebSocket client and kcat. */
  rest: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { records: 1_000_000, runs: 3, json: null, wss: false, rest: false };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--records' && next) args.records = Number(next);
    if (argv[i] === '--runs' && next) args.runs = Number(next);
    if (argv[i] === '--json' && next) args.json = next;
    if (argv[i] === '--wss') args.wss = true;
    if (argv[i] === '--rest') args.rest = true;
  }
  return args;
}

/** kcat input and the SHA-256 of the values, as bench/run.ts makes them (same bytes as the client's). */
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

/** Runs a command; stdout to a file (not through this process's event loop). */
function run(cmd: string, args: string[], input: Buffer | null, stdoutFile: string, env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const out = openSync(stdoutFile, 'w');
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', out, 'pipe'], env });
    closeSync(out);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, stderr }));
    child.stdin!.end(input ?? undefined);
  });
}

interface Result {
  /** 'websocket' is the client library over ws://, 'wss' the same over wss://. */
  client: 'websocket' | 'wss' | 'kcat' | 'rest';
  produceRecordsPerSec: number;
  produceMBPerSec: number;
  consumeRecordsPerSec: number;
  consumeMBPerSec: number;
  ackP50Ms?: number;
  ackP99Ms?: number;
}

async function once(client: Result['client'], records: number, input: Buffer, checksum: string, certs: TestCertificates | null): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-bench-ws-'));
  const tls = client === 'wss';
  if (tls && !certs) throw new Error('wss needs certificates');
  const properties: Record<string, string> = tls ? { 'gregor.websocket.ssl.enabled': 'true', 'listener.name.websocket.ssl.keystore.location': certs!.server.keystorePath } : {};
  const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, engine: 'wasm', logger: createLogger('warn'), properties });
  const url = `${tls ? 'wss' : 'ws'}://127.0.0.1:${broker.websocketPort}`;
  const env = tls ? { ...process.env, NODE_EXTRA_CA_CERTS: certs!.ca.certPath } : process.env;
  broker.logs.createTopic('bench', 1);
  const outFile = join(dir, 'client.out');
  const mb = (records * (VALUE_BYTES + KEY_BYTES)) / 1e6;
  try {
    let produceMs: number;
    let consumeMs: number;
    const extra: Partial<Result> = {};
    if (client === 'rest') {
      const produced = await run(process.execPath, [REST_CLIENT, 'produce', '--url', url.replace(/^ws/, 'http'), '--topic', 'bench', '--records', String(records)], null, outFile, env);
      if (produced.code !== 0) throw new Error(`rest produce failed: ${produced.stderr}`);
      produceMs = (JSON.parse(readFileSync(outFile, 'utf8')) as { ms: number }).ms;
    } else if (client !== 'kcat') {
      const produced = await run(process.execPath, [CLIENT, 'produce', '--url', url, '--records', String(records)], null, outFile, env);
      if (produced.code !== 0) throw new Error(`websocket produce failed: ${produced.stderr}`);
      const p = JSON.parse(readFileSync(outFile, 'utf8')) as { ms: number; ackP50Ms: number; ackP99Ms: number; encoder: string };
      if (p.encoder !== 'wasm') throw new Error(`the client encoded with ${p.encoder}, not wasm`);
      produceMs = p.ms;
      extra.ackP50Ms = +p.ackP50Ms.toFixed(2);
      extra.ackP99Ms = +p.ackP99Ms.toFixed(2);
    } else {
      const produced = await run('kcat', ['-P', '-b', `127.0.0.1:${broker.port}`, '-t', 'bench', '-p', '0', '-K', '\t', '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000'], input, outFile);
      if (produced.code !== 0) throw new Error(`kcat produce failed: ${produced.stderr}`);
      produceMs = produced.ms;
    }
    const leo = broker.logs.partition('bench', 0)!.logEndOffset;
    if (leo !== records) throw new Error(`${client}: expected ${records} records in the log, found ${leo}`);

    if (client === 'rest') {
      const consumed = await run(process.execPath, [REST_CLIENT, 'consume', '--url', url.replace(/^ws/, 'http'), '--topic', 'bench', '--records', String(records)], null, outFile, env);
      if (consumed.code !== 0) throw new Error(`rest consume failed: ${consumed.stderr}`);
      const c = JSON.parse(readFileSync(outFile, 'utf8')) as { ms: number; count: number; checksum: string };
      if (c.count < records || c.checksum !== checksum) throw new Error('rest: consumed values differ from produced');
      consumeMs = c.ms;
    } else if (client !== 'kcat') {
      const consumed = await run(process.execPath, [CLIENT, 'consume', '--url', url, '--records', String(records)], null, outFile, env);
      if (consumed.code !== 0) throw new Error(`websocket consume failed: ${consumed.stderr}`);
      const c = JSON.parse(readFileSync(outFile, 'utf8')) as { ms: number; count: number; checksum: string };
      if (c.count !== records || c.checksum !== checksum) throw new Error('websocket: consumed values differ from produced');
      consumeMs = c.ms;
    } else {
      const consumed = await run('kcat', ['-C', '-b', `127.0.0.1:${broker.port}`, '-t', 'bench', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], null, outFile);
      if (consumed.code !== 0) throw new Error(`kcat consume failed: ${consumed.stderr}`);
      const stdout = readFileSync(outFile);
      const hash = createHash('sha256');
      const lineBytes = VALUE_BYTES + 1;
      for (let i = 0; i < records; i++) hash.update(stdout.subarray(i * lineBytes, i * lineBytes + VALUE_BYTES));
      if (hash.digest('hex') !== checksum) throw new Error('kcat: consumed values differ from produced');
      consumeMs = consumed.ms;
    }
    return {
      client,
      produceRecordsPerSec: records / (produceMs / 1000),
      produceMBPerSec: mb / (produceMs / 1000),
      consumeRecordsPerSec: records / (consumeMs / 1000),
      consumeMBPerSec: mb / (consumeMs / 1000),
      ...extra,
    };
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { input, checksum } = makeInput(args.records);
  const certDir = args.wss ? mkdtempSync(join(tmpdir(), 'gregor-bench-wss-')) : null;
  const certs = certDir ? makeCertificates(certDir) : null;
  const clients: ReadonlyArray<Result['client']> = args.wss ? ['websocket', 'wss'] : args.rest ? ['websocket', 'kcat', 'rest'] : ['websocket', 'kcat'];
  const results: Result[] = [];
  for (let r = 0; r < args.runs; r++) {
    const order = r % 2 === 0 ? clients : [...clients].reverse();
    for (const client of order) {
      const res = await once(client, args.records, input, checksum, certs);
      results.push(res);
      process.stdout.write(
        `run ${r + 1}/${args.runs} ${client}: produce ${Math.round(res.produceRecordsPerSec)} rec/s, consume ${Math.round(res.consumeRecordsPerSec)} rec/s` +
          (res.ackP50Ms !== undefined ? `, ack p50 ${res.ackP50Ms} ms p99 ${res.ackP99Ms} ms` : '') +
          '\n',
      );
    }
  }
  if (certDir) rmSync(certDir, { recursive: true, force: true });
  const summary = clients.map((client) => {
    const mine = results.filter((r) => r.client === client);
    const row: Record<string, unknown> = {
      client,
      produceRecordsPerSec: Math.round(median(mine.map((r) => r.produceRecordsPerSec))),
      produceMBPerSec: +median(mine.map((r) => r.produceMBPerSec)).toFixed(1),
      consumeRecordsPerSec: Math.round(median(mine.map((r) => r.consumeRecordsPerSec))),
      consumeMBPerSec: +median(mine.map((r) => r.consumeMBPerSec)).toFixed(1),
    };
    if (client === 'websocket' || client === 'wss') {
      row['ackP50Ms'] = median(mine.map((r) => r.ackP50Ms!));
      row['ackP99Ms'] = median(mine.map((r) => r.ackP99Ms!));
    }
    return row;
  });
  console.log(`\n${args.records} records × ${VALUE_BYTES} B values + ${KEY_BYTES} B keys, acks=1, median of ${args.runs} runs`);
  console.table(summary);
  let ratio: Record<string, number> | null = null;
  if (args.wss) {
    const [ws, wss] = summary as Array<{ produceRecordsPerSec: number; consumeRecordsPerSec: number }>;
    // Also per run (ws and wss back to back), which a machine whose load drifts between runs skews less.
    const wsRuns = results.filter((r) => r.client === 'websocket');
    const wssRuns = results.filter((r) => r.client === 'wss');
    const paired = (field: 'produceRecordsPerSec' | 'consumeRecordsPerSec') => +median(wssRuns.map((r, i) => r[field] / wsRuns[i]![field])).toFixed(2);
    ratio = {
      produce: +(wss!.produceRecordsPerSec / ws!.produceRecordsPerSec).toFixed(2),
      consume: +(wss!.consumeRecordsPerSec / ws!.consumeRecordsPerSec).toFixed(2),
      producePairedMedian: paired('produceRecordsPerSec'),
      consumePairedMedian: paired('consumeRecordsPerSec'),
    };
    console.log(`wss ÷ ws, ratio of medians: produce ${ratio['produce']}×, consume ${ratio['consume']}×; median of per-run ratios: produce ${ratio['producePairedMedian']}×, consume ${ratio['consumePairedMedian']}×`);
  }
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, args, summary, ...(ratio ? { wssOverWs: ratio } : {}), runs: results }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
