/**
 * The worker-thread side of the append pool (piscina runs this file; one thread per pool
 * slot). At load it wraps the broker's shared WebAssembly.Memory (posted in workerData, no
 * copy) and creates its own engine over it — the WASM core (its own instance) or the JS twin,
 * per `--engine` — with its own scratch areas (BatchInfo slot, CRC transpose area) that the
 * main thread allocated for this slot, so that it never races the main thread's engine.
 *
 * Each task is `{ table, fault? }`: the address of a hand-off table (handoff-table.ts) that
 * process-handoffs.ts validates and stamps in place; it returns the entry count. `fault` is a
 * test hook (AppendPool.injectFault): after the first entry the worker throws, or ends its
 * thread with process.exit(1), as a crash would.
 */
import { workerData } from 'piscina';
import { createEngine } from '../engine/index.js';
import type { EngineKind } from '../engine/engine.js';
import { SharedMemory } from '../engine/shared-memory.js';
import type { WasmMemory } from '../engine/wasm-api.js';
import { type WorkerFault, processHandoffs } from './process-handoffs.js';

/** What AppendPool passes each thread (structured clone; the memory is shared, not copied). */
export interface AppendWorkerData {
  memory: WasmMemory;
  engine: EngineKind;
  infoPtr: number;
  crcScratchPtr: number;
}

/** One task: a hand-off table's address, and an optional injected fault. */
export interface AppendTask {
  table: number;
  fault?: WorkerFault;
}

const data = workerData as AppendWorkerData;
const memory = SharedMemory.attach(data.memory);
const engine = createEngine(data.engine, memory, { infoPtr: data.infoPtr, crcScratchPtr: data.crcScratchPtr });

export default function run(task: AppendTask): number {
  const fault = task.fault;
  const onFault = fault
    ? () => {
        if (fault === 'exit') process.exit(1);
        throw new Error('append worker: injected fault');
      }
    : undefined;
  return processHandoffs(engine, task.table, onFault);
}
