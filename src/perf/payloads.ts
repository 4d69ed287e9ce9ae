/**
 * Record values for `gregor perf produce`, as kafka-producer-perf-test makes them:
 * `--record-size N`: one value of N random upper-case ASCII letters (A–Z), sent for every
 * record; `--payload-file F`: F's content split at `--payload-delimiter` (default "\n"), empty
 * pieces dropped, each record a uniformly random piece. Units: bytes.
 * Errors: Error with a one-line message for an unreadable or empty file, or a size < 0.
 */
import { readFileSync } from 'node:fs';

export interface PayloadSource {
  /** The value of record number `i`. */
  next(i: number): Buffer;
  /** How many distinct values there are (1 for --record-size). */
  readonly count: number;
}

/** N random letters, one Buffer shared by every record. */
export function fixedSizePayload(recordSize: number): PayloadSource {
  if (!Number.isInteger(recordSize) || recordSize < 0) throw new Error(`--record-size ${recordSize} is not a size in bytes`);
  const value = Buffer.allocUnsafe(recordSize);
  for (let i = 0; i < recordSize; i++) value[i] = 65 + Math.floor(Math.random() * 26);
  return { next: () => value, count: 1 };
}

/** The pieces of `file` between `delimiter`s (escape sequences \n, \t, \r understood). */
export function filePayloads(file: string, delimiter = '\\n'): PayloadSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --payload-file ${file}: ${(err as Error).message}`);
  }
  const sep = delimiter.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\r/g, '\r');
  const pieces = text.split(sep).filter((p) => p.length > 0).map((p) => Buffer.from(p, 'utf8'));
  if (pieces.length === 0) throw new Error(`--payload-file ${file} holds no payloads`);
  return { next: () => pieces[Math.floor(Math.random() * pieces.length)]!, count: pieces.length };
}
