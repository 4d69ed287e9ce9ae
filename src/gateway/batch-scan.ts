/**
 * Walks the headers of concatenated record batches v2 (as the log returns them) without
 * decoding records: where the bytes end in offsets, and how many records they hold.
 * Layout: Kafka docs/implementation.html "Record Batch" (src/engine/layout.ts).
 */
import { BASE_OFFSET_OFFSET, BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, RECORDS_COUNT_OFFSET, RECORD_BATCH_OVERHEAD } from '../engine/layout.js';

export interface BatchSpan {
  /** Offset of the last record of the last whole batch; -1 if there is none. */
  lastOffset: number;
  /** Records in the whole batches. */
  recordCount: number;
  /** Number of whole batches. */
  batchCount: number;
}

/** Scans `bytes` (whole batches; a trailing partial batch is ignored). */
export function scanBatches(bytes: Uint8Array): BatchSpan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const span: BatchSpan = { lastOffset: -1, recordCount: 0, batchCount: 0 };
  let at = 0;
  while (at + RECORD_BATCH_OVERHEAD <= bytes.byteLength) {
    const size = view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || at + size > bytes.byteLength) break;
    const baseOffset = view.getInt32(at + BASE_OFFSET_OFFSET) * 0x1_0000_0000 + view.getUint32(at + BASE_OFFSET_OFFSET + 4);
    span.lastOffset = baseOffset + view.getInt32(at + LAST_OFFSET_DELTA_OFFSET);
    span.recordCount += view.getInt32(at + RECORDS_COUNT_OFFSET);
    span.batchCount++;
    at += size;
  }
  return span;
}
