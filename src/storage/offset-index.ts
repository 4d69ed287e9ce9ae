/**
 * A segment's offset index, `<baseOffset>.index`, in Kafka's format (OffsetIndex.java):
 *
 *   ┌──────────────────────┬────────────────┐
 *   │ relativeOffset int32 │ position int32 │   8 bytes an entry, big-endian,
 *   └──────────────────────┴────────────────┘   sorted by relativeOffset
 *
 * relativeOffset = offset − segment baseOffset; position = byte position in the `.log` of a
 * batch whose last offset is that offset. Sparse: one entry per `log.index.interval.bytes`.
 */
import type { Engine } from '../engine/engine.js';
import { IndexFile } from './index-file.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export class OffsetIndex extends IndexFile {
  constructor(
    path: string,
    engine: Engine,
    readonly baseOffset: number,
  ) {
    super(path, engine, OFFSET_INDEX_ENTRY_BYTES);
  }

  /**
   * Appends (offset → position). Offsets must increase; a non-increasing offset is our bug.
   * Units: offset absolute; position in bytes.
   */
  append(offset: number, position: number): void {
    const relativeOffset = offset - this.baseOffset;
    if (this.entries > 0 && relativeOffset <= this.relativeOffsetAt(this.entries - 1)) {
      throw new Error(`${this.path}: index entry for offset ${offset} is not above the last entry`);
    }
    const at = this.nextEntryAddress();
    const dv = this.engine.memory.dataView;
    dv.setInt32(at, relativeOffset);
    dv.setInt32(at + 4, position);
  }

  /**
   * The position in the `.log` from which to scan for `offset`: the position of the largest
   * entry with an offset <= `offset`, or 0 if none. Binary search in the engine.
   */
  lookup(offset: number): number {
    if (this.entries === 0) return 0;
    const slot = this.engine.offsetIndexLookup(this.ptr, this.entries, offset - this.baseOffset);
    return slot < 0 ? 0 : this.positionAt(slot);
  }

  relativeOffsetAt(slot: number): number {
    return this.engine.memory.dataView.getInt32(this.entryAddress(slot));
  }

  positionAt(slot: number): number {
    return this.engine.memory.dataView.getInt32(this.entryAddress(slot) + 4);
  }

  /**
   * Sanity check after loading from disk (Kafka OffsetIndex.sanityCheck): entries strictly
   * increasing, positions non-decreasing and inside the log, offsets below `nextOffset`.
   */
  isConsistent(logSize: number, nextOffset: number): boolean {
    let lastRel = -1;
    let lastPos = -1;
    for (let i = 0; i < this.entries; i++) {
      const rel = this.relativeOffsetAt(i);
      const pos = this.positionAt(i);
      if (rel <= lastRel || pos < lastPos || pos >= logSize || this.baseOffset + rel >= nextOffset) return false;
      lastRel = rel;
      lastPos = pos;
    }
    return true;
  }
}
