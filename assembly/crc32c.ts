/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, RFC 3720 / iSCSI), as Kafka uses for
 * record batch v2 (Crc32C.java).
 *
 * WASM has no CRC instruction and no carry-less multiply, so speed comes from running two
 * independent table-driven engines on the same block at once, each on its own execution units:
 *
 *   block = 32·L bytes (L ∈ {128, 64, 32}):
 *   ┌──────┬──────┬─────┬───────┬─────────────────────────────┐
 *   │lane 0│lane 1│ ... │lane 15│ scalar chunk                │
 *   │  L   │  L   │     │  L    │ 16·L                        │
 *   └──────┴──────┴─────┴───────┴─────────────────────────────┘
 *    SIMD: 16 lanes, one byte per lane per step:    scalar: slicing-by-16 (16 table lookups
 *    16 rows of 16 bytes are transposed (into a      per 16 bytes, 32-bit loads), interleaved
 *    256-byte scratch) so that vector j holds byte   step by step with the SIMD steps so both
 *    j of every lane; the byte step                  run in parallel.
 *    crc' = (crc >> 8) ^ T[(crc ^ b) & 0xff]
 *    is done on 4 byte planes of the 16 lane CRCs,
 *    T[x] = Tlo[x & 15] ^ Thi[x >> 4] via
 *    i8x16.swizzle (8 swizzles per 16 bytes).
 *
 * The 17 partial CRCs are combined with CRC linearity: crc(A‖B) = shift(crc(A), |B|) ^ crc0(B),
 * where shift(c, n) advances the register over n zero bytes (4 table lookups with a
 * precomputed 4×256 table per n). Inputs shorter than 1 KiB, and the tail, use slicing-by-16.
 *
 * Tables live in the reserved low memory (layout.ts: kCrcTablesAddress ...) and are written by
 * {@link initCrc32c}, which is idempotent and writes every slot exactly once with its final
 * value, so re-running it (another thread instantiating the module) is harmless.
 */
import {
  kCrcScratchAddress,
  kCrcTablesAddress,
  kCrcNibbleTablesAddress,
  kCrcShiftTablesAddress,
  kCrcShiftTableSize,
  kCrcTableSize,
  kV128Size,
} from './layout';

const POLY: u32 = 0x82f63b78;
const T: usize = kCrcTablesAddress;
const NIB: usize = kCrcNibbleTablesAddress;

/** Shift table slot for "advance over n zero bytes". */
// n: 32, 512 (L = 32) | 64, 1024 (L = 64) | 128, 2048 (L = 128)
const SHIFT_L32: usize = kCrcShiftTablesAddress;
const SHIFT_16L32: usize = SHIFT_L32 + kCrcShiftTableSize;
const SHIFT_L64: usize = SHIFT_16L32 + kCrcShiftTableSize;
const SHIFT_16L64: usize = SHIFT_L64 + kCrcShiftTableSize;
const SHIFT_L128: usize = SHIFT_16L64 + kCrcShiftTableSize;
const SHIFT_16L128: usize = SHIFT_L128 + kCrcShiftTableSize;

/**
 * 256-byte area where hybridBlock transposes its rows: kCrcScratchAddress (reserved low memory)
 * unless {@link setCrcScratch} moved it. Per instance, hence per thread: another thread
 * instantiating the module over the same memory must give its instance its own area.
 */
let crcScratch: usize = kCrcScratchAddress;

/** Moves this instance's 256-byte CRC scratch area (16-byte aligned). */
export function setCrcScratch(ptr: usize): void {
  crcScratch = ptr;
}

/** Smallest block (L = 32) handled by the SIMD+scalar kernel. */
const MIN_BLOCK: usize = 32 * 32;

// ─── table-driven primitives ─────────────────────────────────────────────────────────────────

