/**
 * The append worker pool (`--workers N`, `gregor.workers`; N = 0 means no pool: produce
 * appends run inline on the main thread, the broker's original path).
 *
 * Design — who does what:
 *
 *   main thread                                         worker thread (slot = stable hash of
 *                                                        topic + partition, mod N)
 *   Produce handler → append(log, records)
 *     queue per partition (arrival order)
 *   next setImmediate: for each partition with waiting
 *   requests and no run in flight, PartitionLog.stageRun:
 *     roll if needed; copy the leading requests once,
 *     back to back, into the active segment's tail
 *     buffer in shared memory (the only copy)
 *   one hand-off table per slot (handoff-table.ts):
 *     addresses, lengths, base offset — no bytes     ──► validate every batch in place (CRC-32C,
 *   one piscina task per slot and flush, carrying          records, max.message.bytes) and stamp
 *     only the table's address                             offsets + leader epoch in place, with
 *                                                        its own WASM instance or JS twin and
 *                                                    ◄──  its own scratch (process-handoffs.ts)
 *   for each part in order, PartitionLog.commitStagedPart:
 *     producer-state / compaction / transaction checks, re-stamp only if an earlier part was
 *     refused, offset + time index, writeSync from a view of the same bytes, tail commit;
 *     wake fetches; resolve the produce request
 *
 * Why the file write and the indexes stay on the main thread: the log end offset, the file
 * position, segment rolls, idempotent producers' sequence checks and the fetch purgatory are
 * the main thread's per-partition state, decided in arrival order; the write is one pwrite of
 * bytes already in the page-cache path (tens of µs per MiB) while validation is the CPU
 * work (the CRC-32C over every byte and the walk over every record). Moving the write would
 * need the worker to own that state, or a second hand-off per request.
 *
 * Ordering without locks: a partition has at most one staged run at a time, and its runs go
 * to one worker; the worker processes a table's entries in order and a slot's tasks in
 * order (one thread, piscina's FIFO queue). Offsets the worker stamps are the log end offset
 * at staging plus the lengths it validated; if the main thread then refuses a part (an
 * idempotent retry, a sequence error), the parts after it are moved down and re-stamped
 * before they are written, so the log is byte for byte what the inline path writes.
 *
 * Batching: every request that arrived in one turn of the event loop is staged and handed
 * off in the same flush, one task per slot; a run holds up to `maxRunParts` requests of one
 * partition. Piscina's per-task cost (a MessagePort round trip and a promise) is paid per
 * flush, not per request: `npm run bench:micro` measures it.
 *
 * Crash safety: a task that rejects (the worker threw, or its thread died) fails its slot:
 * every produce request in flight on the slot is answered NOT_LEADER_OR_FOLLOWER at once
 * (retriable: librdkafka and KafkaJS refresh metadata and send again; nothing of it was
 * written); the slot's thread is destroyed and a new one started; once the old thread is
 * gone, the staged regions are released and every partition of the slot is reloaded from
 * disk as at start-up (PartitionLog.reload); requests that arrived meanwhile wait in their
 * queues and go on after. Only appends written before their answer was sent are ever
 * acknowledged, so nothing acknowledged is lost.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Piscina } from 'piscina';

/** piscina, loaded when the first pool starts: a broker without workers never pays for it (memory). */
let PiscinaClass: typeof Piscina | null = null;
import type { EngineKind } from '../engine/engine.js';
import { kBatchInfoSize, kCrcScratchSize } from '../engine/layout.js';
import type { SharedMemory } from '../engine/shared-memory.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { AppendResult, PartitionLog, StagedRun } from '../storage/log.js';
import type { AppendTask, AppendWorkerData } from './append-worker.js';
import { type HandoffOutput, doneCount, publish, readOutput, tableBytes, writeEntry } from './handoff-table.js';
import type { WorkerFault } from './process-handoffs.js';

