/**
 * The worker pool's hand-off cost, for `npm run bench:micro` (its last section):
 *   - piscina round trip: a task with an empty hand-off table, awaited one after another
 *     (the fixed cost of one task: MessagePort post, the worker's wake-up, the reply, the
 *     promise), µs per task;
 *   - k hand-offs per task (k = 1, 16, 256), each a one-record batch (~80 B, so validation is
 *     negligible): µs per hand-off, i.e. how batching amortises the per-task cost;
 *   - pooled vs inline append: the same 1 MB batches appended to a PartitionLog inline
 *     (Produce with `--workers 0`) and through an AppendPool of one worker (16 requests in
 *     flight), MB/s, per engine.
 * Figures are medians of 5 rounds. One worker thread, over the bench's shared memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Piscina } from 'piscina';
import { createEngine, type Engine, type SharedMemory } from '../src/engine/index.js';
import { kBatchInfoSize, kCrcScratchSize } from '../src/engine/layout.js';
import { PartitionLog, type LogConfig } from '../src/storage/log.js';
import { AppendPool, resolveWorkerPath } from '../src/workers/append-pool.js';
import type { AppendTask, AppendWorkerData } from '../src/workers/append-worker.js';
import { publish, tableBytes, writeEntry } from '../src/workers/handoff-table.js';
import { workloadBatch } from './micro-append.js';

export interface HandoffFigures {
  engine: 'js' | 'wasm';
  /** µs per empty task (round trip). */
  emptyTaskUs: number;
  /** µs per hand-off with k hand-offs per task. */
  perHandoffUs: Record<number, number>;
  /** MB/s appending 1 MB batches inline and through a one-worker pool. */
  inlineMBps: number;
  pooledMBps: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeTasks(piscina: Piscina<AppendTask, number>, table: number, tasks: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < tasks; i++) await piscina.run({ table });
  return ((performance.now() - start) * 1000) / tasks;
}

/** Piscina round trips with tables of 0, 1, 16, 256 one-record hand-offs. */
async function taskCosts(memory: SharedMemory, kind: 'js' | 'wasm', encoder: Engine): Promise<Pick<HandoffFigures, 'emptyTaskUs' | 'perHandoffUs'>> {
  const infoPtr = memory.alloc(kBatchInfoSize);
  const crcScratchPtr = memory.alloc(kCrcScratchSize);
  const workerData: AppendWorkerData = { memory: memory.memory, engine: kind, infoPtr, crcScratchPtr };
  const piscina = new Piscina<AppendTask, number>({ filename: resolveWorkerPath(), minThreads: 1, maxThreads: 1, idleTimeout: Infinity, workerData });
  const batch = encoder.encodeRecordBatch([{ key: Buffer.from('k0000000'), value: Buffer.alloc(50, 1), timestamp: 1_767_225_600_000 }]);
  const batchPtr = memory.alloc(batch.length);
  memory.write(batch, batchPtr);
  try {
    const tableFor = (k: number) => {
      const table = memory.alloc(tableBytes(k));
      for (let i = 0; i < k; i++) writeEntry(memory, table, i, { baseOffset: i === 0 ? 0 : -1, ptr: batchPtr, len: batch.length, maxBatchBytes: 1 << 20, partitionLeaderEpoch: 0 });
      publish(memory, table, k);
      return table;
    };
    const empty = tableFor(0);
    await timeTasks(piscina, empty, 2000); // warm-up
    const emptyRounds: number[] = [];
    for (let r = 0; r < 5; r++) emptyRounds.push(await timeTasks(piscina, empty, 2000));
    const emptyTaskUs = median(emptyRounds);
    const perHandoffUs: Record<number, number> = {};
    for (const k of [1, 16, 256]) {
      const table = tableFor(k);
      const tasks = Math.max(50, Math.floor(20_000 / k));
      await timeTasks(piscina, table, Math.ceil(tasks / 4));
      const rounds: number[] = [];
      for (let r = 0; r < 5; r++) rounds.push((await timeTasks(piscina, table, tasks)) / k);
      perHandoffUs[k] = median(rounds);
      memory.free(table);
    }
    memory.free(empty);
    return { emptyTaskUs, perHandoffUs };
  } finally {
    await piscina.destroy();
    memory.free(batchPtr);
    memory.free(infoPtr);
    memory.free(crcScratchPtr);
  }
}

/** MB/s of 1 MB batches appended inline and through a one-worker AppendPool (16 in flight). */
async function appendThroughput(engine: Engine, batch: Buffer): Promise<Pick<HandoffFigures, 'inlineMBps' | 'pooledMBps'>> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-micro-pool-'));
  const logger = pino({ level: 'silent' });
  const config: LogConfig = { engine, indexIntervalBytes: 4096, tailCapacity: 2 * 1024 * 1024, segmentBytes: 64 * 1024 * 1024, rollMs: Number.MAX_SAFE_INTEGER, maxBatchBytes: 2 * 1024 * 1024, flushIntervalMessages: Number.MAX_SAFE_INTEGER };
  const pool = await AppendPool.start({ workers: 1, engine: engine.kind, memory: engine.memory, logger });
  const appends = 192;
  try {
    const inline: number[] = [];
    const pooled: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const mode of ['inline', 'pooled'] as const) {
        const logDir = mkdtempSync(join(dir, `${mode}-`));
        const log = PartitionLog.open('bench', 0, logDir, config, logger);
        const start = performance.now();
        if (mode === 'inline') {
          for (let i = 0; i < appends; i++) log.append(batch, 0);
        } else {
          const inFlight: Array<Promise<unknown>> = [];
          for (let i = 0; i < appends; i++) {
            inFlight.push(pool.append(log, batch, 0));
            if (inFlight.length >= 16) await inFlight.shift();
          }
          await Promise.all(inFlight);
        }
        const mbps = (appends * batch.length) / 1e6 / ((performance.now() - start) / 1000);
        (mode === 'inline' ? inline : pooled).push(mbps);
        if (log.logEndOffset === 0) throw new Error('nothing appended');
        log.close();
        rmSync(logDir, { recursive: true, force: true });
      }
    }
    return { inlineMBps: median(inline), pooledMBps: median(pooled) };
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every figure of this section, per engine. */
export async function measureHandoffs(memory: SharedMemory): Promise<HandoffFigures[]> {
  const out: HandoffFigures[] = [];
  const encoder = createEngine('js', memory);
  const batch = workloadBatch(encoder, 100);
  for (const kind of ['js', 'wasm'] as const) {
    const engine = createEngine(kind, memory);
    const costs = await taskCosts(memory, kind, encoder);
    const throughput = await appendThroughput(engine, batch);
    out.push({ engine: kind, ...costs, ...throughput });
  }
  return out;
}
