/**
 * Zigzag base-128 varints as used by Kafka records (protobuf sint32/sint64; Kafka ByteUtils).
 *
 * Readers take the current position and a hard limit and return the value; the new position is
 * left in `varintEnd` (a module global: per instance, so per thread). A malformed varint
 * (runs past `limit`, or more than 5 / 10 bytes) sets `varintEnd` to 0, which callers test.
 * As in Kafka's ByteUtils.readVarint/readVarlong, bits above 32 / 64 in the last byte are
 * ignored.
 */

/** Position after the last varint read, or 0 if it was malformed. */
export let varintEnd: usize = 0;

/** Reads a zigzag varint (int32) in [p, limit). Sets {@link varintEnd}. */
export function readVarint(p: usize, limit: usize): i32 {
  let raw: u32 = 0;
  let shift: u32 = 0;
  while (true) {
    if (p >= limit || shift > 28) { varintEnd = 0; return 0; }
    const b = <u32>load<u8>(p++);
    raw |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  varintEnd = p;
  return <i32>(raw >>> 1) ^ -<i32>(raw & 1);
}

/** {@link readVarint} with an inlined fast path for 1-byte varints (the common case). */
// @ts-ignore: decorator
@inline
export function readVarintFast(p: usize, limit: usize): i32 {
  if (p < limit) {
    const b = <i32>load<u8>(p);
    if (b < 0x80) {
      varintEnd = p + 1;
      return (b >>> 1) ^ -(b & 1);
    }
  }
  return readVarint(p, limit);
}

/** Reads a zigzag varlong (int64) in [p, limit). Sets {@link varintEnd}. */
export function readVarlong(p: usize, limit: usize): i64 {
  let raw: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (p >= limit || shift > 63) { varintEnd = 0; return 0; }
    const b = <u64>load<u8>(p++);
    raw |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  varintEnd = p;
  return <i64>(raw >>> 1) ^ -<i64>(raw & 1);
}

/** Bytes taken by `v` as a zigzag varint (1..5). */
// @ts-ignore: decorator
@inline
export function sizeOfVarint(v: i32): usize {
  const raw = <u32>((v << 1) ^ (v >> 31));
  // ceil(bits / 7) with bits = 32 - clz(raw | 1), as (bits * 9 + 64) >> 6 (exact for 1..64)
  return <usize>(((32 - clz<u32>(raw | 1)) * 9 + 64) >> 6);
}

/** Bytes taken by `v` as a zigzag varlong (1..10). */
// @ts-ignore: decorator
@inline
export function sizeOfVarlong(v: i64): usize {
  const raw = <u64>((v << 1) ^ (v >> 63));
  return <usize>(((64 - <i32>clz<u64>(raw | 1)) * 9 + 64) >> 6);
}

/** Writes `v` as a zigzag varint at p; returns the position after it. No bounds check. */
export function writeVarint(p: usize, v: i32): usize {
  let raw = <u32>((v << 1) ^ (v >> 31));
  while (raw >= 0x80) {
    store<u8>(p++, <u8>(raw | 0x80));
    raw >>>= 7;
  }
  store<u8>(p++, <u8>raw);
  return p;
}

/** Writes `v` as a zigzag varlong at p; returns the position after it. No bounds check. */
export function writeVarlong(p: usize, v: i64): usize {
  let raw = <u64>((v << 1) ^ (v >> 63));
  while (raw >= 0x80) {
    store<u8>(p++, <u8>(raw | 0x80));
    raw >>>= 7;
  }
  store<u8>(p++, <u8>raw);
  return p;
}