export interface AppendPoolOptions {
  /** Worker threads (>= 1). */
  workers: number;
  /** The core each worker runs (`gregor.engine`). */
  engine: EngineKind;
  /** The broker's shared memory (its engine's): tail buffers and tables live here. */
  memory: SharedMemory;
  logger: Logger;
  /** Most requests of one partition handed off together (default 64). */
  maxRunParts?: number;
}

/** Counters, for benchmarks and tests. */
export interface AppendPoolStats {
  /** Piscina tasks run (one per slot and flush). */
  tasks: number;
  /** Produce requests handed off (table entries). */
  handoffs: number;
  /** Runs staged (one partition's consecutive requests, handed off together). */
  runs: number;
  /** Parts re-stamped on the main thread because a part before them in their run was refused. */
  restamped: number;
  /** Workers replaced after a failure. */
  replacements: number;
  /** Produce requests answered NOT_LEADER_OR_FOLLOWER because their worker failed. */
  failedInFlight: number;
}

interface PendingAppend {
  records: Uint8Array;
  partitionLeaderEpoch: number;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
}

/** A partition's queue of produce requests and its run in flight (at most one). */
interface PartitionQueue {
  log: PartitionLog;
  slot: Slot;
  waiting: PendingAppend[];
  inFlight: { run: StagedRun; appends: PendingAppend[] } | null;
  recovering: boolean;
}

interface TaskRun {
  queue: PartitionQueue;
  run: StagedRun;
  appends: PendingAppend[];
  /** First entry of this run in the task's table. */
  firstEntry: number;
}

interface Task {
  slot: Slot;
  table: number;
  runs: TaskRun[];
  settled: Promise<void>;
}

interface Slot {
  index: number;
  piscina: Piscina<AppendTask, number>;
  infoPtr: number;
  crcScratchPtr: number;
  inFlight: Set<Task>;
  recovering: Promise<void> | null;
  fault: WorkerFault | null;
}

const DEFAULT_MAX_RUN_PARTS = 64;
/** Longest wait of fence() for a run in flight (ms). */
const FENCE_WAIT_MS = 10_000;

/**
 * Path of the compiled worker (append-worker.js): beside this module when it runs from
 * dist/, else dist/src/workers/ (vitest runs src/*.ts, and a worker thread needs JavaScript:
 * `npm run build` first, which `npm test` does). GREGOR_APPEND_WORKER overrides it.
 */
export function resolveWorkerPath(): string {
  const override = process.env['GREGOR_APPEND_WORKER'];
  if (override) return override;
  const candidates = [new URL('./append-worker.js', import.meta.url), new URL('../../dist/src/workers/append-worker.js', import.meta.url)].map((u) => fileURLToPath(u));
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(`append-worker.js not found (run \`npm run build\`); tried ${candidates.join(', ')}`);
}

/** FNV-1a of the topic name plus the partition: partitions of one topic spread over the slots. */
export function slotOf(topic: string, partition: number, workers: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) h = Math.imul(h ^ topic.charCodeAt(i), 0x01000193);
  return ((h >>> 0) + partition) % workers;
}

export class AppendPool {
  readonly workers: number;
  readonly engineKind: EngineKind;
  private readonly memory: SharedMemory;
  private readonly logger: Logger;
  private readonly maxRunParts: number;
  private readonly workerPath: string;
  private readonly slots: Slot[] = [];
  private readonly queues = new Map<PartitionLog, PartitionQueue>();
  private readonly ready = new Set<PartitionQueue>();
  private flushScheduled = false;
  private closed = false;
  private readonly counters: AppendPoolStats = { tasks: 0, handoffs: 0, runs: 0, restamped: 0, replacements: 0, failedInFlight: 0 };
  private readonly output: HandoffOutput = { stampedBase: 0, status: 0, errorPosition: 0 };

