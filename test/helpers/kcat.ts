/**
 * Runs the real kcat (librdkafka) binary against a broker on loopback.
 * Consumed records are printed in a length-prefixed format and parsed back byte for byte.
 */
import { spawn } from 'node:child_process';

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
