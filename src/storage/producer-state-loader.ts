/**
 * A partition log's producer state kept in step with its segments (Kafka
 * UnifiedLog.rebuildProducerState, ProducerStateManager.takeSnapshot / truncateAndReload):
 * rebuilt at load and after truncation from the newest valid snapshot plus a replay of the
 * batches after it, extended by every follower append's replay, and snapshotted on every
 * roll and at shutdown. The state itself (sequences, dedup window) is producer-state.ts; the
 * snapshot file format is producer-snapshot.ts.
 */
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { LogSegment } from './log-segment.js';
import { segmentIndexFor } from './log-read.js';
import { asOffset } from './offset.js';
import { deleteSnapshots, listSnapshots, readProducerSnapshot, writeProducerSnapshot } from './producer-snapshot.js';
import { CONTROL_ATTRIBUTE, type ProducerStateManager } from './producer-state.js';
import type { BatchHeader } from './batch-header.js';
import { recordsOf, recordsSection } from './cleaner/batch-filter.js';

/** Snapshot files kept per partition (the newest). */
const SNAPSHOTS_KEPT = 2;

export class ProducerStateLoader {
  /** The offset and state version of the newest snapshot written or loaded. */
  private snapshotAt: { offset: number; version: number } | null = null;

  constructor(
    readonly state: ProducerStateManager,
    private readonly dir: string,
    private readonly engine: Engine,
    private readonly logger: Logger,
    private readonly where: { topic: string; partition: number },
  ) {}

  /** Forgets the state and which snapshot holds it (before the log is opened again). */
  reset(): void {
    this.state.clear();
    this.snapshotAt = null;
  }

  /**
   * Rebuilds the producer state into the (cleared) state: from the newest valid snapshot at
   * or below the log end offset (snapshots above it, left by a truncated tail, are removed),
   * then by replaying the batches after it. Without a snapshot only the last two segments are
   * replayed, as Kafka does, to bound start-up time. Nothing below `logStartOffset` is replayed.
   */
  rebuild(segments: readonly LogSegment[], logStartOffset: number): void {
    const leo = segments[segments.length - 1]!.nextOffset;
    deleteSnapshots(this.dir, (offset) => offset > leo);
    let from: number | null = null;
    for (const offset of listSnapshots(this.dir).reverse()) {
      const entries = readProducerSnapshot(this.dir, offset, this.engine);
      if (!entries) {
        this.logger.warn({ ...this.where, offset }, 'ignored a corrupt producer snapshot');
        continue;
      }
      for (const entry of entries) this.state.load(entry);
      from = offset;
      break;
    }
    if (from === null) from = segments[Math.max(0, segments.length - 2)]!.baseOffset;
    from = Math.max(from, logStartOffset);
    const replayed = this.replay(segments, from);
    if (replayed === 0 && from === leo) this.snapshotAt = { offset: leo, version: this.state.version };
  }

  /** Applies every batch with offsets at or after `from` to the producer state; returns their count. */
  replay(segments: readonly LogSegment[], from: number): number {
    let count = 0;
    for (let i = segmentIndexFor(segments, from); i < segments.length; i++) {
      const segment = segments[i]!;
      for (const batch of segment.batchesFrom(segment.offsetIndex.lookup(from))) {
        if (batch.lastOffset < from) continue;
        count++;
        if (batch.producerId < 0) continue;
        const marker = (batch.attributes & CONTROL_ATTRIBUTE) !== 0 ? markerOf(segment, batch) : undefined;
        const aborted = this.state.replay({
          producerId: batch.producerId,
          producerEpoch: batch.producerEpoch,
          baseSequence: batch.baseSequence,
          lastOffsetDelta: batch.lastOffset - batch.baseOffset,
          maxTimestamp: batch.maxTimestamp,
          attributes: batch.attributes,
          firstOffset: batch.baseOffset,
          markerType: marker?.type,
          coordinatorEpoch: marker?.coordinatorEpoch,
        });
        // The segment holding an ABORT marker indexes the transaction (Kafka LogSegment.updateTxnIndex).
        if (aborted) segment.txnIndex.append(aborted);
      }
    }
    return count;
  }

  /**
   * Writes a producer snapshot at `offset` — on every roll and at shutdown, as Kafka does, so
   * recovery replays at most the active segment and a clean restart nothing — unless the same
   * state is already there; keeps the newest two.
   */
  takeSnapshot(offset: number): void {
    const version = this.state.version;
    const last = this.snapshotAt;
    if (last && last.offset === offset && last.version === version) return;
    writeProducerSnapshot(this.dir, asOffset(offset), this.state.entries(), this.engine);
    this.snapshotAt = { offset, version };
    const kept = listSnapshots(this.dir).slice(-SNAPSHOTS_KEPT);
    deleteSnapshots(this.dir, (o) => !kept.includes(o));
  }
}

/**
 * A control batch's ControlRecordType (its record's key: int16 version, int16 type) and, for a
 * transaction marker, the coordinator epoch (its value: int16 version, int32 coordinator epoch;
 * docs/implementation.html "Control Batches"); -1 for what is not readable.
 */
function markerOf(segment: LogSegment, header: BatchHeader): { type: number; coordinatorEpoch: number } {
  const slice = segment.read(header, 0);
  try {
    const batch = slice.bytes.subarray(0, header.sizeInBytes);
    for (const record of recordsOf(recordsSection(batch, header), header)) {
      if (!record.key || record.key.byteLength < 4) return { type: -1, coordinatorEpoch: -1 };
      const type = new DataView(record.key.buffer, record.key.byteOffset, record.key.byteLength).getInt16(2);
      const value = record.value;
      const coordinatorEpoch = value && value.byteLength >= 6 ? new DataView(value.buffer, value.byteOffset, value.byteLength).getInt32(2) : -1;
      return { type, coordinatorEpoch };
    }
    return { type: -1, coordinatorEpoch: -1 };
  } finally {
    slice.release?.();
  }
}
