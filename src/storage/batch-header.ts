/**
 * Reading the fixed fields of a record batch v2 header from any byte view (file windows,
 * shared memory), without decoding records. Layout per docs/implementation.html
 * "Record Batch"; field positions from the engine's layout constants.
 */
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORD_BATCH_OVERHEAD,
  BASE_TIMESTAMP_OFFSET,
  PRODUCER_ID_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  BASE_SEQUENCE_OFFSET,
  CRC_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
} from '../engine/layout.js';
import type { BatchInfo } from '../engine/engine.js';

export { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD };

/** Header fields a scan of the log needs. Units: offsets absolute, timestamps ms, sizes bytes. */
export interface BatchHeader {
  position: number;
  baseOffset: number;
  lastOffset: number;
  sizeInBytes: number;
  magic: number;
  attributes: number;
  baseTimestamp: number;
  maxTimestamp: number;
  recordCount: number;
  /** -1 when the producer is not idempotent. */
  producerId: number;
  producerEpoch: number;
  /** -1 without a producer id. */
  baseSequence: number;
}

function readInt64(view: DataView, at: number): number {
  return view.getInt32(at) * 0x1_0000_0000 + view.getUint32(at + 4);
}

/**
 * Reads the header at `at` of `bytes`, which hold at least RECORD_BATCH_OVERHEAD bytes
 * from there (the caller checks). `position` is the batch's position in its segment.
 */
export function readBatchHeader(bytes: Uint8Array, at: number, position: number): BatchHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const baseOffset = readInt64(view, at + BASE_OFFSET_OFFSET);
  return {
    position,
    baseOffset,
    lastOffset: baseOffset + view.getInt32(at + LAST_OFFSET_DELTA_OFFSET),
    sizeInBytes: view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD,
    magic: view.getInt8(at + MAGIC_OFFSET),
    attributes: view.getInt16(at + ATTRIBUTES_OFFSET),
    baseTimestamp: readInt64(view, at + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(view, at + MAX_TIMESTAMP_OFFSET),
    recordCount: view.getInt32(at + RECORDS_COUNT_OFFSET),
    producerId: readInt64(view, at + PRODUCER_ID_OFFSET),
    producerEpoch: view.getInt16(at + PRODUCER_EPOCH_OFFSET),
    baseSequence: view.getInt32(at + BASE_SEQUENCE_OFFSET),
  };
}

/**
 * Fills `info` (the Engine's BatchInfo shape) from the header at `at` of `bytes`, which hold
 * a batch the engine already validated there (the worker pool checks batches in another
 * thread and the main thread reads their headers back). Returns `info`.
 */
export function readBatchInfo(bytes: Uint8Array, at: number, info: BatchInfo): BatchInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  info.baseOffset = readInt64(view, at + BASE_OFFSET_OFFSET);
  info.sizeInBytes = view.getInt32(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  info.partitionLeaderEpoch = view.getInt32(at + PARTITION_LEADER_EPOCH_OFFSET);
  info.magic = view.getInt8(at + MAGIC_OFFSET);
  info.crc = view.getUint32(at + CRC_OFFSET);
  info.attributes = view.getInt16(at + ATTRIBUTES_OFFSET);
  info.lastOffsetDelta = view.getInt32(at + LAST_OFFSET_DELTA_OFFSET);
  info.baseTimestamp = readInt64(view, at + BASE_TIMESTAMP_OFFSET);
  info.maxTimestamp = readInt64(view, at + MAX_TIMESTAMP_OFFSET);
  info.producerId = readInt64(view, at + PRODUCER_ID_OFFSET);
  info.producerEpoch = view.getInt16(at + PRODUCER_EPOCH_OFFSET);
  info.baseSequence = view.getInt32(at + BASE_SEQUENCE_OFFSET);
  info.recordCount = view.getInt32(at + RECORDS_COUNT_OFFSET);
  return info;
}

/**
 * The whole batches at the start of `bytes`, in order: a batch cut short by the end of
 * `bytes` (or a header too short to read) ends the walk. Each header's `position` is
 * `position` plus its place in `bytes` (its position in the segment the bytes go to).
 */
export function* wholeBatches(bytes: Uint8Array, position = 0): Generator<BatchHeader> {
  let at = 0;
  while (at + RECORD_BATCH_OVERHEAD <= bytes.byteLength) {
    const header = readBatchHeader(bytes, at, position + at);
    if (header.sizeInBytes < RECORD_BATCH_OVERHEAD || at + header.sizeInBytes > bytes.byteLength) return;
    yield header;
    at += header.sizeInBytes;
  }
}
