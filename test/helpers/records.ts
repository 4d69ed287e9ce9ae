/** Deterministic test data: a seeded PRNG and record generators. */

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` random bytes, avoiding any byte in `exclude`. */
export function randomBytes(rand: () => number, n: number, exclude: ReadonlySet<number> = new Set()): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    let b = Math.floor(rand() * 256);
    while (exclude.has(b)) b = (b + 1) & 0xff;
    out[i] = b;
  }
  return out;
}
