/**
 * Runs the real kcat (librdkafka) binary against a broker on loopback.
 * Consumed records are printed in a length-prefixed format and parsed back byte for byte.
 */
import { spawn } from 'node:child_process';
import { prng, randomBytes } from './records.js';

export interface KcatResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs kcat with `args`, feeding `input` on stdin; rejects after `timeoutMs`. */
export function kcat(args: string[], input?: Uint8Array, timeoutMs = 60_000): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out after ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => {});
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

export interface ConsumedRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: string;
}

/** The -f format that `parseConsumed` reads: a text line of numbers, then raw key and value. */
export const CONSUME_FORMAT = '%p %o %T %K %S %h\n%k%s\n';

/** Parses kcat output produced with CONSUME_FORMAT. */
export function parseConsumed(stdout: Buffer): ConsumedRecord[] {
  const records: ConsumedRecord[] = [];
  let pos = 0;
  while (pos < stdout.length) {
    const nl = stdout.indexOf(10, pos);
    if (nl < 0) throw new Error(`truncated kcat output at byte ${pos}`);
    const line = stdout.subarray(pos, nl).toString('utf8');
    const [p, o, t, kLen, vLen, ...h] = line.split(' ');
    const keyLength = Number(kLen);
    const valueLength = Number(vLen);
    pos = nl + 1;
    const key = keyLength >= 0 ? stdout.subarray(pos, pos + keyLength) : null;
    pos += Math.max(0, keyLength);
    const value = valueLength >= 0 ? stdout.subarray(pos, pos + valueLength) : null;
    pos += Math.max(0, valueLength);
    if (stdout[pos] !== 10) throw new Error(`kcat output out of step at byte ${pos}`);
    pos += 1;
    records.push({ partition: Number(p), offset: Number(o), timestamp: Number(t), key, value, headers: h.join(' ') });
  }
  return records;
}

export const KEY_DELIMITER = 0x1f;
export const MESSAGE_DELIMITER = 0x1e;

export interface KeyedRecord {
  key: Buffer;
  value: Buffer;
}

/**
 * `count` records keyed `key-<i>`; value sizes: 99% between 1 B and 1 KB, 1% between 1 KB and
 * 100 KB (log-uniform), ~350 bytes on average; no delimiter bytes inside.
 */
export function makeKcatRecords(seed: number, count: number): KeyedRecord[] {
  const rand = prng(seed);
  const exclude = new Set([KEY_DELIMITER, MESSAGE_DELIMITER]);
  const out: KeyedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const big = rand() < 0.01;
    const size = big ? Math.floor(Math.exp(Math.log(1024) + rand() * Math.log(100))) : Math.floor(Math.exp(rand() * Math.log(1024)));
    out.push({ key: Buffer.from(`key-${i}`), value: randomBytes(rand, size, exclude) });
  }
  return out;
}

/** kcat -P input for `records` with -K '\x1f' -D '\x1e'. */
export function kcatInput(records: readonly KeyedRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) parts.push(r.key, Buffer.of(KEY_DELIMITER), r.value, Buffer.of(MESSAGE_DELIMITER));
  return Buffer.concat(parts);
}

/** kcat -P arguments that read kcatInput's delimiters. */
export const KCAT_PRODUCE_DELIMITERS = ['-K', '\\x1f', '-D', '\\x1e'];

/**
 * Checks that `consumed` (parseConsumed output of a whole topic) holds exactly `records`, byte
 * for byte, in produce order and at consecutive offsets within each partition. Throws an
 * Error naming the first difference; returns the number of partitions seen.
 */
export function checkConsumedExactly(consumed: readonly ConsumedRecord[], records: readonly KeyedRecord[], headers?: string): number {
  if (consumed.length !== records.length) throw new Error(`consumed ${consumed.length} records, produced ${records.length}`);
  const lastIndex = new Map<number, number>();
  const lastOffset = new Map<number, number>();
  const seen = new Set<number>();
  for (const r of consumed) {
    const index = Number(r.key?.toString().slice('key-'.length));
    const expected = records[index];
    if (!expected || seen.has(index)) throw new Error(`unexpected or duplicate key ${r.key?.toString()}`);
    if (index <= (lastIndex.get(r.partition) ?? -1)) throw new Error(`record ${index} out of produce order in partition ${r.partition}`);
    if (r.offset !== (lastOffset.get(r.partition) ?? -1) + 1) throw new Error(`offset gap before ${r.offset} in partition ${r.partition}`);
    if (!r.value?.equals(expected.value)) throw new Error(`value of record ${index} differs`);
    if (headers !== undefined && r.headers !== headers) throw new Error(`headers of record ${index}: ${r.headers}`);
    lastIndex.set(r.partition, index);
    lastOffset.set(r.partition, r.offset);
    seen.add(index);
  }
  return lastOffset.size;
}
