/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, RFC 3720), slicing-by-8, in plain
 * TypeScript: the twin of assembly/crc32c.ts. Reads the shared memory through its native
 * little-endian Int32Array view, 8 bytes per step once the pointer is 4-byte aligned.
 * Source: Kafka Crc32C.java; "slicing-by-8": Kounavis & Berry, Intel (2005).
 */
import type { SharedMemory } from '../shared-memory.js';

const POLY = 0x82f63b78;

function makeTable(): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  return t;
}

const T0 = makeTable();
function nextTable(prev: Int32Array): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) t[i] = (prev[i]! >>> 8) ^ T0[prev[i]! & 0xff]!;
  return t;
}
const T1 = nextTable(T0);
const T2 = nextTable(T1);
const T3 = nextTable(T2);
const T4 = nextTable(T3);
const T5 = nextTable(T4);
const T6 = nextTable(T5);
const T7 = nextTable(T6);

/**
 * Advances the raw (non-inverted) CRC register `crc` (int32 bits) over bytes[ptr, ptr + len)
 * of the shared memory. crc32c(x) = ~update(~0, x) >>> 0.
 */
export function crc32cUpdate(memory: SharedMemory, crc: number, ptr: number, len: number): number {
  const b = memory.bytes;
  let p = ptr;
  const end = ptr + len;
  while (p < end && (p & 3) !== 0) {
    crc = (crc >>> 8) ^ T0[(crc ^ b[p++]!) & 0xff]!;
  }
  if (end - p >= 8) {
    const w = memory.int32;
    let i = p >> 2;
    const iEnd = i + ((end - p) >> 3) * 2;
    while (i < iEnd) {
      // the second word does not depend on crc: its lookups run ahead, and the loop-carried
      // path is only crc ^ word → 4 lookups → 3 xors
      const c = w[i + 1]!;
      const rest = T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ (T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!);
      const a = crc ^ w[i]!;
      crc = T7[a & 0xff]! ^ T6[(a >>> 8) & 0xff]! ^ (T5[(a >>> 16) & 0xff]! ^ T4[a >>> 24]!) ^ rest;
      i += 2;
    }
    p = i << 2;
  }
  while (p < end) {
    crc = (crc >>> 8) ^ T0[(crc ^ b[p++]!) & 0xff]!;
  }
  return crc;
}

/** CRC-32C of bytes[ptr, ptr + len) of the shared memory, unsigned. No bounds check. */
export function crc32c(memory: SharedMemory, ptr: number, len: number): number {
  return ~crc32cUpdate(memory, -1, ptr, len) >>> 0;
}
