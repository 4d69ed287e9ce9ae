/**
 * How a single broker's costs grow with its partition count and its connection count
 * (issue 12's scale tables), for `npm run bench:scale [-- --counts 100,1000,10000]
 * [--connections 1000,10000] [--records N]`.
 *
 * Partitions, per count, in a fresh child process each (so RSS is the broker's alone):
 *   1. start an empty broker, create one topic with N partitions, append one 10-record batch
 *      (1 KiB) to every partition through the produce path (ReplicaManager.appendRecords);
 *      time to create + fill, RSS; then, against that background, kcat's produce rate into
 *      one partition (`--records` × 100 B, acks=1) and a consumer's Fetch (v12) naming
 *      min(N, 1,000) partitions: ms for one that returns every partition's batch, and for
 *      one at the log end (nothing new: the cost incremental fetch sessions remove);
 *   2. restart on the same log directory: start-up time (recovery of N active segments,
 *      indexes, producer state) and RSS once listening.
 * Connections, per count: a broker process (bin/gregor.js), K idle Kafka connections that
 * each completed an ApiVersions exchange, then the broker's RSS and kcat's produce rate
 * against that background (0 connections first, as the baseline).
 * Loopback and temp dirs only; the child processes are ours and are stopped by PID.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Phase {
  ms: number;
  rssMB: number;
  /** fill only: kcat records/s into one partition, and Fetch ms (all new / at the end). */
  produceRate?: number;
  fetchAllMs?: number;
  fetchIdleMs?: number;
  fetchPartitions?: number;
}

const PRODUCE_RECORDS = { value: 300_000 };

const SELF = fileURLToPath(import.meta.url);

/** The child: one phase, printed as JSON on stdout. */
async function child(phase: 'fill' | 'restart', dir: string, count: number): Promise<void> {
  const { Broker } = await import('../src/broker.js');
  const { createEngine } = await import('../src/engine/index.js');
  const { pino } = await import('pino');
  const started = performance.now();
  const broker = await Broker.start({ port: 0, logDirs: dir, websocketPort: -1, logger: pino({ level: 'silent' }), properties: { 'gregor.metrics.port': -1 } });
  if (phase === 'fill') {
    broker.logs.createTopic('scale', count);
    const batch = createEngine('js').encodeRecordBatch(Array.from({ length: 10 }, (_, i) => ({ key: null, value: new Uint8Array(100).fill(i), timestamp: Date.now() })));
    for (let p = 0; p < count; p++) await broker.replicas.appendRecords('scale', p, batch.slice(), { acks: 1, timeoutMs: 1000 });
  }
  const ms = performance.now() - started;
  globalThis.gc?.();
  const rssMB = process.memoryUsage().rss / 1048576;
  const result: Phase = { ms, rssMB };
  if (phase === 'fill') {
    Object.assign(result, await fetchCost(broker.port, count));
    result.produceRate = await kcatProduceRate(broker.port, 'scale', PRODUCE_RECORDS.value);
  }
  await broker.stop();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Median ms of Fetch v12 over min(count, 1,000) partitions: from offset 0 and at the log end. */
async function fetchCost(port: number, count: number): Promise<Pick<Phase, 'fetchAllMs' | 'fetchIdleMs' | 'fetchPartitions'>> {
  const { KafkaClient } = await import('../src/network/kafka-client.js');
  const { createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } = await import('../src/protocol/generated/index.js');
  const client = await KafkaClient.connect(`127.0.0.1:${port}`);
  const partitions = Math.min(count, 1000);
  const fetch = async (offset: number) => {
    const started = performance.now();
    const { response } = await client.request<{ errorCode: number; responses: Array<{ partitions: Array<{ errorCode: number; records: Uint8Array | null }> }> }>(1, createFetchRequest({
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 64 << 20, sessionEpoch: -1,
      topics: [createFetchRequestFetchTopic({ topic: 'scale', partitions: Array.from({ length: partitions }, (_, partition) => createFetchRequestFetchPartition({ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 })) })],
    }), 12);
    const parts = response.responses[0]!.partitions;
    if (response.errorCode !== 0 || parts.length !== partitions || parts.some((p) => p.errorCode !== 0)) throw new Error('fetch failed');
    if (offset === 0 && parts.some((p) => (p.records?.length ?? 0) === 0)) throw new Error('fetch returned no records');
    return performance.now() - started;
  };
  const median = async (offset: number) => {
    const times: number[] = [];
    for (let i = 0; i < 11; i++) times.push(await fetch(offset));
    return times.sort((a, b) => a - b)[5]!;
  };
  try {
    return { fetchAllMs: await median(0), fetchIdleMs: await median(10), fetchPartitions: partitions };
  } finally {
    client.close();
  }
}

/** kcat's produce rate into partition 0 of `topic`: `records` × 100 B values, acks=1, records/s. */
async function kcatProduceRate(port: number, topic: string, records: number): Promise<number> {
  const { run } = await import('./e2e/process.js');
  const line = `${'x'.repeat(100)}\n`;
  const input = Buffer.from(line.repeat(records));
  const r = await run('kcat', ['-P', '-b', `127.0.0.1:${port}`, '-t', topic, '-p', '0', '-X', 'acks=1', '-X', 'linger.ms=5', '-z', 'none'], input);
  if (r.code !== 0) throw new Error(`kcat failed: ${r.stderr}`);
  return records / ((r.end - r.start) / 1000);
}

/** The ApiVersions v0 request every idle connection sends once (a real, answered exchange). */
function apiVersionsRequest(correlationId: number): Buffer {
  const clientId = Buffer.from('scale');
  const b = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  b.writeInt32BE(b.length - 4, 0);
  b.writeInt16BE(18, 4);
  b.writeInt16BE(0, 6);
  b.writeInt32BE(correlationId, 8);
  b.writeInt16BE(clientId.length, 12);
  clientId.copy(b, 14);
  return b;
}

/** Opens `count` connections to `port`, each answered once; resolves with the open sockets. */
async function idleConnections(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const BATCH = 500;
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => new Promise<void>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write(apiVersionsRequest(i + j)));
      s.once('error', reject);
      s.once('data', () => resolve());
      s.setTimeout(30_000, () => reject(new Error('no ApiVersions answer in 30 s')));
      sockets.push(s);
    })));
  }
  for (const s of sockets) s.setTimeout(0);
  return sockets;
}

function rssMBOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** The connections table: RSS and kcat's produce rate with K idle connections open. */
async function connectionsTable(counts: number[]): Promise<void> {
  const { startGregor } = await import('./e2e/gregor-server.js');
  console.log('| idle connections | broker RSS | RSS per connection | kcat produce, records/s |');
  console.log('| ---: | ---: | ---: | ---: |');
  let baseRss = 0;
  for (const count of [0, ...counts]) {
    const server = await startGregor('wasm', 0, 'scale', 1);
    let sockets: Socket[] = [];
    try {
      sockets = await idleConnections(server.port, count);
      await new Promise((r) => setTimeout(r, 1000));
      const rss = rssMBOf(server.pid);
      if (count === 0) baseRss = rss;
      const rate = await kcatProduceRate(server.port, 'scale', PRODUCE_RECORDS.value);
      const per = count === 0 ? '' : `${(((rss - baseRss) * 1024) / count).toFixed(1)} KB`;
      console.log(`| ${count.toLocaleString('en-US')} | ${rss.toFixed(0)} MB | ${per} | ${Math.round(rate).toLocaleString('en-US')} |`);
    } finally {
      for (const s of sockets) s.destroy();
      await server.stop();
    }
  }
}

function run(phase: 'fill' | 'restart', dir: string, count: number): Phase {
  const out = execFileSync(process.execPath, ['--expose-gc', SELF, '--child', phase, dir, String(count), String(PRODUCE_RECORDS.value)], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 600_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Phase;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : null);
  if (argv[0] === '--child') {
    PRODUCE_RECORDS.value = Number(argv[4]);
    return child(argv[1] as 'fill' | 'restart', argv[2]!, Number(argv[3]));
  }
  if (option('--records')) PRODUCE_RECORDS.value = Number(option('--records'));
  if (option('--connections')) return connectionsTable(option('--connections')!.split(',').map(Number));
  const counts = (option('--counts') ?? '100,1000,10000').split(',').map(Number);
  const empty = mkdtempSync(join(tmpdir(), 'gregor-scale-'));
  const idle = run('restart', empty, 0);
  rmSync(empty, { recursive: true, force: true });
  console.log(`empty broker: start ${idle.ms.toFixed(0)} ms, RSS ${idle.rssMB.toFixed(0)} MB`);
  console.log('| partitions | create + one batch each | RSS after | kcat produce into one partition, records/s | Fetch of min(N, 1,000) partitions: all new / at the end | restart (recovery) | RSS after restart |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const count of counts) {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-scale-'));
    try {
      const fill = run('fill', dir, count);
      const restart = run('restart', dir, count);
      const fetches = `${fill.fetchAllMs!.toFixed(1)} / ${fill.fetchIdleMs!.toFixed(1)} ms (${fill.fetchPartitions})`;
      console.log(`| ${count.toLocaleString('en-US')} | ${fill.ms.toFixed(0)} ms | ${fill.rssMB.toFixed(0)} MB | ${Math.round(fill.produceRate!).toLocaleString('en-US')} | ${fetches} | ${restart.ms.toFixed(0)} ms | ${restart.rssMB.toFixed(0)} MB |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
