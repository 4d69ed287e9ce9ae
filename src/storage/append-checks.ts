/**
 * What a leader append checks between the batches' validation (request-validation.ts, in the
 * engine) and their write: no control batches from producers (INVALID_TXN_STATE: only the
 * transaction coordinator writes markers, ReplicaManager.appendControlBatch), a key on every record of a compacted topic (INVALID_RECORD, Kafka
 * LogValidator.validateKey), and idempotent producers' sequences and epochs (producer-state.ts,
 * Kafka UnifiedLog.analyzeAndValidateProducerState), with a retry's original answer.
 */
import type { BatchInfo } from '../engine/engine.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { wholeBatches } from './batch-header.js';
import { recordsOf, recordsSection } from './cleaner/batch-filter.js';
import type { SegmentAppendInfo } from './log-segment.js';
import { asOffset } from './offset.js';
import type { PendingAppend, ProducerStateManager } from './producer-state.js';

/** Attributes bit 5 (control batch): only the transaction coordinator writes those (ReplicaManager.appendControlBatch). */
const CONTROL = 0x20;

/**
 * Checks the validated `batches` of `records` for partition `where` ("topic-partition").
 * Returns the original append's answer for a retried idempotent batch (nothing is to be
 * written then), else null; `producers.pending` gets what to commit after the write.
 * Errors: INVALID_TXN_STATE, INVALID_RECORD (compacted, no key), OUT_OF_ORDER_SEQUENCE_NUMBER,
 * INVALID_PRODUCER_EPOCH and the other idempotence errors of ProducerStateManager.prepare.
 */
export function checkAppend(
  records: Uint8Array,
  batches: readonly BatchInfo[],
  compacted: boolean,
  producerState: ProducerStateManager,
  where: string,
  producers: { pending: PendingAppend | null },
): SegmentAppendInfo | null {
  let idempotent = false;
  for (const b of batches) {
    if ((b.attributes & CONTROL) !== 0) {
      throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `producers may not write control batches (${where})`);
    }
    if (b.producerId >= 0) idempotent = true;
  }
  if (compacted) requireKeys(records, where);
  if (!idempotent) return null;
  producers.pending = producerState.prepare(batches, where);
  const dup = producers.pending.duplicate;
  if (!dup) return null;
  return { firstOffset: asOffset(dup.firstOffset), lastOffset: asOffset(dup.lastOffset), maxTimestamp: dup.maxTimestamp, recordCount: dup.lastOffset - dup.firstOffset + 1, bytes: 0 };
}

/**
 * A compacted topic refuses records without a key (they could never be compacted).
 * Errors: INVALID_RECORD. Source: Kafka LogValidator.validateKey.
 */
function requireKeys(records: Uint8Array, where: string): void {
  for (const header of wholeBatches(records)) {
    const batch = records.subarray(header.position, header.position + header.sizeInBytes);
    for (const record of recordsOf(recordsSection(batch, header), header)) {
      if (record.key === null) {
        throw new KafkaError(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${where}`);
      }
    }
  }
}