/** One slicing-by-16 step: the raw register `crc` advanced over the 16 bytes at p. */
// @ts-ignore: decorator
@inline
function slice16(crc: u32, p: usize): u32 {
  const b = load<u32>(p, 4);
  const c = load<u32>(p, 8);
  const d = load<u32>(p, 12);
  // (x >>> (8k - 2)) & 0x3fc is byte k of x, pre-scaled by 4 (u32 entries).
  // The 12 lookups that do not depend on crc form their own xor tree, so that the
  // loop-carried path is only: load ^ crc → 4 lookups → 3 xors.
  const rest = ((load<u32>(<usize>((b << 2) & 0x3fc), T + 11 * kCrcTableSize)
    ^ load<u32>(<usize>((b >>> 6) & 0x3fc), T + 10 * kCrcTableSize))
    ^ (load<u32>(<usize>((b >>> 14) & 0x3fc), T + 9 * kCrcTableSize)
    ^ load<u32>(<usize>((b >>> 22) & 0x3fc), T + 8 * kCrcTableSize)))
    ^ ((load<u32>(<usize>((c << 2) & 0x3fc), T + 7 * kCrcTableSize)
    ^ load<u32>(<usize>((c >>> 6) & 0x3fc), T + 6 * kCrcTableSize))
    ^ (load<u32>(<usize>((c >>> 14) & 0x3fc), T + 5 * kCrcTableSize)
    ^ load<u32>(<usize>((c >>> 22) & 0x3fc), T + 4 * kCrcTableSize)))
    ^ ((load<u32>(<usize>((d << 2) & 0x3fc), T + 3 * kCrcTableSize)
    ^ load<u32>(<usize>((d >>> 6) & 0x3fc), T + 2 * kCrcTableSize))
    ^ (load<u32>(<usize>((d >>> 14) & 0x3fc), T + 1 * kCrcTableSize)
    ^ load<u32>(<usize>((d >>> 22) & 0x3fc), T)));
  const a = load<u32>(p) ^ crc;
  return ((load<u32>(<usize>((a << 2) & 0x3fc), T + 15 * kCrcTableSize)
    ^ load<u32>(<usize>((a >>> 6) & 0x3fc), T + 14 * kCrcTableSize))
    ^ (load<u32>(<usize>((a >>> 14) & 0x3fc), T + 13 * kCrcTableSize)
    ^ load<u32>(<usize>((a >>> 22) & 0x3fc), T + 12 * kCrcTableSize)))
    ^ rest;
}

/** Advances the raw register over n zero bytes using the shift table at `table`. */
// @ts-ignore: decorator
@inline
function shift(table: usize, crc: u32): u32 {
  return load<u32>(table + ((crc & 0xff) << 2))
    ^ load<u32>(table + kCrcTableSize + (((crc >>> 8) & 0xff) << 2))
    ^ load<u32>(table + 2 * kCrcTableSize + (((crc >>> 16) & 0xff) << 2))
    ^ load<u32>(table + 3 * kCrcTableSize + ((crc >>> 24) << 2));
}

/** Raw register over [p, p + len) with slicing-by-16 then byte-at-a-time. */
function updateScalar(crc: u32, p: usize, len: usize): u32 {
  const end = p + len;
  while (end - p >= 16) {
    crc = slice16(crc, p);
    p += 16;
  }
  while (p < end) {
    crc = (crc >>> 8) ^ load<u32>(<usize>(((crc ^ <u32>load<u8>(p)) & 0xff) << 2), T);
    p++;
  }
  return crc;
}

// ─── SIMD + scalar block kernel ──────────────────────────────────────────────────────────────

/**
 * Raw register `crc` advanced over the block of 32·L bytes at p (L = 32, 64 or 128).
 * shiftL / shift16L: shift tables for L and 16·L zero bytes.
 */
