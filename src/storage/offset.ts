/**
 * Offsets are not plain numbers: an `Offset` is a record's position in a partition log
 * (0-based, monotonic, never reused). They stay below 2^53 in memory; int64 exists only on
 * the wire and on disk, where the codec checks the bound.
 */
declare const offsetBrand: unique symbol;
export type Offset = number & { readonly [offsetBrand]: true };

/** Brands a number as an Offset; asserts it is a safe non-negative integer. */
export function asOffset(n: number): Offset {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`offset ${n} is not in [0, 2^53)`);
  return n as Offset;
}

/** Segment file names carry the base offset as 20 zero-padded digits (Kafka's LogFileUtils). */
export function offsetFileName(offset: Offset, suffix: string): string {
  return String(offset).padStart(20, '0') + suffix;
}
