/**
 * Time index lookup (Kafka TimeIndex.lookup / AbstractIndex.indexSlotRangeFor).
 *
 *  entry i at ptr + 12·i:  ┌ timestamp int64 BE ┬ relativeOffset int32 BE ┐
 */
import { TIME_INDEX_ENTRY_SIZE, TIME_INDEX_TIMESTAMP_OFFSET } from './layout';
import { checkRange } from './bounds';

/**
 * Slot of the last entry whose timestamp <= target (entries sorted ascending; with
 * duplicates, the last of them), or -1 if none. `target` arrives as f64 and is converted
 * to int64 by truncation, saturating (i64.trunc_sat_f64_s).
 */
export function timeIndexLookup(ptr: usize, entries: i32, target: f64): i32 {
  if (entries <= 0) return -1;
  checkRange(ptr, <usize>entries * TIME_INDEX_ENTRY_SIZE);
  const t = <i64>target;
  let lo: i32 = -1;
  let hi: i32 = entries - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo + 1) >> 1);
    const key = <i64>bswap<u64>(load<u64>(
      ptr + <usize>mid * TIME_INDEX_ENTRY_SIZE + TIME_INDEX_TIMESTAMP_OFFSET));
    if (key > t) hi = mid - 1;
    else lo = mid;
  }
  return lo;
}
