/**
 * Producer state snapshots beside the segments: `<offset:20 digits>.snapshot` holds the
 * producer state as of that offset (everything before it applied), in Kafka's ProducerSnapshot
 * format, version 1 (big-endian):
 *
 *   version int16 (1) │ crc uint32: CRC-32C of everything after it │ entries int32 count, then
 *   per entry: producerId int64, epoch int16, lastSequence int32, lastOffset int64,
 *              offsetDelta int32 (lastOffset − firstOffset), timestamp int64,
 *              coordinatorEpoch int32 (of the last marker, -1 without one), currentTxnFirstOffset int64 (the first offset of
 *              the producer's ongoing transaction, -1 without one)
 *
 * Kafka stores one entry (the last batch) per producer; we store one per remembered batch,
 * oldest first, so the 5-batch dedup window survives a restart — a Kafka reader of the file
 * keeps the last entry of each producer, which is Kafka's own content.
 * A snapshot is an optimisation: a torn or corrupt file (bad CRC) is ignored and the state
 * is rebuilt from the log instead, so files are written atomically but not fsynced.
 */
import { existsSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine/engine.js';
import { type Offset, asOffset, offsetFileName } from './offset.js';
import { NO_SEQUENCE, type ProducerEntry } from './producer-state.js';
import { crc32cOf } from './checksum.js';

export const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/;
const VERSION = 1;
const HEADER_BYTES = 2 + 4 + 4;
const ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
const INT32_SPAN = 2 ** 31;

/** Encodes entries as a version-1 snapshot. */
export function encodeProducerSnapshot(entries: Iterable<ProducerEntry>, engine: Engine): Buffer {
  // A producer whose epoch a transaction marker moved has no batch of that epoch yet: one row
  // with NO_SEQUENCE and no offset keeps its epoch (Kafka writes such entries too), so a
  // fenced producer stays fenced across a restart.
  const rows = [...entries].flatMap((e) => (e.batches.length > 0 ? e.batches : [epochOnly(e)]).map((b) => ({ e, b })));
  const out = Buffer.alloc(HEADER_BYTES + rows.length * ENTRY_BYTES);
  out.writeInt16BE(VERSION, 0);
  out.writeInt32BE(rows.length, 6);
  let at = HEADER_BYTES;
  for (const { e, b } of rows) {
    out.writeBigInt64BE(BigInt(e.producerId), at);
    out.writeInt16BE(e.epoch, at + 8);
    out.writeInt32BE(b.lastSeq, at + 10);
    out.writeBigInt64BE(BigInt(b.lastOffset), at + 14);
    out.writeInt32BE(b.lastOffset - b.firstOffset, at + 22);
    out.writeBigInt64BE(BigInt(b.maxTimestamp), at + 26);
    out.writeInt32BE(e.coordinatorEpoch ?? -1, at + 34);
    out.writeBigInt64BE(BigInt(e.currentTxnFirstOffset ?? -1), at + 38);
    at += ENTRY_BYTES;
  }
  out.writeUInt32BE(crc32cOf(engine, out.subarray(6)), 2);
  return out;
}

/** The row of a producer with no batch in its epoch: NO_SEQUENCE, no offset. */
function epochOnly(e: ProducerEntry): ProducerEntry['batches'][number] {
  return { firstSeq: NO_SEQUENCE, lastSeq: NO_SEQUENCE, firstOffset: -1, lastOffset: -1, maxTimestamp: e.lastTimestamp };
}

/** Decodes a snapshot; null if it is torn, of another version, or its CRC does not match. */
export function decodeProducerSnapshot(bytes: Buffer, engine: Engine): ProducerEntry[] | null {
  if (bytes.length < HEADER_BYTES || bytes.readInt16BE(0) !== VERSION) return null;
  const count = bytes.readInt32BE(6);
  if (count < 0 || bytes.length !== HEADER_BYTES + count * ENTRY_BYTES) return null;
  if (crc32cOf(engine, bytes.subarray(6)) !== bytes.readUInt32BE(2)) return null;
  const byId = new Map<number, ProducerEntry>();
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += ENTRY_BYTES) {
    const producerId = Number(bytes.readBigInt64BE(at));
    const epoch = bytes.readInt16BE(at + 8);
    const lastSeq = bytes.readInt32BE(at + 10);
    const lastOffset = Number(bytes.readBigInt64BE(at + 14));
    const offsetDelta = bytes.readInt32BE(at + 22);
    const maxTimestamp = Number(bytes.readBigInt64BE(at + 26));
    const coordinatorEpoch = bytes.readInt32BE(at + 34);
    const currentTxnFirstOffset = Number(bytes.readBigInt64BE(at + 38));
    let entry = byId.get(producerId);
    if (!entry || entry.epoch !== epoch) {
      entry = { producerId, epoch, batches: [], lastTimestamp: -1 };
      byId.set(producerId, entry);
    }
    entry.currentTxnFirstOffset = currentTxnFirstOffset;
    entry.coordinatorEpoch = coordinatorEpoch;
    if (lastSeq === NO_SEQUENCE && lastOffset === -1) {
      entry.lastTimestamp = Math.max(entry.lastTimestamp, maxTimestamp);
      continue;
    }
    const firstSeq = lastSeq - offsetDelta < 0 ? lastSeq - offsetDelta + INT32_SPAN : lastSeq - offsetDelta;
    entry.batches.push({ firstSeq, lastSeq, firstOffset: lastOffset - offsetDelta, lastOffset, maxTimestamp });
    entry.lastTimestamp = Math.max(entry.lastTimestamp, maxTimestamp);
  }
  return [...byId.values()];
}

/** Offsets of the snapshot files in `dir`, ascending. */
export function listSnapshots(dir: string): Offset[] {
  return readdirSync(dir)
    .map((name) => SNAPSHOT_NAME.exec(name)?.[1])
    .filter((s): s is string => s !== undefined)
    .map((s) => asOffset(Number(s)))
    .sort((a, b) => a - b);
}

export function snapshotPath(dir: string, offset: Offset): string {
  return join(dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
}

/** Writes the state as of `offset` (tmp file + rename, no fsync: see above). */
export function writeProducerSnapshot(dir: string, offset: Offset, entries: Iterable<ProducerEntry>, engine: Engine): void {
  const path = snapshotPath(dir, offset);
  writeFileSync(`${path}.tmp`, encodeProducerSnapshot(entries, engine));
  renameSync(`${path}.tmp`, path);
}

/** Reads the snapshot at `offset`; null (and the file removed) if it is invalid. */
export function readProducerSnapshot(dir: string, offset: Offset, engine: Engine): ProducerEntry[] | null {
  const path = snapshotPath(dir, offset);
  if (!existsSync(path)) return null;
  const entries = decodeProducerSnapshot(readFileSync(path), engine);
  if (!entries) unlinkSync(path);
  return entries;
}

/** Removes snapshot files whose offset `doomed` approves. */
export function deleteSnapshots(dir: string, doomed: (offset: Offset) => boolean): void {
  for (const offset of listSnapshots(dir)) {
    if (doomed(offset)) {
      try {
        unlinkSync(snapshotPath(dir, offset));
      } catch {
        /* already gone */
      }
    }
  }
}
