/**
 * Zigzag base-128 varints (protobuf sint32/sint64, Kafka ByteUtils): the twin of
 * assembly/varint.ts, with the same limits and error behaviour.
 *
 * Readers return the value and leave the position after it in `cursor.end`; 0 means
 * malformed (runs past `limit`, or longer than 5 / 10 bytes). Bits above 32 / 64 in the last
 * byte are ignored, as in Kafka's readVarint / readVarlong.
 */

/** Position after the last varint read (0 = malformed). */
export const cursor = { end: 0 };

/** Reads a zigzag varint (int32) from b[p, limit). */
export function readVarint(b: Uint8Array, p: number, limit: number): number {
  let raw = 0;
  let shift = 0;
  for (;;) {
    if (p >= limit || shift > 28) {
      cursor.end = 0;
      return 0;
    }
    const x = b[p++]!;
    raw |= (x & 0x7f) << shift;
    if ((x & 0x80) === 0) break;
    shift += 7;
  }
  cursor.end = p;
  return (raw >>> 1) ^ -(raw & 1);
}

/** {@link readVarint} with the 1-byte fast path inlined by the caller's JIT. */
export function readVarintFast(b: Uint8Array, p: number, limit: number): number {
  if (p < limit) {
    const x = b[p]!;
    if (x < 0x80) {
      cursor.end = p + 1;
      return (x >>> 1) ^ -(x & 1);
    }
  }
  return readVarint(b, p, limit);
}

/** Longest varlong decoded as a number: 7 bytes = 49 bits, so |value| < 2^48, exact. */
const NUMBER_VARLONG_BYTES = 7;

/**
 * Reads a zigzag varlong (int64) from b[p, limit) as an exact number when it has at most 7
 * bytes. Sets cursor.end to the next position, 0 if malformed, or -1 if it is longer than 7
 * bytes (then use {@link readVarlongBig}).
 */
export function readVarlongNumber(b: Uint8Array, p: number, limit: number): number {
  let raw = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (p >= limit) {
      cursor.end = 0;
      return 0;
    }
    if (i === NUMBER_VARLONG_BYTES) {
      cursor.end = -1;
      return 0;
    }
    const x = b[p++]!;
    raw += (x & 0x7f) * scale;
    if ((x & 0x80) === 0) break;
    scale *= 128;
  }
  cursor.end = p;
  // zigzag: even → raw / 2, odd → -(raw + 1) / 2
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

/** Reads a zigzag varlong (int64) from b[p, limit) as a bigint (any length up to 10). */
export function readVarlongBig(b: Uint8Array, p: number, limit: number): bigint {
  let raw = 0n;
  let shift = 0n;
  for (;;) {
    if (p >= limit || shift > 63n) {
      cursor.end = 0;
      return 0n;
    }
    const x = b[p++]!;
    raw |= BigInt(x & 0x7f) << shift;
    if ((x & 0x80) === 0) break;
    shift += 7n;
  }
  cursor.end = p;
  raw = BigInt.asUintN(64, raw);
  return BigInt.asIntN(64, (raw >> 1n) ^ -(raw & 1n));
}

/** Bytes taken by v (int32) as a zigzag varint: 1..5. */
export function sizeOfVarint(v: number): number {
  const raw = ((v << 1) ^ (v >> 31)) >>> 0;
  return ((32 - Math.clz32(raw | 1)) * 9 + 64) >> 6;
}

/** Bytes taken by v as a zigzag varlong: 1..10. |v| must be < 2^52 (zigzag < 2^53, exact). */
export function sizeOfVarlong(v: number): number {
  const raw = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  for (let r = raw; r >= 128; r = Math.floor(r / 128)) n++;
  return n;
}

/** Writes v (int32) as a zigzag varint at b[p]; returns the next position. No bounds check. */
export function writeVarint(b: Uint8Array, p: number, v: number): number {
  let raw = ((v << 1) ^ (v >> 31)) >>> 0;
  while (raw >= 0x80) {
    b[p++] = (raw & 0x7f) | 0x80;
    raw >>>= 7;
  }
  b[p++] = raw;
  return p;
}

/**
 * Writes v as a zigzag varlong at b[p]; returns the next position. |v| must be < 2^52 (so
 * that the zigzag value is exact); callers fall back to {@link writeVarlongBig} otherwise.
 */
export function writeVarlong(b: Uint8Array, p: number, v: number): number {
  let raw = v >= 0 ? v * 2 : -v * 2 - 1;
  while (raw >= 0x80) {
    b[p++] = (raw % 128) | 0x80;
    raw = Math.floor(raw / 128);
  }
  b[p++] = raw;
  return p;
}

/** Writes v (int64 as bigint) as a zigzag varlong at b[p]; returns the next position. */
export function writeVarlongBig(b: Uint8Array, p: number, v: bigint): number {
  let raw = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  while (raw >= 0x80n) {
    b[p++] = Number(raw & 0x7fn) | 0x80;
    raw >>= 7n;
  }
  b[p++] = Number(raw);
  return p;
}

/** Bytes taken by v (int64 as bigint) as a zigzag varlong: 1..10. */
export function sizeOfVarlongBig(v: bigint): number {
  let raw = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  let n = 1;
  while (raw >= 0x80n) {
    raw >>= 7n;
    n++;
  }
  return n;
}
