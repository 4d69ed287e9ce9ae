/**
 * Recovery of a segment's `.log` (Kafka LogSegment.recover): every batch from the start is
 * read from the file and validated by the engine (lengths, magic, CRC-32C, records); the
 * valid prefix is what the log keeps, and its batches are handed to the caller to index.
 * A torn or corrupt batch, or one whose offsets go backwards, ends the valid prefix.
 */
import { readSync } from 'node:fs';
import type { Engine } from '../engine/engine.js';
import { newBatchInfo } from '../engine/engine-impl.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from './batch-header.js';

/** Shared memory taken for the batches read, at first (larger batches take more), in bytes. */
const RECOVERY_BUFFER_BYTES = 1024 * 1024;

/**
 * Validates the batches of the `.log` open as `fd`, `size` bytes long, whose first offset is
 * `baseOffset`, calling `onBatch` for each valid one in order (its last offset, max timestamp
 * in ms, position and size in bytes). Returns the length of the valid prefix in bytes and
 * the offset after its last batch; the caller truncates the file to it.
 */
export function validPrefix(
  fd: number,
  size: number,
  baseOffset: number,
  engine: Engine,
  onBatch: (lastOffset: number, maxTimestamp: number, position: number, sizeInBytes: number) => void,
): { validBytes: number; nextOffset: number } {
  const memory = engine.memory;
  let next = baseOffset;
  let position = 0;
  let capacity = RECOVERY_BUFFER_BYTES;
  let ptr = memory.alloc(capacity);
  const info = newBatchInfo();
  const header = Buffer.allocUnsafe(LOG_OVERHEAD);
  try {
    while (position + LOG_OVERHEAD <= size) {
      readSync(fd, header, 0, LOG_OVERHEAD, position);
      const batchSize = header.readInt32BE(8) + LOG_OVERHEAD;
      if (batchSize < RECORD_BATCH_OVERHEAD || position + batchSize > size) break;
      if (batchSize > capacity) {
        memory.free(ptr);
        capacity = batchSize;
        ptr = memory.alloc(capacity);
      }
      readSync(fd, memory.view(ptr, batchSize), 0, batchSize, position);
      const validated = engine.validateBatch(ptr, batchSize, info);
      // INVALID_RECORD is found after the CRC matched: a compacted batch (offset gaps, fewer
      // records than lastOffsetDelta + 1) is valid on disk, as Kafka's recovery (CRC only) sees it.
      const intact = validated === batchSize || (validated === -ErrorCode.INVALID_RECORD && info.sizeInBytes === batchSize);
      if (!intact || info.baseOffset < next || info.recordCount < 1) break;
      const lastOffset = info.baseOffset + info.lastOffsetDelta;
      onBatch(lastOffset, info.maxTimestamp, position, batchSize);
      next = lastOffset + 1;
      position += batchSize;
    }
  } finally {
    memory.free(ptr);
  }
  return { validBytes: position, nextOffset: next };
}
