/**
 * Per-partition state of idempotent producers (KIP-98; Kafka ProducerStateManager,
 * ProducerAppendInfo, ProducerStateEntry): for each producer id, its epoch and the metadata
 * of its last 5 batches (sequence range, offset range, max timestamp), so that
 *
 *   - a retried batch (same epoch, same first and last sequence as a cached one) is
 *     answered with its original offsets instead of being appended twice;
 *   - a batch whose first sequence is not the last one + 1 is OUT_OF_ORDER_SEQUENCE_NUMBER
 *     (a new epoch must start at sequence 0; a producer the partition does not know may
 *     start anywhere, as after retention removed its batches);
 *   - a batch with an epoch older than the producer's is INVALID_PRODUCER_EPOCH.
 *
 * Sequences are int32 and wrap from 2^31-1 to 0. Batches without a producer id (-1) are not
 * tracked. The state is rebuilt from the log (replay) and snapshotted (producer-snapshot.ts).
 *
 * Transactions (KIP-98; Kafka ProducerStateManager.ongoingTxns, firstUnstableOffset): a
 * transactional batch (attributes bit 4) starts its producer's transaction, or continues it;
 * the producer's COMMIT/ABORT marker (a control batch) ends it. The first offset of the oldest
 * ongoing transaction is the partition's first unstable offset: the last stable offset (what
 * read_committed consumers may read) is at most that. A transaction whose marker is in the log
 * but not yet below the high watermark (not on every in-sync replica) still counts as unstable
 * (Kafka unreplicatedTxns): a leader change could lose the marker.
 *
 * Markers the transaction coordinator asks a leader to append are checked first (checkMarker):
 * a producer epoch older than the producer's is INVALID_PRODUCER_EPOCH, a coordinator epoch
 * older than the last marker's is TRANSACTION_COORDINATOR_FENCED (a zombie coordinator).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

/** Batches remembered per producer (Kafka ProducerStateEntry.NUM_BATCHES_TO_RETAIN). */
export const BATCHES_TO_RETAIN = 5;
const INT32_MAX = 2147483647;

/** One appended batch of a producer. Units: offsets absolute; timestamp ms. */
export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  /** The newest batch's max timestamp (ms), for producer.id.expiration.ms. */
  lastTimestamp: number;
  /** First offset of the producer's ongoing transaction; -1 (or absent) when none. */
  currentTxnFirstOffset?: number;
  /** Coordinator epoch of the producer's last transaction marker; -1 (or absent) when none. */
  coordinatorEpoch?: number;
}

/** A transaction ended by an ABORT marker: what the `.txnindex` records (Kafka AbortedTxn, CompletedTxn). */
export interface CompletedTxn {
  producerId: number;
  /** Offset of the transaction's first batch on this partition. */
  firstOffset: number;
  /** Offset of the marker. */
  lastOffset: number;
  /** The last stable offset once this transaction is complete (Kafka ProducerStateManager.lastStableOffset). */
  lastStableOffset: number;
}

/** What appending checks of an idempotent batch. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** Records span lastOffsetDelta + 1 offsets. */
  lastOffsetDelta: number;
  maxTimestamp: number;
  /** The batch's attributes (bit 4 transactional, bit 5 control); absent means 0. */
  attributes?: number;
}

/** Attributes bit 4: the batch belongs to a transaction. */
export const TRANSACTIONAL_ATTRIBUTE = 0x10;
/** Attributes bit 5: a control batch (a transaction marker). */
export const CONTROL_ATTRIBUTE = 0x20;
/** ControlRecordType.ABORT (docs/implementation.html "Control Batches"). */
export const ABORT_MARKER = 0;

/** RecordBatch.NO_SEQUENCE: the base sequence of a batch without one (a transaction marker). */
export const NO_SEQUENCE = -1;

