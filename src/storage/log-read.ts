/**
 * Reading a partition log's segments (Kafka LocalLog.read, UnifiedLog.fetchOffsetByTimestamp):
 * finding the segment of an offset, reading whole batches from the one holding an offset,
 * and the ListOffsets searches by timestamp. `segments` is the log's list, oldest first, the
 * last one active; these functions never change it.
 * Source: docs/implementation.html "Log" (reads), KIP-74 (at least one batch), KIP-734
 * (MAX_TIMESTAMP).
 */
import { wholeBatches } from './batch-header.js';
import type { LogSegment, SegmentSlice } from './log-segment.js';
import { type Offset, asOffset } from './offset.js';
import { findRecordByTimestamp } from './record-scan.js';

/** Index of the segment with the largest base offset <= offset (binary search). */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whole batches from the one holding `fetchOffset`, up to `maxBytes` (at least one batch,
 * KIP-74), from a single segment, and none holding an offset at or above `maxOffset` (the
 * high watermark a consumer may read to). Null when no batch there is below `maxOffset`.
 * The caller has checked fetchOffset against the log start and end offsets. `forSocket`: see
 * LogSegment.read.
 */
export function readSegments(segments: readonly LogSegment[], fetchOffset: number, maxBytes: number, maxOffset: number, forSocket = false): SegmentSlice | null {
  for (let i = segmentIndexFor(segments, fetchOffset); i < segments.length; i++) {
    const segment = segments[i]!;
    const first = segment.translateOffset(fetchOffset);
    if (first) {
      if (first.lastOffset >= maxOffset) return null;
      const slice = segment.read(first, maxBytes, forSocket);
      return { ...slice, bytes: batchesBelow(slice.bytes, maxOffset) };
    }
  }
  return null;
}

/**
 * ListOffsets by timestamp: the first record at or above `logStartOffset` with timestamp >=
 * `timestamp` (ms), as { offset, timestamp }, or null if every record is older (Kafka
 * Log.fetchOffsetByTimestamp). Uses the segments' largest timestamps, then the time and
 * offset indexes, then a scan.
 */
export function offsetForTimestamp(segments: readonly LogSegment[], timestamp: number, logStartOffset: number): { offset: Offset; timestamp: number } | null {
  for (const segment of segments) {
    if (segment.maxTimestampSoFar < timestamp) continue;
    const fromOffset = Math.max(segment.timeIndex.lookup(timestamp), logStartOffset);
    const startPosition = segment.offsetIndex.lookup(fromOffset);
    for (const batch of segment.batchesFrom(startPosition)) {
      if (batch.maxTimestamp < timestamp || batch.lastOffset < logStartOffset) continue;
      const slice = segment.read(batch, 0);
      try {
        const found = findRecordByTimestamp(slice.bytes, batch, timestamp, logStartOffset);
        if (found) return { offset: asOffset(found.offset), timestamp: found.timestamp };
      } finally {
        slice.release?.();
      }
    }
  }
  return null;
}

/** The offset with the largest timestamp at or above `logStartOffset` (ListOffsets MAX_TIMESTAMP, KIP-734). */
export function offsetOfMaxTimestamp(segments: readonly LogSegment[], logStartOffset: number): { offset: Offset; timestamp: number } | null {
  let best: { offset: Offset; timestamp: number } | null = null;
  for (const segment of segments) {
    for (const batch of segment.batchesFrom(0)) {
      if (batch.lastOffset < logStartOffset) continue;
      if (!best || batch.maxTimestamp > best.timestamp) best = { offset: asOffset(batch.lastOffset), timestamp: batch.maxTimestamp };
    }
  }
  return best;
}

/** The leading whole batches of `bytes` whose offsets are all below `maxOffset` (a view). */
function batchesBelow(bytes: Uint8Array, maxOffset: number): Uint8Array {
  if (maxOffset === Number.MAX_SAFE_INTEGER) return bytes;
  let pos = 0;
  for (const header of wholeBatches(bytes)) {
    if (header.lastOffset >= maxOffset) break;
    pos += header.sizeInBytes;
  }
  return pos === bytes.byteLength ? bytes : bytes.subarray(0, pos);
}
