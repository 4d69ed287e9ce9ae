/**
 * Runs one benchmark scenario (scenarios.ts) end to end and measures it:
 *   1. starts the system under test in its own process (Gregor through its CLI, or a peer
 *      through bench/peers.sh), fresh data directory;
 *   2. produce: `producers` client processes at once, each its slice of the records; the span
 *      is from the first producer's start to the last one's last acknowledgement;
 *   3. consume: one client process reads everything back from the beginning; the count and the
 *      order-independent checksum must equal the produced records' (records.ts), or the run
 *      fails;
 *   4. the server's CPU seconds (produce and consume) and peak RSS from /proc; stops it.
 * Produce latency: kcat — librdkafka's round trip of each ProduceRequest (`debug=protocol`
 * log, "rtt"); the WebSocket client — each send() of 1,000 records to its ack; peers — see
 * peer-client.ts. A latency scenario paces one kcat producer at a given records/s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGregor } from './gregor-server.js';
import { cpuSeconds, peakRssMB } from './proc-stats.js';
import { type ProcResult, freePort, run } from './process.js';
import { KEY_BYTES, checksumLines, expectedChecksum, kcatInput, percentile, slices } from './records.js';
import { GREGOR_PARTITIONS, type Scenario, parseConfig } from './scenarios.js';

export const TOPIC = 'bench';
const PEERS_SH = fileURLToPath(new URL('../../../bench/peers.sh', import.meta.url));
const WS_CLIENT = fileURLToPath(new URL('./ws-client.js', import.meta.url));
const PEER_CLIENT = fileURLToPath(new URL('./peer-client.js', import.meta.url));

export interface RunResult {
  produceRecordsPerSec: number;
  produceMBPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyP999Ms: number;
  consumeRecordsPerSec: number;
  consumeMBPerSec: number;
  /** Server CPU seconds while producing and while consuming. */
  serverCpuProduceS: number;
  serverCpuConsumeS: number;
  /** Server CPU use while producing, in cores (CPU seconds ÷ wall seconds). */
  serverCoresProduce: number;
  serverPeakRssMB: number;
  /** Records/s asked of a paced (latency) run; 0 otherwise. */
  pacedRecordsPerSec: number;
}

interface Server {
  pid: number;
  port: number;
  websocketPort: number;
  stop(): Promise<void>;
}

async function startPeer(system: 'redis' | 'nats'): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), `gregor-e2e-${system}-`));
  const port = await freePort();
  const started = await run('bash', [PEERS_SH, 'start', system, dir, String(port)], null);
  if (started.code !== 0) throw new Error(`peers.sh start ${system} failed: ${started.stderr}`);
  const server: Server = {
    pid: Number(started.stdout.trim()),
    port,
    websocketPort: -1,
    stop: async () => {
      await run('bash', [PEERS_SH, 'stop', dir], null);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (system === 'nats') {
    const setup = await run(process.execPath, [PEER_CLIENT, 'nats-js', 'setup', '--port', String(port)], null);
    if (setup.code !== 0) {
      await server.stop();
      throw new Error(`nats stream setup failed: ${setup.stderr}`);
    }
  }
  return server;
}

export function kcatProduceArgs(server: { port: number }, acks: string, debug: boolean): string[] {
  const args = ['-P', '-b', `127.0.0.1:${server.port}`, '-t', TOPIC, '-K', '\t', '-X', `acks=${acks === 'all' ? 'all' : '1'}`, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000'];
  if (debug) args.push('-X', 'debug=protocol');
  return args;
}

/** librdkafka's ProduceResponse round trips (ms) from a `debug=protocol` log. */
export function kcatRtts(stderr: string): number[] {
  const out: number[] = [];
  const re = /Received ProduceResponse \([^)]*rtt ([\d.]+)ms\)/g;
  for (let m = re.exec(stderr); m; m = re.exec(stderr)) out.push(Number(m[1]));
  return out;
}

/** One kcat producer fed at `rate` records/s (lines written every 2 ms as time allows). */
export function pacedKcat(args: string[], input: Buffer, lineBytes: number, rate: number): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const start = performance.timeOrigin + performance.now();
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: '', stderr, start, end: performance.timeOrigin + performance.now() }));
    const total = input.length / lineBytes;
    const t0 = performance.now();
    let written = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      if (due > written) {
        const ok = child.stdin!.write(input.subarray(written * lineBytes, due * lineBytes));
        written = due;
        if (!ok) return child.stdin!.once('drain', () => setTimeout(tick, 0));
      }
      if (written >= total) child.stdin!.end();
      else setTimeout(tick, 2);
    };
    tick();
  });
}

function parseJson<T>(p: ProcResult, what: string): T {
  if (p.code !== 0) throw new Error(`${what} exited with ${p.code}: ${p.stderr.slice(-2000)}`);
  return JSON.parse(p.stdout.trim().split('\n').pop()!) as T;
}

