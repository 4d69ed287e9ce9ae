/**
 * A group's transactional offsets not yet committed (KIP-98 "consume-transform-produce";
 * Kafka GroupMetadata.pendingTransactionalOffsetCommits): offsets a TxnOffsetCommit wrote to
 * `__consumer_offsets` in a transactional batch, kept per producer id until the transaction's
 * COMMIT marker lands on that partition (they become the group's committed offsets, unless a
 * newer commit is already there) or its ABORT marker (they are dropped). While pending they
 * are not returned by OffsetFetch; with `require_stable` (KIP-447) their partitions answer
 * UNSTABLE_OFFSET_COMMIT.
 *
 * An entry's `appendOffset` is the base offset of the batch that holds it in
 * `__consumer_offsets` (-1 while the write is in flight); committed offsets carry the same, so
 * that a transaction completing after a later plain commit does not overwrite it (Kafka
 * CommitRecordMetadataAndOffset.olderThan).
 * Source: Kafka GroupMetadata.prepareTxnOffsetCommit, onTxnOffsetCommitAppend,
 * failPendingTxnOffsetCommit, completePendingTxnOffsetCommit.
 */
import { type CommittedOffset, offsetKey } from './committed-offset.js';

export class PendingTxnOffsets {
  /** producer id → "topic\0partition" → offset. */
  private readonly byProducer = new Map<number, Map<string, CommittedOffset>>();

  /** True if no producer has pending offsets in the group. */
  get isEmpty(): boolean {
    return this.byProducer.size === 0;
  }

  /** The producer ids with pending offsets. */
  producers(): number[] {
    return [...this.byProducer.keys()];
  }

  /** Records `offsets` of `producerId` as pending (their write not yet appended: appendOffset -1). */
  prepare(producerId: number, offsets: readonly CommittedOffset[]): void {
    const pending = this.byProducer.get(producerId) ?? new Map<string, CommittedOffset>();
    for (const o of offsets) pending.set(offsetKey(o.topic, o.partition), { ...o, appendOffset: -1 });
    this.byProducer.set(producerId, pending);
  }

  /** The write of `producerId`'s offsets landed in the batch at `appendOffset`. */
  appended(producerId: number, offsets: readonly CommittedOffset[], appendOffset: number): void {
    const pending = this.byProducer.get(producerId);
    if (!pending) return;
    for (const o of offsets) {
      const key = offsetKey(o.topic, o.partition);
      if (pending.get(key)?.appendOffset === -1) pending.set(key, { ...o, appendOffset });
    }
  }

  /** The write of `producerId`'s offsets failed: those still in flight are forgotten. */
  failed(producerId: number, offsets: readonly CommittedOffset[]): void {
    const pending = this.byProducer.get(producerId);
    if (!pending) return;
    for (const o of offsets) {
      const key = offsetKey(o.topic, o.partition);
      if (pending.get(key)?.appendOffset === -1) pending.delete(key);
    }
    if (pending.size === 0) this.byProducer.delete(producerId);
  }

  /** Replay: a transactional offset record (value null: a tombstone, which unsets a pending one). */
  put(producerId: number, key: string, offset: CommittedOffset | null): void {
    const pending = this.byProducer.get(producerId) ?? new Map<string, CommittedOffset>();
    if (offset) pending.set(key, offset);
    else pending.delete(key);
    this.byProducer.set(producerId, pending);
  }

  /**
   * The producer's transaction ended: on commit its offsets go into `committed` where none is
   * there or the one there was appended earlier; on abort they are dropped. Returns how many
   * became committed.
   */
  complete(producerId: number, commit: boolean, committed: Map<string, CommittedOffset>): number {
    const pending = this.byProducer.get(producerId);
    if (!pending) return 0;
    this.byProducer.delete(producerId);
    if (!commit) return 0;
    let applied = 0;
    for (const [key, offset] of pending) {
      const appendOffset = offset.appendOffset ?? -1;
      if (appendOffset === -1) continue; // its write failed or is still in flight
      const current = committed.get(key);
      if (current && (current.appendOffset ?? -1) > appendOffset) continue;
      committed.set(key, offset);
      applied++;
    }
    return applied;
  }

  /** True if some producer has a pending offset for the partition (KIP-447 UNSTABLE_OFFSET_COMMIT). */
  has(topic: string, partition: number): boolean {
    const key = offsetKey(topic, partition);
    for (const pending of this.byProducer.values()) if (pending.has(key)) return true;
    return false;
  }

  /** Forgets every pending offset (the group is deleted). */
  clear(): void {
    this.byProducer.clear();
  }
}
