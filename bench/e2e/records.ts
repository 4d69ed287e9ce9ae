/**
 * The benchmark's records, the same for every system and client: record i has an 8-byte key
 * (i in decimal, zero-padded) and a value of `valueBytes` lowercase letters starting at
 * letter i mod 26 — printable, without tab or newline, so kcat's line formats carry it.
 * A run's checksum is order-independent (several partitions, several producers): the count,
 * the sum and the xor of FNV-1a-32 of every value, so a lost, duplicated or altered record
 * changes it.
 */

export const KEY_BYTES = 8;

/** Workloads of `npm run bench` (records, value bytes). */
export const WORKLOADS = {
  W1: { records: 1_000_000, valueBytes: 100 },
  W2: { records: 200_000, valueBytes: 1024 },
} as const;
export type WorkloadName = keyof typeof WORKLOADS;

/** Writes record i's key (8 ASCII digits) at `at`. */
export function writeKey(out: Uint8Array, at: number, i: number): void {
  for (let d = KEY_BYTES - 1, n = i; d >= 0; d--, n = Math.floor(n / 10)) out[at + d] = 0x30 + (n % 10);
}

/** Writes record i's value at `at`. */
export function writeValue(out: Uint8Array, at: number, i: number, valueBytes: number): void {
  for (let j = 0; j < valueBytes; j++) out[at + j] = 0x61 + ((i + j) % 26);
}

/** FNV-1a, 32 bits, of bytes [from, to). */
export function fnv1a(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Order-independent checksum of a multiset of values. */
export class Checksum {
  count = 0;
  private sum = 0;
  private xor = 0;

  add(bytes: Uint8Array, from = 0, to = bytes.length): void {
    const h = fnv1a(bytes, from, to);
    this.count++;
    this.sum = (this.sum + h) % 0x1_0000_0000_0000;
    this.xor = (this.xor ^ h) >>> 0;
  }

  digest(): string {
    return `${this.count}:${this.sum.toString(16)}:${this.xor.toString(16)}`;
  }
}

/** The checksum of records [0, records) of a workload. */
export function expectedChecksum(records: number, valueBytes: number): string {
  const c = new Checksum();
  const v = new Uint8Array(valueBytes);
  for (let i = 0; i < records; i++) {
    writeValue(v, 0, i, valueBytes);
    c.add(v);
  }
  return c.digest();
}

/** kcat -P -K '\t' input for records [first, first + count): `key\tvalue\n` lines. */
export function kcatInput(first: number, count: number, valueBytes: number): Buffer {
  const line = KEY_BYTES + 1 + valueBytes + 1;
  const out = Buffer.allocUnsafe(count * line);
  for (let r = 0; r < count; r++) {
    const at = r * line;
    writeKey(out, at, first + r);
    out[at + KEY_BYTES] = 0x09;
    writeValue(out, at + KEY_BYTES + 1, first + r, valueBytes);
    out[at + line - 1] = 0x0a;
  }
  return out;
}

/** Splits `records` over `producers`: [first, count] per producer. */
export function slices(records: number, producers: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const per = Math.ceil(records / producers);
  for (let p = 0, first = 0; p < producers; p++, first += per) out.push([first, Math.max(0, Math.min(per, records - first))]);
  return out;
}

/** p-th percentile (0..100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The Checksum of newline-separated values (kcat -f '%s\n' output). */
export function checksumLines(bytes: Buffer): string {
  const checksum = new Checksum();
  for (let at = 0; at < bytes.length; ) {
    const nl = bytes.indexOf(10, at);
    const end = nl < 0 ? bytes.length : nl;
    checksum.add(bytes, at, end);
    at = end + 1;
  }
  return checksum.digest();
}
