/**
 * PartitionLog on real files in a temp dir, over both engines: appends of random batches
 * against a model (offsets, reads from every offset, segment rolls, timestamps), reopening
 * with indexes loaded from disk, and index lookups checked against a sorted-array floor.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { PartitionLog, type LogConfig } from '../../src/storage/log.js';
import { prng } from '../helpers/records.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });

function config(engine: Engine, segmentBytes: number): LogConfig {
  return { engine, indexIntervalBytes: 512, tailCapacity: 64 * 1024, segmentBytes, rollMs: 3_600_000, maxBatchBytes: 1_000_000, flushIntervalMessages: Number.MAX_SAFE_INTEGER };
}

/** Batch headers found in a byte range, parsed independently. */
function headers(bytes: Uint8Array): Array<{ baseOffset: number; count: number; maxTimestamp: number }> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let pos = 0; pos + 61 <= b.length; pos += b.readInt32BE(pos + 8) + 12) {
    out.push({ baseOffset: Number(b.readBigInt64BE(pos)), count: b.readInt32BE(pos + 57), maxTimestamp: Number(b.readBigInt64BE(pos + 35)) });
  }
  return out;
}

describe.each(['js', 'wasm'] as const)('PartitionLog (%s engine)', (kind) => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('assigns consecutive offsets, rolls segments and reads from every offset', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const engine = createEngine(kind);
    const log = PartitionLog.open('t', 0, dir.path, config(engine, 16 * 1024), logger);
    const rand = prng(3);
    const model: Array<{ baseOffset: number; count: number; timestamp: number }> = [];
    let next = 0;
    for (let i = 0; i < 300; i++) {
      const count = 1 + Math.floor(rand() * 8);
      const timestamp = 1_700_000_000_000 + i * 10;
      const batch = engine.encodeRecordBatch(
        Array.from({ length: count }, (_, j) => ({ key: Buffer.from(`k${j}`), value: Buffer.alloc(Math.floor(rand() * 300), j), timestamp })),
      );
      const result = log.append(batch, 0);
      expect(result.firstOffset).toBe(next);
      expect(result.lastOffset).toBe(next + count - 1);
      model.push({ baseOffset: next, count, timestamp });
      next += count;
    }
    expect(log.logEndOffset).toBe(next);
    expect(log.segmentCount).toBeGreaterThan(5);

    const check = (l: PartitionLog) => {
      for (let offset = 0; offset < next; offset += 1) {
        const read = l.read(offset, 1);
        const first = headers(read.slice!.bytes)[0]!;
        read.slice!.release?.();
        const expected = model.find((m) => m.baseOffset <= offset && offset < m.baseOffset + m.count)!;
        expect(first.baseOffset).toBe(expected.baseOffset);
        expect(first.count).toBe(expected.count);
      }
      expect(l.read(next, 1000).slice).toBeNull();
      expect(() => l.read(next + 1, 1000)).toThrow(/OFFSET_OUT_OF_RANGE/);
      // By timestamp: the first record at or after each batch's timestamp.
      for (const m of model.filter((_, i) => i % 17 === 0)) {
        expect(l.offsetForTimestamp(m.timestamp)?.offset).toBe(model.find((x) => x.timestamp >= m.timestamp)!.baseOffset);
      }
      expect(l.offsetForTimestamp(1_800_000_000_000)).toBeNull();
    };
    check(log);
    log.close();
    const reopened = PartitionLog.open('t', 0, dir.path, config(engine, 16 * 1024), logger);
    expect(reopened.logEndOffset).toBe(next);
    expect(reopened.segmentCount).toBe(log.segmentCount);
    check(reopened);
    reopened.close();
  });

  it('keeps nothing of a rejected append and serves tail views that survive later appends', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const engine = createEngine(kind);
    const log = PartitionLog.open('t', 0, dir.path, config(engine, 1 << 20), logger);
    const a = engine.encodeRecordBatch([{ key: null, value: Buffer.from('first') }]);
    log.append(a, 0);
    const bad = Buffer.from(a);
    bad[bad.length - 1]! ^= 1;
    expect(() => log.append(bad, 0)).toThrow(/CORRUPT_MESSAGE/);
    expect(log.logEndOffset).toBe(1);
    const held = log.read(0, 1000).slice!;
    const copy = Buffer.from(held.bytes);
    // Fill the tail buffer past its capacity while the view is leased.
    for (let i = 0; i < 40; i++) log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.alloc(4000, i) }]), 0);
    expect(Buffer.from(held.bytes).equals(copy)).toBe(true);
    held.release?.();
    log.close();
  });

  it('rolls a segment older than log.roll.ms at the next append', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const engine = createEngine(kind);
    const log = PartitionLog.open('t', 0, dir.path, { ...config(engine, 1 << 30), rollMs: 20 }, logger);
    // CreateTime far in the past: the first batch's timestamp is what the roll age counts from.
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('a'), timestamp: Date.now() - 60_000 }]), 0);
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('b') }]), 0);
    expect(log.segmentCount).toBe(2);
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('c') }]), 0);
    expect(log.segmentCount).toBe(2);
    expect(log.activeSegment.baseOffset).toBe(1);
    log.close();
  });
});
