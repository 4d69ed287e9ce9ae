/**
 * How a single broker's costs grow with its partition count (issue 12's scale table), for
 * `npm run bench:scale [-- --counts 100,1000,10000]`. Per count, in a fresh child process
 * each (so RSS is the broker's alone):
 *   1. start an empty broker, create one topic with N partitions, append one 10-record batch
 *      (1 KiB) to every partition through the produce path (ReplicaManager.appendRecords);
 *      time to create + fill, RSS;
 *   2. restart on the same log directory: start-up time (recovery of N active segments,
 *      indexes, producer state) and RSS once listening.
 * Loopback and a temp dir only; the child processes are ours and exit on their own.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Phase {
  ms: number;
  rssMB: number;
}

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
  await broker.stop();
  process.stdout.write(`${JSON.stringify({ ms, rssMB } satisfies Phase)}\n`);
}

function run(phase: 'fill' | 'restart', dir: string, count: number): Phase {
  const out = execFileSync(process.execPath, ['--expose-gc', SELF, '--child', phase, dir, String(count)], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 600_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Phase;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1] as 'fill' | 'restart', argv[2]!, Number(argv[3]));
  const counts = (argv.includes('--counts') ? argv[argv.indexOf('--counts') + 1]! : '100,1000,10000').split(',').map(Number);
  const empty = mkdtempSync(join(tmpdir(), 'gregor-scale-'));
  const idle = run('restart', empty, 0);
  rmSync(empty, { recursive: true, force: true });
  console.log(`empty broker: start ${idle.ms.toFixed(0)} ms, RSS ${idle.rssMB.toFixed(0)} MB`);
  console.log('| partitions | create + one batch each | RSS after | restart (recovery) | RSS after restart |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const count of counts) {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-scale-'));
    try {
      const fill = run('fill', dir, count);
      const restart = run('restart', dir, count);
      console.log(`| ${count.toLocaleString('en-US')} | ${fill.ms.toFixed(0)} ms | ${fill.rssMB.toFixed(0)} MB | ${restart.ms.toFixed(0)} ms | ${restart.rssMB.toFixed(0)} MB |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