/** Runs `s`; `pacedRate` (records/s) for latency scenarios. Throws if the records read back differ. */
export async function execute(s: Scenario, pacedRate = 0): Promise<RunResult> {
  const expected = expectedChecksum(s.records, s.valueBytes);
  const server: Server =
    s.system === 'gregor' ? await (async () => {
      const c = parseConfig(s.config);
      return startGregor(c.engine, c.workers, TOPIC, GREGOR_PARTITIONS);
    })() : await startPeer(s.system);
  const work = mkdtempSync(join(tmpdir(), 'gregor-e2e-out-'));
  try {
    const parts = slices(s.records, s.producers);
    const cpu0 = cpuSeconds(server.pid);
    let latencies: number[] = [];
    let span: { start: number; end: number };

    // ── produce ──
    if (s.client === 'kcat') {
      const lineBytes = KEY_BYTES + 1 + s.valueBytes + 1;
      const results = await Promise.all(
        parts.map(([first, count]) => {
          const input = kcatInput(first, count, s.valueBytes);
          const args = kcatProduceArgs(server, s.acks, true);
          return s.kind === 'latency' ? pacedKcat(args, input, lineBytes, pacedRate / s.producers) : run('kcat', args, input);
        }),
      );
      for (const r of results) {
        if (r.code !== 0) throw new Error(`kcat produce exited with ${r.code}: ${r.stderr.split('\n').filter((l) => !l.startsWith('%7')).join('\n').slice(-2000)}`);
        for (const x of kcatRtts(r.stderr)) latencies.push(x);
      }
      span = { start: Math.min(...results.map((r) => r.start)), end: Math.max(...results.map((r) => r.end)) };
    } else {
      const script = s.system === 'gregor' ? WS_CLIENT : PEER_CLIENT;
      const results = await Promise.all(
        parts.map(([first, count]) => {
          const args =
            s.system === 'gregor'
              ? [script, 'produce', '--url', `ws://127.0.0.1:${server.websocketPort}`, '--topic', TOPIC, '--first', String(first), '--count', String(count), '--value-bytes', String(s.valueBytes), '--acks', s.acks === 'all' ? '-1' : '1']
              : [script, s.client, 'produce', '--port', String(server.port), '--first', String(first), '--count', String(count), '--value-bytes', String(s.valueBytes)];
          return run(process.execPath, args, null).then((p) => parseJson<{ start: number; end: number; latenciesMs: number[] }>(p, `${s.client} produce`));
        }),
      );
      // (a loop: a million per-message latencies are too many arguments for push(...))
      for (const r of results) for (const x of r.latenciesMs) latencies.push(x);
      span = { start: Math.min(...results.map((r) => r.start)), end: Math.max(...results.map((r) => r.end)) };
    }
    const cpu1 = cpuSeconds(server.pid);

    // ── consume (one client, everything from the beginning) ──
    let consume: { start: number; end: number; checksum: string };
    if (s.client === 'kcat') {
      const outFile = join(work, 'consumed');
      // fetch.wait.max.ms=10: reaching the end of each partition is not a 500 ms long poll.
      const r = await run('kcat', ['-C', '-b', `127.0.0.1:${server.port}`, '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-X', 'fetch.wait.max.ms=10', '-f', '%s\n'], null, outFile);
      if (r.code !== 0) throw new Error(`kcat consume exited with ${r.code}: ${r.stderr.slice(-2000)}`);
      consume = { start: r.start, end: r.end, checksum: checksumLines(readFileSync(outFile)) };
    } else {
      const args =
        s.system === 'gregor'
          ? [WS_CLIENT, 'consume', '--url', `ws://127.0.0.1:${server.websocketPort}`, '--topic', TOPIC, '--count', String(s.records), '--partitions', String(GREGOR_PARTITIONS)]
          : [PEER_CLIENT, s.client, 'consume', '--port', String(server.port), '--count', String(s.records)];
      consume = parseJson(await run(process.execPath, args, null), `${s.client} consume`);
    }
    const cpu2 = cpuSeconds(server.pid);
    const rss = peakRssMB(server.pid);
    if (consume.checksum !== expected) throw new Error(`${s.system}/${s.client}: read back ${consume.checksum}, produced ${expected} (count:sum:xor)`);

    latencies = latencies.sort((a, b) => a - b);
    const mb = (s.records * (s.valueBytes + KEY_BYTES)) / 1e6;
    const produceS = (span.end - span.start) / 1000;
    const consumeS = (consume.end - consume.start) / 1000;
    return {
      produceRecordsPerSec: s.records / produceS,
      produceMBPerSec: mb / produceS,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      latencyP999Ms: percentile(latencies, 99.9),
      consumeRecordsPerSec: s.records / consumeS,
      consumeMBPerSec: mb / consumeS,
      serverCpuProduceS: cpu1 - cpu0,
      serverCpuConsumeS: cpu2 - cpu1,
      serverCoresProduce: (cpu1 - cpu0) / produceS,
      serverPeakRssMB: rss,
      pacedRecordsPerSec: pacedRate,
    };
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
