/**
 * Explicit bounds checks against the current size of the (imported, shared) linear memory.
 * Out-of-range pointers are programming errors of the caller: they abort (the loader turns
 * `abort` into a thrown RangeError) instead of silently reading whatever is there.
 */

/** True when [ptr, ptr + len) lies inside linear memory (computed in 64 bits, no overflow). */
// @ts-ignore: decorator
@inline
export function inMemory(ptr: usize, len: usize): bool {
  return <u64>ptr + <u64>len <= (<u64>memory.size() << 16);
}

/** Aborts unless [ptr, ptr + len) lies inside linear memory. */
// @ts-ignore: decorator
@inline
export function checkRange(ptr: usize, len: usize): void {
  // abort() with a static string: no allocation (the stub runtime's heap is not ours to use).
  if (!inMemory(ptr, len)) abort("pointer range outside memory");
}
