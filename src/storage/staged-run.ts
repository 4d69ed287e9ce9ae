/**
 * Worker-pool appends' staging (main thread): the produce requests of one partition copied
 * once into shared memory, at the active segment's end, for a worker to validate and stamp
 * in place (see PartitionLog.stageRun, commitStagedPart, releaseRun and workers/append-pool.ts).
 */
import type { BatchInfo } from '../engine/engine.js';
import { newBatchInfo } from '../engine/engine-impl.js';
import { readBatchInfo } from './batch-header.js';
import type { LogSegment, StagedRegion } from './log-segment.js';

/** One produce request's records in a {@link StagedRun}, at `ptr` in shared memory. */
export interface StagedPart {
  records: Uint8Array;
  ptr: number;
}

/**
 * Produce requests for one partition copied into shared memory for a worker to validate
 * and stamp (PartitionLog.stageRun). `baseOffset`: the log end offset when staged, which the
 * worker stamps the first part's first batch with.
 */
export interface StagedRun {
  readonly segment: LogSegment;
  readonly region: StagedRegion;
  readonly parts: readonly StagedPart[];
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly maxBatchBytes: number;
}

/**
 * Stages the leading requests of `requests` (the first always) that fit in `segment` (the
 * active one, already rolled if the first needed it) without another roll and together in
 * its tail buffer — one only when the segment is empty, since its first batch sets the
 * segment's age — back to back in shared memory (LogSegment.stage). Units: bytes; offsets.
 */
export function stageRequests(
  segment: LogSegment,
  requests: readonly Uint8Array[],
  baseOffset: number,
  partitionLeaderEpoch: number,
  limits: { tailCapacity: number; segmentBytes: number; maxBatchBytes: number },
): StagedRun {
  let len = requests[0]!.byteLength;
  let n = 1;
  if (!segment.isEmpty) {
    while (n < requests.length) {
      const next = requests[n]!.byteLength;
      if (len + next > limits.tailCapacity || segment.size + len + next > limits.segmentBytes) break;
      len += next;
      n++;
    }
  }
  const taken = requests.slice(0, n);
  const region = segment.stage(taken, len);
  const parts: StagedPart[] = [];
  let ptr = region.ptr;
  for (const records of taken) {
    parts.push({ records, ptr });
    ptr += records.byteLength;
  }
  return { segment, region, parts, baseOffset, partitionLeaderEpoch, maxBatchBytes: limits.maxBatchBytes };
}

/** The headers of the `count` batches a worker validated at `ptr` of shared memory `bytes`. */
export function stagedBatches(bytes: Uint8Array, ptr: number, count: number): BatchInfo[] {
  const batches: BatchInfo[] = [];
  for (let k = 0, at = ptr; k < count; k++) {
    const info = readBatchInfo(bytes, at, newBatchInfo());
    batches.push(info);
    at += info.sizeInBytes;
  }
  return batches;
}
