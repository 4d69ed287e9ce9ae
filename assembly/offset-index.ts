/**
 * Offset index lookup (Kafka OffsetIndex.lookup / AbstractIndex.indexSlotRangeFor).
 *
 *  entry i at ptr + 8·i:  ┌ relativeOffset int32 BE ┬ position int32 BE ┐
 */
import { OFFSET_INDEX_ENTRY_SIZE, OFFSET_INDEX_RELATIVE_OFFSET_OFFSET } from './layout';
import { checkRange } from './bounds';

/**
 * Slot of the last entry whose relativeOffset <= target (entries sorted ascending; with
 * duplicates, the last of them), or -1 if the first entry is already > target or entries <= 0.
 */
export function offsetIndexLookup(ptr: usize, entries: i32, target: i32): i32 {
  if (entries <= 0) return -1;
  checkRange(ptr, <usize>entries * OFFSET_INDEX_ENTRY_SIZE);
  // invariant: slot lo has key <= target (or lo == -1), every slot > hi has key > target
  let lo: i32 = -1;
  let hi: i32 = entries - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo + 1) >> 1);
    const key = <i32>bswap<u32>(load<u32>(
      ptr + <usize>mid * OFFSET_INDEX_ENTRY_SIZE + OFFSET_INDEX_RELATIVE_OFFSET_OFFSET));
    if (key > target) hi = mid - 1;
    else lo = mid;
  }
  return lo;
}
