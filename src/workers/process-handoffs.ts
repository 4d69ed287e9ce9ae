/**
 * What a worker does with one hand-off table (handoff-table.ts): for each entry, in order,
 * validate the produce request's batches where they lie in shared memory
 * (request-validation.ts: lengths, magic, CRC-32C, records, max.message.bytes) and, when
 * every batch is valid, stamp them in place with consecutive offsets (baseOffset, then
 * baseOffset + lastOffsetDelta + 1, …) and the partition leader epoch; an invalid request is
 * left untouched and does not consume offsets. Entries with baseOffset -1 continue the
 * offsets of the entry before (the next request of the same partition).
 *
 * Plain function over an Engine, so the main thread can run it too (tests compare it with
 * the inline path); src/workers/append-worker.ts runs it in the pool's threads.
 */
import type { Engine } from '../engine/engine.js';
import { newBatchInfo } from '../engine/engine-impl.js';
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD } from '../engine/layout.js';
import { newRequestValidation, validateRequest } from '../storage/request-validation.js';
import { type HandoffInput, markDone, publishedCount, readInput, writeOutput } from './handoff-table.js';

/** Test hook carried by a task: fail after the first entry, by throwing or by ending the thread. */
export type WorkerFault = 'throw' | 'exit';

const info = newBatchInfo();
const validation = newRequestValidation();
const input: HandoffInput = { baseOffset: 0, ptr: 0, len: 0, maxBatchBytes: 0, partitionLeaderEpoch: 0 };

/**
 * Processes the table at `table`; returns the number of entries. `onFault` runs after the
 * first entry when the task carries a fault (the worker throws or exits there).
 * Errors: RangeError from the engine for addresses outside the memory (a bug of the caller).
 */
export function processHandoffs(engine: Engine, table: number, onFault?: () => void): number {
  const memory = engine.memory;
  memory.refresh(); // the owner thread may have grown the memory since the last task
  const count = publishedCount(memory, table);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    readInput(memory, table, i, input);
    if (input.baseOffset >= 0) offset = input.baseOffset;
    validateRequest(engine, input.ptr, input.len, input.maxBatchBytes, info, validation);
    if (validation.status > 0) {
      const stampedBase = offset;
      const view = memory.dataView;
      let at = input.ptr;
      for (let b = 0; b < validation.status; b++) {
        engine.stampBatch(at, offset, input.partitionLeaderEpoch);
        offset += view.getInt32(at + LAST_OFFSET_DELTA_OFFSET) + 1;
        at += view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      }
      writeOutput(memory, table, i, stampedBase, validation.status, 0);
    } else {
      writeOutput(memory, table, i, -1, validation.status, validation.position);
    }
    if (i === 0 && onFault) onFault();
  }
  markDone(memory, table, count);
  return count;
}