/** The last sequence of a batch starting at `baseSequence` (Kafka DefaultRecordBatch.incrementSequence). */
export function lastSequence(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence > INT32_MAX - lastOffsetDelta) return lastOffsetDelta - (INT32_MAX - baseSequence) - 1;
  return baseSequence + lastOffsetDelta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/** An accepted batch waiting for its offsets (known once the segment wrote it). */
export interface PendingAppend {
  /** Non-null when the request is a retry of a batch already in the log. */
  duplicate: BatchMetadata | null;
  /** Records the batches as appended; `firstOffset` is the offset the first batch got. */
  commit(firstOffset: number): void;
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>();
  /** Producer id → first offset of its ongoing transaction (Kafka ongoingTxns). */
  private readonly ongoing = new Map<number, number>();
  /** Ended transactions whose marker (lastOffset) the high watermark has not passed yet (Kafka unreplicatedTxns). */
  private unreplicated: Array<{ firstOffset: number; lastOffset: number }> = [];
  /** Bumped on every change, so snapshots are only written when something changed. */
  version = 0;

  /** Producers known to this partition. */
  get size(): number {
    return this.producers.size;
  }

  /** A producer's epoch and remembered batches, if known. */
  entry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  /**
   * The first offset of the oldest transaction not yet stable (Kafka firstUnstableOffset):
   * ongoing, or ended by a marker at or above `highWatermark` (not replicated yet); null when
   * there is none. Transactions whose marker is below `highWatermark` are forgotten.
   */
  firstUnstableOffset(highWatermark: number): number | null {
    if (this.unreplicated.length > 0) this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= highWatermark);
    let first: number | null = null;
    for (const offset of this.ongoing.values()) if (first === null || offset < first) first = offset;
    for (const t of this.unreplicated) if (first === null || t.firstOffset < first) first = t.firstOffset;
    return first;
  }

  /** Every known producer (for snapshots). */
  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /**
   * Checks a transaction marker the coordinator asks this leader to append for `producerId`
   * (Kafka ProducerAppendInfo.appendEndTxnMarker, origin COORDINATOR): nothing is appended
   * when it throws. Replicated markers are not checked (followers copy the leader's log).
   * Errors: KafkaError INVALID_PRODUCER_EPOCH (`producerEpoch` older than the producer's),
   * TRANSACTION_COORDINATOR_FENCED (`coordinatorEpoch` older than the one of the producer's
   * last marker: a coordinator that lost its `__transaction_state` partition).
   */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number, topicPartition: string): void {
    const current = this.producers.get(producerId);
    if (!current) return;
    if (producerEpoch < current.epoch) {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `epoch of producer ${producerId} in ${topicPartition} is ${producerEpoch}, which is smaller than the last seen epoch ${current.epoch}`,
      );
    }
    const known = current.coordinatorEpoch ?? -1;
    if (coordinatorEpoch < known) {
      throw new KafkaError(
        ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        `invalid coordinator epoch for producer ${producerId} in ${topicPartition}: ${coordinatorEpoch} (zombie), ${known} (current)`,
      );
    }
  }

  /**
   * Checks the batches of one append in order (each against the state the earlier ones
   * leave). Returns the duplicate's metadata if one is a retry (then nothing is appended, as
   * Kafka does), else a commit to call with the assigned first offset.
   * Errors: KafkaError INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER,
   * INVALID_RECORD (a producer id with a negative sequence).
   * Source: Kafka UnifiedLog.analyzeAndValidateProducerState, ProducerAppendInfo.
   */
  prepare(batches: readonly ProducerBatch[], topicPartition: string): PendingAppend {
    const staged = new Map<number, ProducerEntry>();
    const plan: Array<{ batch: ProducerBatch; offsetFromFirst: number }> = [];
    let offsetFromFirst = 0;
    for (const batch of batches) {
      const at = offsetFromFirst;
      offsetFromFirst += batch.lastOffsetDelta + 1;
      if (batch.producerId < 0) continue;
      const current = staged.get(batch.producerId) ?? this.producers.get(batch.producerId);
      const lastSeq = lastSequence(batch.baseSequence, batch.lastOffsetDelta);
      if (current && current.epoch === batch.producerEpoch) {
        const dup = current.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq);
        if (dup) return { duplicate: dup, commit: () => {} };
      }
      this.check(batch, current, topicPartition);
      const next: ProducerEntry = current
        ? { ...current, batches: current.epoch === batch.producerEpoch ? [...current.batches] : [] }
        : { producerId: batch.producerId, epoch: batch.producerEpoch, batches: [], lastTimestamp: -1 };
      next.epoch = batch.producerEpoch;
      next.batches.push({ firstSeq: batch.baseSequence, lastSeq, firstOffset: at, lastOffset: at + batch.lastOffsetDelta, maxTimestamp: batch.maxTimestamp });
      staged.set(batch.producerId, next);
      plan.push({ batch, offsetFromFirst: at });
    }
    if (plan.length === 0) return { duplicate: null, commit: () => {} };
    return {
      duplicate: null,
      commit: (firstOffset) => {
        for (const { batch, offsetFromFirst: at } of plan) this.record(batch, firstOffset + at);
      },
    };
  }

  private check(batch: ProducerBatch, current: ProducerEntry | undefined, topicPartition: string): void {
    const pid = batch.producerId;
    if (batch.baseSequence < 0) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `batch of producer ${pid} to ${topicPartition} has producer id but no sequence (${batch.baseSequence})`);
    }
    if (!current) return; // unknown producer: any sequence (its batches may have been deleted)
    if (batch.producerEpoch < current.epoch) {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `epoch of producer ${pid} in ${topicPartition} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${current.epoch}`,
      );
    }
    if (batch.producerEpoch > current.epoch) {
      if (batch.baseSequence !== 0) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `invalid sequence number for new epoch of producer ${pid} in ${topicPartition}: ${batch.producerEpoch} (request epoch), ${batch.baseSequence} (seq. number), ${current.epoch} (current producer epoch)`,
        );
      }
      return;
    }
    const last = current.batches.at(-1);
    if (last && !inSequence(last.lastSeq, batch.baseSequence)) {
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `out of order sequence number for producer ${pid} in ${topicPartition}: ${batch.baseSequence} (incoming seq. number), ${last.lastSeq} (current end sequence number)`,
      );
    }
  }

  /** Records an appended batch whose first offset is `firstOffset` (no checks). */
  private record(batch: ProducerBatch, firstOffset: number): void {
    this.replay({ producerId: batch.producerId, producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence, lastOffsetDelta: batch.lastOffsetDelta, maxTimestamp: batch.maxTimestamp, attributes: batch.attributes ?? 0, firstOffset });
  }

  /**
   * Applies a batch read back from the log (recovery, follower appends, markers) or just
   * appended, without checking it: a newer epoch starts a fresh entry; the newest
   * BATCHES_TO_RETAIN batches are kept. A transactional batch opens its producer's transaction
   * at its first offset if none is open; a marker (`markerType`: ControlRecordType of a control
   * batch) closes it and records its `coordinatorEpoch`. Returns the transaction an ABORT marker ended (for the `.txnindex`), else null.
   */
  replay(batch: ProducerBatch & { firstOffset: number; markerType?: number; coordinatorEpoch?: number }): CompletedTxn | null {
    if (batch.producerId < 0) return null;
    let entry = this.producers.get(batch.producerId);
    if (!entry || batch.producerEpoch > entry.epoch) {
      // A new epoch forgets the batches, not the coordinator epoch (Kafka maybeUpdateProducerEpoch).
      entry = { producerId: batch.producerId, epoch: batch.producerEpoch, batches: [], lastTimestamp: -1, coordinatorEpoch: entry?.coordinatorEpoch ?? -1 };
      this.producers.set(batch.producerId, entry);
    } else if (batch.producerEpoch < entry.epoch) {
      return null;
    }
    const attributes = batch.attributes ?? 0;
    if ((attributes & CONTROL_ATTRIBUTE) !== 0) return this.endTxn(entry, batch);
    if ((attributes & TRANSACTIONAL_ATTRIBUTE) !== 0 && !this.ongoing.has(batch.producerId)) {
      this.ongoing.set(batch.producerId, batch.firstOffset);
    }
    entry.currentTxnFirstOffset = this.ongoing.get(batch.producerId) ?? -1;
    // A marker written without a control flag (NO_SEQUENCE) moves the epoch only.
    if (batch.baseSequence === NO_SEQUENCE) {
      entry.lastTimestamp = Math.max(entry.lastTimestamp, batch.maxTimestamp);
      this.version++;
      return null;
    }
    entry.batches.push({
      firstSeq: batch.baseSequence,
      lastSeq: lastSequence(batch.baseSequence, batch.lastOffsetDelta),
      firstOffset: batch.firstOffset,
      lastOffset: batch.firstOffset + batch.lastOffsetDelta,
      maxTimestamp: batch.maxTimestamp,
    });
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.splice(0, entry.batches.length - BATCHES_TO_RETAIN);
    entry.lastTimestamp = Math.max(entry.lastTimestamp, batch.maxTimestamp);
    this.version++;
    return null;
  }

  /**
   * A transaction marker (control batch, written by the transaction coordinator with
   * NO_SEQUENCE) ends the producer's transaction and moves its epoch, but is no batch of its
   * sequence: the producer's next batch continues after its last data batch (Kafka
   * ProducerAppendInfo.appendEndTxnMarker).
   */
  private endTxn(entry: ProducerEntry, batch: ProducerBatch & { firstOffset: number; markerType?: number; coordinatorEpoch?: number }): CompletedTxn | null {
    entry.lastTimestamp = Math.max(entry.lastTimestamp, batch.maxTimestamp);
    if (batch.coordinatorEpoch !== undefined) entry.coordinatorEpoch = batch.coordinatorEpoch;
    entry.currentTxnFirstOffset = -1;
    this.version++;
    const firstOffset = this.ongoing.get(batch.producerId);
    if (firstOffset === undefined) return null;
    this.ongoing.delete(batch.producerId);
    const lastOffset = batch.firstOffset + batch.lastOffsetDelta;
    this.unreplicated.push({ firstOffset, lastOffset });
    if (batch.markerType !== ABORT_MARKER) return null;
    let stable: number | null = null;
    for (const offset of this.ongoing.values()) if (stable === null || offset < stable) stable = offset;
    return { producerId: batch.producerId, firstOffset, lastOffset, lastStableOffset: stable === null ? lastOffset + 1 : Math.min(stable, lastOffset + 1) };
  }

  /** Puts a whole entry (snapshot loading). */
  load(entry: ProducerEntry): void {
    this.producers.set(entry.producerId, entry);
    if ((entry.currentTxnFirstOffset ?? -1) >= 0) this.ongoing.set(entry.producerId, entry.currentTxnFirstOffset!);
    this.version++;
  }

  /** Drops every producer (before a rebuild). */
  clear(): void {
    this.producers.clear();
    this.ongoing.clear();
    this.unreplicated = [];
    this.version++;
  }

  /**
   * Forgets producers idle for longer than `expirationMs` (ms, by their newest batch's
   * timestamp; Kafka producer.id.expiration.ms). Returns how many were removed.
   */
  removeExpired(now: number, expirationMs: number): number {
    let removed = 0;
    for (const [pid, entry] of this.producers) {
      // A producer with an open transaction stays (Kafka isProducerExpired).
      if (entry.lastTimestamp < now - expirationMs && !this.ongoing.has(pid)) {
        this.producers.delete(pid);
        removed++;
      }
    }
    if (removed > 0) this.version++;
    return removed;
  }
}