  private constructor(options: AppendPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`AppendPool: workers must be >= 1, got ${options.workers}`);
    this.workers = options.workers;
    this.engineKind = options.engine;
    this.memory = options.memory;
    this.logger = options.logger;
    this.maxRunParts = options.maxRunParts ?? DEFAULT_MAX_RUN_PARTS;
    this.workerPath = resolveWorkerPath();
    for (let index = 0; index < this.workers; index++) {
      // Scratch areas of this slot's engine: 8-aligned BatchInfo slot, 16-aligned CRC area.
      const infoPtr = this.memory.alloc(kBatchInfoSize);
      const crcScratchPtr = this.memory.alloc(kCrcScratchSize);
      const slot: Slot = { index, piscina: null as never, infoPtr, crcScratchPtr, inFlight: new Set(), recovering: null, fault: null };
      slot.piscina = this.newPiscina(slot);
      this.slots.push(slot);
    }
  }

  /**
   * Starts `options.workers` threads and resolves once each has loaded its engine.
   * Errors: RangeError (workers < 1); Error when the compiled worker is missing or a thread
   * fails to start (e.g. build/gregor-core.wasm missing).
   */
  static async start(options: AppendPoolOptions): Promise<AppendPool> {
    PiscinaClass ??= (await import('piscina')).Piscina;
    const pool = new AppendPool(options);
    try {
      await Promise.all(pool.slots.map((slot) => pool.runEmpty(slot)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** A task with an empty table: proves the slot's thread is up (used at start). */
  private async runEmpty(slot: Slot): Promise<void> {
    const table = this.memory.alloc(tableBytes(0));
    try {
      publish(this.memory, table, 0);
      await slot.piscina.run({ table });
    } finally {
      this.memory.free(table);
    }
  }

  private newPiscina(slot: Slot): Piscina<AppendTask, number> {
    const workerData: AppendWorkerData = { memory: this.memory.memory, engine: this.engineKind, infoPtr: slot.infoPtr, crcScratchPtr: slot.crcScratchPtr };
    const piscina = new PiscinaClass!<AppendTask, number>({
      filename: this.workerPath,
      name: 'default',
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
      workerData,
    });
    // A thread that dies with no task running: replace it the same way.
    piscina.on('error', (err: unknown) => {
      if (slot.piscina === piscina) void this.failSlot(slot, err);
    });
    return piscina;
  }

  /** The slot that owns (topic, partition): stable for the pool's life. */
  slotFor(topic: string, partition: number): number {
    return slotOf(topic, partition, this.workers);
  }

  /** A copy of the counters. */
  stats(): AppendPoolStats {
    return { ...this.counters };
  }

  /** The thread ids of the slots' current workers (tests watch replacements). */
  threadIds(): number[] {
    return this.slots.map((slot) => slot.piscina.threads[0]?.threadId ?? -1);
  }

  /**
   * Test hook: the next task of slot `slot` fails after its first entry — the worker throws
   * (`throw`) or ends its thread (`exit`) — as a crash would.
   */
  injectFault(slot: number, fault: WorkerFault): void {
    this.slots[slot]!.fault = fault;
  }

  /**
   * Appends one produce request's records (for one partition) through the pool; resolves
   * with what PartitionLog.append would return, in arrival order per partition.
   * Errors (rejections): KafkaError as PartitionLog.append (CORRUPT_MESSAGE, INVALID_RECORD,
   * MESSAGE_TOO_LARGE, the idempotence errors…); NOT_LEADER_OR_FOLLOWER when the worker
   * failed or the pool is closed (retriable; nothing was written).
   */
  append(log: PartitionLog, records: Uint8Array, partitionLeaderEpoch: number): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the broker is shutting down'));
    let queue = this.queues.get(log);
    if (!queue) {
      queue = { log, slot: this.slots[this.slotFor(log.topic, log.partition)]!, waiting: [], inFlight: null, recovering: false };
      this.queues.set(log, queue);
    }
    const q = queue;
    return new Promise<AppendResult>((resolve, reject) => {
      q.waiting.push({ records, partitionLeaderEpoch, resolve, reject });
      this.schedule(q);
    });
  }

  /**
   * Leadership of `log` moved away (cluster mode): its waiting appends are refused with
   * NOT_LEADER_OR_FOLLOWER (retriable; nothing of them was written), and the promise
   * resolves once its run in flight, if any, is committed or failed — polled every
   * millisecond, for at most FENCE_WAIT_MS (a run takes milliseconds; a slot recovering from
   * a dead worker may take longer, and then the wait gives up with a warning).
   */
  async fence(log: PartitionLog): Promise<void> {
    const queue = this.queues.get(log);
    if (!queue) return;
    for (const a of queue.waiting.splice(0)) a.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${log.topic}-${log.partition}: this broker is no longer its leader`));
    const deadline = Date.now() + FENCE_WAIT_MS;
    while ((queue.inFlight || queue.recovering) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    if (queue.inFlight || queue.recovering) this.logger.warn({ topic: log.topic, partition: log.partition }, 'a fenced partition still has an append in flight');
  }

  private schedule(queue: PartitionQueue): void {
    this.ready.add(queue);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Stages a run for every ready partition and hands them off, one task per slot. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return; // close() answers whatever still waits
    const bySlot = new Map<Slot, TaskRun[]>();
    for (const queue of this.ready) {
      this.ready.delete(queue);
      if (queue.log.isClosed && !queue.inFlight) {
        // Closed or deleted (a topic deletion): refuse what waits and forget the queue.
        for (const a of queue.waiting.splice(0)) a.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${queue.log.topic}-${queue.log.partition} is closed`));
        this.queues.delete(queue.log);
        continue;
      }
      if (queue.inFlight || queue.recovering || queue.slot.recovering || queue.waiting.length === 0) continue;
      const run = this.stage(queue);
      if (!run) continue;
      let runs = bySlot.get(queue.slot);
      if (!runs) bySlot.set(queue.slot, (runs = []));
      runs.push(run);
    }
    for (const [slot, runs] of bySlot) this.dispatch(slot, runs);
  }

  /** Stages the leading waiting requests of `queue` (same leader epoch); null if none could be. */
  private stage(queue: PartitionQueue): TaskRun | null {
    while (queue.waiting.length > 0) {
      const epoch = queue.waiting[0]!.partitionLeaderEpoch;
      const requests: Uint8Array[] = [];
      for (const a of queue.waiting) {
        if (requests.length === this.maxRunParts || a.partitionLeaderEpoch !== epoch) break;
        requests.push(a.records);
      }
      try {
        const run = queue.log.stageRun(requests, epoch);
        const appends = queue.waiting.splice(0, run.parts.length);
        queue.inFlight = { run, appends };
        return { queue, run, appends, firstEntry: 0 };
      } catch (err) {
        queue.waiting.shift()!.reject(err);
      }
    }
    return null;
  }

  private dispatch(slot: Slot, runs: TaskRun[]): void {
    let count = 0;
    for (const r of runs) count += r.run.parts.length;
    const memory = this.memory;
    const table = memory.alloc(tableBytes(count));
    let entry = 0;
    for (const r of runs) {
      r.firstEntry = entry;
      r.run.parts.forEach((part, i) => {
        writeEntry(memory, table, entry++, {
          baseOffset: i === 0 ? r.run.baseOffset : -1,
          ptr: part.ptr,
          len: part.records.byteLength,
          maxBatchBytes: r.run.maxBatchBytes,
          partitionLeaderEpoch: r.run.partitionLeaderEpoch,
        });
      });
    }
    publish(memory, table, count);
    this.counters.tasks++;
    this.counters.handoffs += count;
    this.counters.runs += runs.length;
    const fault = slot.fault ?? undefined;
    slot.fault = null;
    const task: Task = { slot, table, runs, settled: null as never };
    slot.inFlight.add(task);
    task.settled = slot.piscina.run({ table, fault }).then(
      (n) => this.complete(task, n, count),
      (err: unknown) => this.failSlot(slot, err),
    );
  }

  /** A task came back: commit its parts in order, answer their requests, release the runs. */
  private complete(task: Task, returned: number, count: number): void {
    const { slot, table } = task;
    if (!slot.inFlight.has(task)) return; // its slot failed meanwhile: already answered
    if (returned !== count || doneCount(this.memory, table) !== count) {
      void this.failSlot(slot, new Error(`append worker processed ${returned} of ${count} hand-offs`));
      return;
    }
    slot.inFlight.delete(task);
    const out = this.output;
    for (const { queue, run, appends, firstEntry } of task.runs) {
      try {
        for (let i = 0; i < appends.length; i++) {
          readOutput(this.memory, table, firstEntry + i, out);
          try {
            const result = queue.log.commitStagedPart(run, i, out.status, out.errorPosition, out.stampedBase);
            if (!result.duplicate && result.firstOffset !== out.stampedBase) this.counters.restamped++;
            appends[i]!.resolve(result);
          } catch (err) {
            appends[i]!.reject(err);
          }
        }
      } finally {
        queue.log.releaseRun(run);
        queue.inFlight = null;
        if (queue.waiting.length > 0) this.schedule(queue);
      }
    }
    this.memory.free(table);
  }

  /**
   * A worker threw or died: answer its in-flight requests (retriable), replace the thread,
   * and once the old one is gone reload the slot's partitions from disk. Runs once per
   * failure; later rejections of the old thread's tasks find nothing left to do.
   */
  private failSlot(slot: Slot, err: unknown): Promise<void> {
    if (slot.recovering) return slot.recovering;
    const tasks = [...slot.inFlight];
    slot.inFlight.clear();
    const old = slot.piscina;
    this.logger.error({ slot: slot.index, err: err instanceof Error ? err.message : String(err), inFlightTasks: tasks.length }, 'append worker failed; replacing it and reloading its partitions from disk');
    const queues = new Set<PartitionQueue>();
    for (const queue of this.queues.values()) {
      if (queue.slot !== slot) continue;
      queue.recovering = true;
      queues.add(queue);
    }
    for (const task of tasks) {
      for (const r of task.runs) {
        for (const a of r.appends) {
          this.counters.failedInFlight++;
          a.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `the worker validating ${r.queue.log.topic}-${r.queue.log.partition} failed; retry`));
        }
      }
    }
    const recover = async () => {
      // Nothing may touch the staged regions or tables while the old thread could still run.
      await old.destroy().catch(() => {});
      for (const task of tasks) {
        for (const r of task.runs) r.queue.log.releaseRun(r.run);
        this.memory.free(task.table);
      }
      if (!this.closed) slot.piscina = this.newPiscina(slot);
      for (const queue of queues) {
        queue.inFlight = null;
        try {
          queue.log.reload();
        } catch (reloadErr) {
          this.logger.error({ topic: queue.log.topic, partition: queue.log.partition, err: (reloadErr as Error).message }, 'reloading a partition after a worker failure failed');
        }
        queue.recovering = false;
      }
      this.counters.replacements++;
      slot.recovering = null;
      for (const queue of queues) {
        if (queue.waiting.length === 0) continue;
        if (this.closed) for (const a of queue.waiting.splice(0)) a.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the broker is shutting down'));
        else this.schedule(queue);
      }
    };
    slot.recovering = recover();
    return slot.recovering;
  }

  /**
   * Stops taking appends, lets the runs in flight finish (their requests are answered and
   * written), then ends the threads and frees the slots' scratch memory.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (;;) {
      const pending = this.slots.flatMap((slot) => [...[...slot.inFlight].map((t) => t.settled), ...(slot.recovering ? [slot.recovering] : [])]);
      if (pending.length === 0) break;
      await Promise.allSettled(pending);
    }
    for (const queue of this.queues.values()) {
      for (const a of queue.waiting.splice(0)) a.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the broker is shutting down'));
    }
    await Promise.all(this.slots.map((slot) => slot.piscina.destroy().catch(() => {})));
    for (const slot of this.slots) {
      this.memory.free(slot.infoPtr);
      this.memory.free(slot.crcScratchPtr);
    }
    this.slots.length = 0;
  }
}
