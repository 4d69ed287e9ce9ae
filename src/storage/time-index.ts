/**
 * A segment's time index, `<baseOffset>.timeindex`, in Kafka's format (TimeIndex.java):
 *
 *   ┌──────────────────┬──────────────────────┐
 *   │ timestamp int64  │ relativeOffset int32 │   12 bytes an entry, big-endian
 *   └──────────────────┴──────────────────────┘
 *
 * Each entry says: records up to this offset have timestamps <= timestamp (ms since the
 * epoch). Entries are appended only when the timestamp grows, so both columns increase.
 */
import type { Engine } from '../engine/engine.js';
import { IndexFile } from './index-file.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export class TimeIndex extends IndexFile {
  constructor(
    path: string,
    engine: Engine,
    readonly baseOffset: number,
  ) {
    super(path, engine, TIME_INDEX_ENTRY_BYTES);
  }

  /** Appends (timestamp → offset) if the timestamp is above the last entry's (Kafka maybeAppend). */
  maybeAppend(timestamp: number, offset: number): void {
    if (this.entries > 0) {
      const last = this.lastEntry();
      if (timestamp <= last.timestamp || offset - this.baseOffset <= last.relativeOffset) return;
    }
    const at = this.nextEntryAddress();
    const dv = this.engine.memory.dataView;
    dv.setBigInt64(at, BigInt(timestamp));
    dv.setInt32(at + 8, offset - this.baseOffset);
  }

  /**
   * The offset from which to scan for the first record with timestamp >= `timestamp`: the
   * offset of the largest entry with a timestamp <= target, or the base offset if none.
   */
  lookup(timestamp: number): number {
    if (this.entries === 0) return this.baseOffset;
    const slot = this.engine.timeIndexLookup(this.ptr, this.entries, timestamp);
    return slot < 0 ? this.baseOffset : this.baseOffset + this.relativeOffsetAt(slot);
  }

  lastEntry(): { timestamp: number; relativeOffset: number } {
    const slot = this.entries - 1;
    return { timestamp: this.timestampAt(slot), relativeOffset: this.relativeOffsetAt(slot) };
  }

  timestampAt(slot: number): number {
    return Number(this.engine.memory.dataView.getBigInt64(this.entryAddress(slot)));
  }

  relativeOffsetAt(slot: number): number {
    return this.engine.memory.dataView.getInt32(this.entryAddress(slot) + 8);
  }

  /** Sanity check after loading: both columns non-decreasing, offsets below `nextOffset`. */
  isConsistent(nextOffset: number): boolean {
    let lastTs = -Infinity;
    let lastRel = -1;
    for (let i = 0; i < this.entries; i++) {
      const ts = this.timestampAt(i);
      const rel = this.relativeOffsetAt(i);
      if (ts < lastTs || rel < lastRel || this.baseOffset + rel >= nextOffset) return false;
      lastTs = ts;
      lastRel = rel;
    }
    return true;
  }
}
