/**
 * Validation of one produce request's records for one partition (one or more record batches
 * v2, back to back), shared by the inline append (LogSegment.append, main thread) and the
 * worker pool (src/workers/append-worker.ts), so both check the same things in the same
 * order and report the same Kafka errors:
 *
 *   for each batch, from byte 0:
 *     engine.validateBatch (lengths, magic, CRC-32C, records)  → CORRUPT_MESSAGE / INVALID_RECORD
 *     size > maxBatchBytes (`max.message.bytes`)                → MESSAGE_TOO_LARGE
 *     recordCount < 1 or lastOffsetDelta != recordCount - 1    → INVALID_RECORD
 *   no batch at all (0 bytes)                                  → CORRUPT_MESSAGE
 *
 * Source: Kafka LogValidator (validateMessagesAndAssignOffsets), DefaultRecordBatch.ensureValid.
 */
import type { AuditTable } from '../engine/audit-table.js';
import type { BatchInfo, Engine } from '../engine/engine.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, RECORDS_COUNT_OFFSET } from '../engine/layout.js';

/** Outcome of {@link validateRequest}; reused between calls to avoid allocation. */
export interface RequestValidation {
  /** Number of batches (> 0) when valid, else the negated Kafka error code. */
  status: number;
  /** Byte position (within the request) of the first invalid batch; 0 when valid. */
  position: number;
}

/** A fresh {@link RequestValidation}. */
export function newRequestValidation(): RequestValidation {
  return { status: 0, position: 0 };
}

/**
 * Validates the batches at [ptr, ptr + len) of the engine's memory, writing the outcome to
 * `out`. `onBatch(at, info)` sees each valid batch's address and header (the `info` object
 * is reused: copy what you keep) before the next one is checked; it is not called past the
 * first invalid batch. With `audit`, the walk also fills that table with each batch's audit
 * runs (read them in `onBatch`). Nothing is modified.
 */
export function validateRequest(
  engine: Engine,
  ptr: number,
  len: number,
  maxBatchBytes: number,
  info: BatchInfo,
  out: RequestValidation,
  onBatch?: (at: number, info: BatchInfo) => void,
  audit?: AuditTable | null,
): void {
  let pos = 0;
  let batches = 0;
  while (pos < len) {
    const size = engine.validateBatch(ptr + pos, len - pos, info, audit);
    let status = size;
    if (size > 0 && size > maxBatchBytes) status = -ErrorCode.MESSAGE_TOO_LARGE;
    else if (size > 0 && (info.recordCount < 1 || info.lastOffsetDelta !== info.recordCount - 1)) status = -ErrorCode.INVALID_RECORD;
    if (status < 0) {
      out.status = status;
      out.position = pos;
      return;
    }
    onBatch?.(ptr + pos, info);
    batches++;
    pos += size;
  }
  out.status = batches > 0 ? batches : -ErrorCode.CORRUPT_MESSAGE;
  out.position = 0;
}

/**
 * The KafkaError for a failed {@link validateRequest} outcome, with the message the inline
 * path gives; `bytes` is the request (the header at `out.position` is read for details).
 */
export function requestError(out: RequestValidation, bytes: Uint8Array, maxBatchBytes: number): KafkaError {
  const code = -out.status;
  const len = bytes.byteLength;
  if (len === 0) return new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'produce request holds no record batch');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = out.position;
  const headerFits = (n: number) => at + n <= len;
  if (code === ErrorCode.MESSAGE_TOO_LARGE && headerFits(LOG_OVERHEAD)) {
    const size = view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    return new KafkaError(code, `record batch of ${size} bytes exceeds message.max.bytes ${maxBatchBytes}`);
  }
  if (code === ErrorCode.INVALID_RECORD && headerFits(RECORDS_COUNT_OFFSET + 4)) {
    const count = view.getInt32(at + RECORDS_COUNT_OFFSET);
    const delta = view.getInt32(at + LAST_OFFSET_DELTA_OFFSET);
    if (count < 1 || delta !== count - 1) return new KafkaError(code, `record batch has ${count} records and lastOffsetDelta ${delta}`);
  }
  return new KafkaError(code, `record batch at byte ${at} of ${len} is invalid`);
}
