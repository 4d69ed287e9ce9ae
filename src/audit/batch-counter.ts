/**
 * Counting whole record batches that are not being appended by a leader — a follower's append
 * (the replica tier) and the broker tier's re-derivation from the log after a restart — with
 * the same engine walk as the leader's validation (Engine.validateBatch with an AuditTable), so
 * every tier of the broker counts the same way. The bytes are copied into the engine's shared
 * memory first (the walk runs there).
 */
import type { AuditTable } from '../engine/audit-table.js';
import { newBatchInfo } from '../engine/engine-impl.js';
import type { Engine } from '../engine/engine.js';
import { BASE_OFFSET_OFFSET, BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../engine/layout.js';

/** One run: records with one timestamp (ms; negative = none) and their key + value bytes. */
export type RunSink = (timestamp: number, records: number, bytes: number) => void;

/** Feeds the runs in `table` (after a valid batch) to `sink`. */
export function drainRuns(table: AuditTable, sink: RunSink): void {
  const n = table.runs;
  for (let i = 0; i < n; i++) sink(table.timestamp(i), table.records(i), table.bytes(i));
}

const info = newBatchInfo();

/**
 * Walks the whole batches of `bytes` (as stored: offsets assigned) whose base offset is at
 * least `fromOffset`, feeding their runs to `sink`. Returns the last offset counted, or -1 if
 * none. An invalid batch ends the walk (a log's batches were validated when appended).
 */
export function countBatches(engine: Engine, table: AuditTable, bytes: Uint8Array, fromOffset: number, sink: RunSink): number {
  const memory = engine.memory;
  const ptr = memory.alloc(Math.max(bytes.byteLength, 1));
  let last = -1;
  try {
    memory.write(bytes, ptr);
    const view = memory.dataView;
    let at = 0;
    while (at + RECORD_BATCH_OVERHEAD <= bytes.byteLength) {
      const size = view.getInt32(ptr + at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      if (at + size > bytes.byteLength) break;
      const base = Number(view.getBigInt64(ptr + at + BASE_OFFSET_OFFSET));
      const lastOffset = base + view.getInt32(ptr + at + LAST_OFFSET_DELTA_OFFSET);
      if (base >= fromOffset) {
        if (engine.validateBatch(ptr + at, size, info, table) <= 0) break;
        drainRuns(table, sink);
        last = lastOffset;
      }
      at += size;
    }
  } finally {
    memory.free(ptr);
  }
  return last;
}
