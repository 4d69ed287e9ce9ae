/**
 * int64 ⇄ f64 conversions with the exact semantics of the WASM core, so that both engines
 * agree bit for bit: int64 → f64 rounds to nearest (f64.convert_i64_s); f64 → int64 truncates
 * toward zero and saturates, NaN → 0 (i64.trunc_sat_f64_s).
 */

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;

/** Big-endian int64 at p as the nearest f64 (exact for |v| <= 2^53). */
export function readI64BE(dv: DataView, p: number): number {
  // hi·2^32 is exact, adding lo (uint32) rounds once: the correctly rounded value
  return dv.getInt32(p) * TWO_32 + dv.getUint32(p + 4);
}

/** High 32 bits (signed) of trunc_sat_i64(v). */
export function truncSatHi(v: number): number {
  if (v !== v) return 0;
  if (v >= TWO_63) return 0x7fffffff;
  if (v <= -TWO_63) return -0x80000000;
  return Math.floor(Math.trunc(v) / TWO_32);
}

/** Low 32 bits (unsigned) of trunc_sat_i64(v). */
export function truncSatLo(v: number): number {
  if (v !== v) return 0;
  if (v >= TWO_63) return 0xffffffff;
  if (v <= -TWO_63) return 0;
  const t = Math.trunc(v);
  // t - hi·2^32 is an integer in [0, 2^32): exactly representable, so the subtraction is exact
  return t - Math.floor(t / TWO_32) * TWO_32;
}

/** Writes trunc_sat_i64(v) big-endian at p. */
export function writeI64BE(dv: DataView, p: number, v: number): void {
  dv.setInt32(p, truncSatHi(v));
  dv.setUint32(p + 4, truncSatLo(v));
}

/** trunc_sat_i64(v) as a bigint. */
export function truncSatBig(v: number): bigint {
  return (BigInt(truncSatHi(v)) << 32n) | BigInt(truncSatLo(v));
}

/** True when v is a safe integer (|v| < 2^53): such values cross the f64 ABI exactly. */
export function isSafeInt(v: number): boolean {
  return Number.isSafeInteger(v);
}
