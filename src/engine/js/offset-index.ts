/**
 * Offset index lookup (Kafka OffsetIndex.lookup): twin of assembly/offset-index.ts.
 * Entry i at ptr + 8·i: relativeOffset int32 BE, position int32 BE; sorted by relativeOffset.
 */
import type { SharedMemory } from '../shared-memory.js';
import { OFFSET_INDEX_ENTRY_SIZE, OFFSET_INDEX_RELATIVE_OFFSET_OFFSET } from '../layout.js';

/** Slot of the last entry with relativeOffset <= target (int32), or -1. */
export function offsetIndexLookup(memory: SharedMemory, ptr: number, entries: number, target: number): number {
  if (entries <= 0) return -1;
  const dv = memory.dataView;
  const base = ptr + OFFSET_INDEX_RELATIVE_OFFSET_OFFSET;
  let lo = -1;
  let hi = entries - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo + 1) >> 1);
    if (dv.getInt32(base + mid * OFFSET_INDEX_ENTRY_SIZE) > target) hi = mid - 1;
    else lo = mid;
  }
  return lo;
}
