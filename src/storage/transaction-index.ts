/**
 * A segment's transaction index, `<baseOffset>.txnindex` (Kafka TransactionIndex,
 * docs/implementation.html): one entry per transaction aborted by an ABORT marker in the
 * segment, so read_committed fetches can list the aborted transactions overlapping what they
 * return (Fetch `aborted_transactions`). Entries are 34 bytes, big-endian, in marker order:
 *
 *   version int16 (0) │ producerId int64 │ firstOffset int64 │ lastOffset int64 (the marker)
 *   │ lastStableOffset int64 (the LSO once the transaction was complete)
 *
 * The file is created with the first entry (as Kafka does: most segments have none) and
 * appended to once per abort; entries are also kept in memory (aborts are rare). Appends are
 * idempotent by marker offset, so a recovery replay over markers already indexed adds nothing.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CompletedTxn } from './producer-state.js';
import { unlinkQuietly } from './atomic-file.js';

export const TXN_INDEX_SUFFIX = '.txnindex';
export const TXN_INDEX_ENTRY_BYTES = 34;
const VERSION = 0;

/** An aborted transaction (Kafka AbortedTxn); offsets absolute. */
export type AbortedTxn = CompletedTxn;

export class TransactionIndex {
  private entries: AbortedTxn[] = [];

  /** Loads the file at `path` if it exists; a torn last entry is dropped. */
  constructor(public path: string) {
    if (!existsSync(path)) return;
    const bytes = readFileSync(path);
    const whole = bytes.length - (bytes.length % TXN_INDEX_ENTRY_BYTES);
    for (let at = 0; at < whole; at += TXN_INDEX_ENTRY_BYTES) {
      if (bytes.readInt16BE(at) !== VERSION) break;
      this.entries.push({
        producerId: Number(bytes.readBigInt64BE(at + 2)),
        firstOffset: Number(bytes.readBigInt64BE(at + 10)),
        lastOffset: Number(bytes.readBigInt64BE(at + 18)),
        lastStableOffset: Number(bytes.readBigInt64BE(at + 26)),
      });
    }
    if (whole !== bytes.length || this.entries.length * TXN_INDEX_ENTRY_BYTES !== whole) this.rewrite();
  }

  /** The entries, in marker order. */
  get all(): readonly AbortedTxn[] {
    return this.entries;
  }

  /** Appends an aborted transaction unless one with a marker at or after its marker is there. */
  append(txn: AbortedTxn): void {
    const last = this.entries.at(-1);
    if (last && last.lastOffset >= txn.lastOffset) return;
    this.entries.push(txn);
    appendFileSync(this.path, encode(txn));
  }

  /** Drops entries whose marker is at or after `offset` (the log was truncated there). */
  truncateTo(offset: number): void {
    const kept = this.entries.filter((e) => e.lastOffset < offset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.rewrite();
  }

  /** Renames the file (if there is one) to `target`. */
  rename(target: string): void {
    if (existsSync(this.path)) renameSync(this.path, target);
    this.path = target;
  }

  /** Removes the file if there is one. */
  delete(): void {
    unlinkQuietly(this.path);
  }

  private rewrite(): void {
    if (this.entries.length === 0) return unlinkQuietly(this.path);
    writeFileSync(this.path, Buffer.concat(this.entries.map(encode)));
  }
}

function encode(txn: AbortedTxn): Buffer {
  const out = Buffer.alloc(TXN_INDEX_ENTRY_BYTES);
  out.writeInt16BE(VERSION, 0);
  out.writeBigInt64BE(BigInt(txn.producerId), 2);
  out.writeBigInt64BE(BigInt(txn.firstOffset), 10);
  out.writeBigInt64BE(BigInt(txn.lastOffset), 18);
  out.writeBigInt64BE(BigInt(txn.lastStableOffset), 26);
  return out;
}