function hybridBlock(crc: u32, p: usize, L: usize, shiftL: usize, shift16L: usize): u32 {
  const m4 = i8x16.splat(0x0f);
  const L0 = v128.load(NIB), L1 = v128.load(NIB, kV128Size), L2 = v128.load(NIB, 2 * kV128Size);
  const L3 = v128.load(NIB, 3 * kV128Size), H0 = v128.load(NIB, 4 * kV128Size);
  const H1 = v128.load(NIB, 5 * kV128Size), H2 = v128.load(NIB, 6 * kV128Size);
  const H3 = v128.load(NIB, 7 * kV128Size);
  // byte planes of the 16 lane registers: lane 0 starts from crc, the others from 0
  let s0 = i32x4.replace_lane(i32x4.splat(0), 0, crc & 0xff);
  let s1 = i32x4.replace_lane(i32x4.splat(0), 0, (crc >>> 8) & 0xff);
  let s2 = i32x4.replace_lane(i32x4.splat(0), 0, (crc >>> 16) & 0xff);
  let s3 = i32x4.replace_lane(i32x4.splat(0), 0, crc >>> 24);
  const scratch = crcScratch;
  let sc: u32 = 0; // scalar chunk register, from 0
  let sp = p + (L << 4);
  for (let q = p, qEnd = p + L; q < qEnd; q += 16, sp += 256) {
    // ── 16 rows (one per lane) of 16 bytes each ──
    const r0 = v128.load(q);
    const r1 = v128.load(q + L);
    const r2 = v128.load(q + 2 * L);
    const r3 = v128.load(q + 3 * L);
    const r4 = v128.load(q + 4 * L);
    const r5 = v128.load(q + 5 * L);
    const r6 = v128.load(q + 6 * L);
    const r7 = v128.load(q + 7 * L);
    const r8 = v128.load(q + 8 * L);
    const r9 = v128.load(q + 9 * L);
    const r10 = v128.load(q + 10 * L);
    const r11 = v128.load(q + 11 * L);
    const r12 = v128.load(q + 12 * L);
    const r13 = v128.load(q + 13 * L);
    const r14 = v128.load(q + 14 * L);
    const r15 = v128.load(q + 15 * L);
    // ── transpose 16×16 bytes: interleave 8-, 16-, 32-, then 64-bit halves ──
    const a0 = i8x16.shuffle(r0, r1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a1 = i8x16.shuffle(r0, r1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const a2 = i8x16.shuffle(r2, r3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a3 = i8x16.shuffle(r2, r3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const a4 = i8x16.shuffle(r4, r5, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a5 = i8x16.shuffle(r4, r5, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const a6 = i8x16.shuffle(r6, r7, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a7 = i8x16.shuffle(r6, r7, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const a8 = i8x16.shuffle(r8, r9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a9 = i8x16.shuffle(r8, r9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const a10 = i8x16.shuffle(r10, r11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a11 = i8x16.shuffle(r10, r11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const a12 = i8x16.shuffle(r12, r13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a13 = i8x16.shuffle(r12, r13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const a14 = i8x16.shuffle(r14, r15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const a15 = i8x16.shuffle(r14, r15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const b0 = i16x8.shuffle(a0, a2, 0, 8, 1, 9, 2, 10, 3, 11);
    const b1 = i16x8.shuffle(a0, a2, 4, 12, 5, 13, 6, 14, 7, 15);
    const b2 = i16x8.shuffle(a1, a3, 0, 8, 1, 9, 2, 10, 3, 11);
    const b3 = i16x8.shuffle(a1, a3, 4, 12, 5, 13, 6, 14, 7, 15);
    const b4 = i16x8.shuffle(a4, a6, 0, 8, 1, 9, 2, 10, 3, 11);
    const b5 = i16x8.shuffle(a4, a6, 4, 12, 5, 13, 6, 14, 7, 15);
    const b6 = i16x8.shuffle(a5, a7, 0, 8, 1, 9, 2, 10, 3, 11);
    const b7 = i16x8.shuffle(a5, a7, 4, 12, 5, 13, 6, 14, 7, 15);
    const b8 = i16x8.shuffle(a8, a10, 0, 8, 1, 9, 2, 10, 3, 11);
    const b9 = i16x8.shuffle(a8, a10, 4, 12, 5, 13, 6, 14, 7, 15);
    const b10 = i16x8.shuffle(a9, a11, 0, 8, 1, 9, 2, 10, 3, 11);
    const b11 = i16x8.shuffle(a9, a11, 4, 12, 5, 13, 6, 14, 7, 15);
    const b12 = i16x8.shuffle(a12, a14, 0, 8, 1, 9, 2, 10, 3, 11);
    const b13 = i16x8.shuffle(a12, a14, 4, 12, 5, 13, 6, 14, 7, 15);
    const b14 = i16x8.shuffle(a13, a15, 0, 8, 1, 9, 2, 10, 3, 11);
    const b15 = i16x8.shuffle(a13, a15, 4, 12, 5, 13, 6, 14, 7, 15);
    const c0 = i32x4.shuffle(b0, b4, 0, 4, 1, 5);
    const c1 = i32x4.shuffle(b0, b4, 2, 6, 3, 7);
    const c2 = i32x4.shuffle(b1, b5, 0, 4, 1, 5);
    const c3 = i32x4.shuffle(b1, b5, 2, 6, 3, 7);
    const c4 = i32x4.shuffle(b2, b6, 0, 4, 1, 5);
    const c5 = i32x4.shuffle(b2, b6, 2, 6, 3, 7);
    const c6 = i32x4.shuffle(b3, b7, 0, 4, 1, 5);
    const c7 = i32x4.shuffle(b3, b7, 2, 6, 3, 7);
    const c8 = i32x4.shuffle(b8, b12, 0, 4, 1, 5);
    const c9 = i32x4.shuffle(b8, b12, 2, 6, 3, 7);
    const c10 = i32x4.shuffle(b9, b13, 0, 4, 1, 5);
    const c11 = i32x4.shuffle(b9, b13, 2, 6, 3, 7);
    const c12 = i32x4.shuffle(b10, b14, 0, 4, 1, 5);
    const c13 = i32x4.shuffle(b10, b14, 2, 6, 3, 7);
    const c14 = i32x4.shuffle(b11, b15, 0, 4, 1, 5);
    const c15 = i32x4.shuffle(b11, b15, 2, 6, 3, 7);
    // ── column j (byte j of every lane) → scratch + 16·j ──
    v128.store(scratch, i64x2.shuffle(c0, c8, 0, 2), 0);
    v128.store(scratch, i64x2.shuffle(c0, c8, 1, 3), 16);
    v128.store(scratch, i64x2.shuffle(c1, c9, 0, 2), 32);
    v128.store(scratch, i64x2.shuffle(c1, c9, 1, 3), 48);
    v128.store(scratch, i64x2.shuffle(c2, c10, 0, 2), 64);
    v128.store(scratch, i64x2.shuffle(c2, c10, 1, 3), 80);
    v128.store(scratch, i64x2.shuffle(c3, c11, 0, 2), 96);
    v128.store(scratch, i64x2.shuffle(c3, c11, 1, 3), 112);
    v128.store(scratch, i64x2.shuffle(c4, c12, 0, 2), 128);
    v128.store(scratch, i64x2.shuffle(c4, c12, 1, 3), 144);
    v128.store(scratch, i64x2.shuffle(c5, c13, 0, 2), 160);
    v128.store(scratch, i64x2.shuffle(c5, c13, 1, 3), 176);
    v128.store(scratch, i64x2.shuffle(c6, c14, 0, 2), 192);
    v128.store(scratch, i64x2.shuffle(c6, c14, 1, 3), 208);
    v128.store(scratch, i64x2.shuffle(c7, c15, 0, 2), 224);
    v128.store(scratch, i64x2.shuffle(c7, c15, 1, 3), 240);
    // ── 16 byte steps on the lane registers, one scalar slicing-by-16 step each ──
    // (a loop over the stored columns: the fully unrolled form runs ~30% slower in V8)
    for (let j: usize = 0; j < 256; j += 16) {
      const idx = v128.xor(s0, v128.load(scratch + j));
      const lo = v128.and(idx, m4);
      const hi = v128.and(i16x8.shr_u(idx, 4), m4);
      // t = T[idx] for the byte step crc' = (crc >>> 8) ^ T[(crc ^ b) & 0xff], per byte plane
      s0 = v128.xor(s1, v128.xor(i8x16.swizzle(L0, lo), i8x16.swizzle(H0, hi)));
      s1 = v128.xor(s2, v128.xor(i8x16.swizzle(L1, lo), i8x16.swizzle(H1, hi)));
      s2 = v128.xor(s3, v128.xor(i8x16.swizzle(L2, lo), i8x16.swizzle(H2, hi)));
      s3 = v128.xor(i8x16.swizzle(L3, lo), i8x16.swizzle(H3, hi));
      sc = slice16(sc, sp + j);
    }
  }
  // planes → 16 u32 lane registers (lane r = s0[r] | s1[r] << 8 | s2[r] << 16 | s3[r] << 24)
  const e0 = i8x16.shuffle(s0, s1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const e1 = i8x16.shuffle(s0, s1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const e2 = i8x16.shuffle(s2, s3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const e3 = i8x16.shuffle(s2, s3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const w0 = i16x8.shuffle(e0, e2, 0, 8, 1, 9, 2, 10, 3, 11);
  const w1 = i16x8.shuffle(e0, e2, 4, 12, 5, 13, 6, 14, 7, 15);
  const w2 = i16x8.shuffle(e1, e3, 0, 8, 1, 9, 2, 10, 3, 11);
  const w3 = i16x8.shuffle(e1, e3, 4, 12, 5, 13, 6, 14, 7, 15);
  // crc(lane0 ‖ lane1 ‖ ... ‖ lane15 ‖ scalar chunk)
  let r = i32x4.extract_lane(w0, 0);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w0, 1);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w0, 2);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w0, 3);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w1, 0);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w1, 1);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w1, 2);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w1, 3);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w2, 0);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w2, 1);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w2, 2);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w2, 3);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w3, 0);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w3, 1);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w3, 2);
  r = shift(shiftL, r) ^ i32x4.extract_lane(w3, 3);
  return shift(shift16L, r) ^ sc;
}

// ─── public ──────────────────────────────────────────────────────────────────────────────────

/**
 * Advances the raw (non-inverted) CRC-32C register over [p, p + len). No bounds check
 * (callers check). crc32c(x) = ~update(~0, x).
 */
export function crc32cUpdate(crc: u32, p: usize, len: usize): u32 {
  while (len >= 4096) {
    crc = hybridBlock(crc, p, 128, SHIFT_L128, SHIFT_16L128);
    p += 4096;
    len -= 4096;
  }
  if (len >= 2048) {
    crc = hybridBlock(crc, p, 64, SHIFT_L64, SHIFT_16L64);
    p += 2048;
    len -= 2048;
  }
  if (len >= MIN_BLOCK) {
    crc = hybridBlock(crc, p, 32, SHIFT_L32, SHIFT_16L32);
    p += MIN_BLOCK;
    len -= MIN_BLOCK;
  }
  return updateScalar(crc, p, len);
}

/** CRC-32C of [p, p + len) as an unsigned 32-bit value. No bounds check (callers check). */
// @ts-ignore: decorator
@inline
export function crc32cRaw(p: usize, len: usize): u32 {
  return ~crc32cUpdate(0xffffffff, p, len);
}

// ─── table initialisation ────────────────────────────────────────────────────────────────────

/** Fills the shift table at `table` for n zero bytes (n a multiple of 16). */
function initShiftTable(table: usize, n: usize): void {
  // basis: the register 1 << bit advanced over n zero bytes (slicing-by-16 on zeros)
  for (let k: usize = 0; k < 4; k++) {
    store<u32>(table + k * kCrcTableSize, 0);
    for (let bit: u32 = 0; bit < 8; bit++) {
      let c: u32 = 1 << (<u32>k * 8 + bit);
      for (let i: usize = 0; i < n; i += 16) {
        c = load<u32>(<usize>((c << 2) & 0x3fc), T + 15 * kCrcTableSize)
          ^ load<u32>(<usize>((c >>> 6) & 0x3fc), T + 14 * kCrcTableSize)
          ^ load<u32>(<usize>((c >>> 14) & 0x3fc), T + 13 * kCrcTableSize)
          ^ load<u32>(<usize>((c >>> 22) & 0x3fc), T + 12 * kCrcTableSize);
      }
      store<u32>(table + k * kCrcTableSize + ((<usize>1 << bit) << 2), c);
    }
    // linearity: entry(b) = entry(b & (b - 1)) ^ entry(lowest bit of b)
    for (let b: u32 = 3; b < 256; b++) {
      if ((b & (b - 1)) == 0) continue;
      const rest = b & (b - 1);
      const v = load<u32>(table + k * kCrcTableSize + (<usize>rest << 2))
        ^ load<u32>(table + k * kCrcTableSize + (<usize>(b ^ rest) << 2));
      store<u32>(table + k * kCrcTableSize + (<usize>b << 2), v);
    }
  }
}

/** Writes all CRC tables into the reserved area (see layout.ts). Idempotent. */
export function initCrc32c(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(T + (<usize>i << 2), c);
  }
  for (let t: usize = 1; t < 16; t++) {
    for (let i: usize = 0; i < 256; i++) {
      const prev = load<u32>(T + (t - 1) * kCrcTableSize + (i << 2));
      store<u32>(T + t * kCrcTableSize + (i << 2), (prev >>> 8) ^ load<u32>(T + ((prev & 0xff) << 2)));
    }
  }
  // nibble tables: byte k of T[n] (low nibble n) and of T[n << 4] (high nibble n)
  for (let k: usize = 0; k < 4; k++) {
    for (let n: usize = 0; n < 16; n++) {
      store<u8>(NIB + k * kV128Size + n, <u8>(load<u32>(T + (n << 2)) >>> (<u32>k * 8)));
      store<u8>(NIB + (4 + k) * kV128Size + n, <u8>(load<u32>(T + ((n << 4) << 2)) >>> (<u32>k * 8)));
    }
  }
  initShiftTable(SHIFT_L32, 32);
  initShiftTable(SHIFT_16L32, 512);
  initShiftTable(SHIFT_L64, 64);
  initShiftTable(SHIFT_16L64, 1024);
  initShiftTable(SHIFT_L128, 128);
  initShiftTable(SHIFT_16L128, 2048);
}
