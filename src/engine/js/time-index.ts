/**
 * Time index lookup (Kafka TimeIndex.lookup): twin of assembly/time-index.ts.
 * Entry i at ptr + 12·i: timestamp int64 BE, relativeOffset int32 BE; sorted by timestamp.
 * Keys are compared exactly as (high int32, low uint32) pairs.
 */
import type { SharedMemory } from '../shared-memory.js';
import { TIME_INDEX_ENTRY_SIZE, TIME_INDEX_TIMESTAMP_OFFSET } from '../layout.js';
import { truncSatHi, truncSatLo } from './int64.js';

/** Slot of the last entry with timestamp <= target (f64 → int64 truncating, saturating), or -1. */
export function timeIndexLookup(memory: SharedMemory, ptr: number, entries: number, target: number): number {
  if (entries <= 0) return -1;
  const dv = memory.dataView;
  const tHi = truncSatHi(target);
  const tLo = truncSatLo(target);
  const base = ptr + TIME_INDEX_TIMESTAMP_OFFSET;
  let lo = -1;
  let hi = entries - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo + 1) >> 1);
    const p = base + mid * TIME_INDEX_ENTRY_SIZE;
    const kHi = dv.getInt32(p);
    if (kHi > tHi || (kHi === tHi && dv.getUint32(p + 4) > tLo)) hi = mid - 1;
    else lo = mid;
  }
  return lo;
}
