/**
 * Retention on a PartitionLog over real files: time retention by each segment's largest
 * timestamp, size retention, DeleteRecords inside a segment, the log start offset (reads
 * below it are OFFSET_OUT_OF_RANGE, ListOffsets by time skips below it), `.deleted` files
 * removed after file.delete.delay.ms (and at restart), never the active segment.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { PartitionLog, type LogConfig, type RetentionPolicy } from '../../src/storage/log.js';
import { deletableSegments } from '../../src/storage/retention.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });
const NOW = Date.now();
const HOUR = 3_600_000;

function config(engine: Engine, segmentBytes: number): LogConfig {
  return { engine, indexIntervalBytes: 256, tailCapacity: 64 * 1024, segmentBytes, rollMs: 100 * HOUR, maxBatchBytes: 1_000_000, flushIntervalMessages: Number.MAX_SAFE_INTEGER };
}

const policy = (p: Partial<RetentionPolicy>): RetentionPolicy => ({ deleteEnabled: true, retentionMs: -1, retentionBytes: -1, fileDeleteDelayMs: 0, now: NOW, ...p });

describe('retention policy (pure)', () => {
  const seg = (baseOffset: number, size: number, largestTimestamp: number) => ({ baseOffset, size, largestTimestamp });
  const log = [seg(0, 100, NOW - 5 * HOUR), seg(10, 100, NOW - 3 * HOUR), seg(20, 100, NOW - 4 * HOUR), seg(30, 50, NOW - 10 * HOUR)];

  it('deletes only a leading run, never the active (last) segment', () => {
    expect(deletableSegments(log, { deleteEnabled: true, retentionMs: 4 * HOUR, retentionBytes: -1, logStartOffset: 0, now: NOW })).toEqual({ count: 1, reason: 'retention.ms' });
    expect(deletableSegments(log, { deleteEnabled: true, retentionMs: 1 * HOUR, retentionBytes: -1, logStartOffset: 0, now: NOW })).toEqual({ count: 3, reason: 'retention.ms' });
    expect(deletableSegments(log, { deleteEnabled: true, retentionMs: -1, retentionBytes: 150, logStartOffset: 0, now: NOW })).toEqual({ count: 2, reason: 'retention.bytes' });
    expect(deletableSegments(log, { deleteEnabled: true, retentionMs: -1, retentionBytes: 0, logStartOffset: 0, now: NOW })).toEqual({ count: 3, reason: 'retention.bytes' });
    expect(deletableSegments(log, { deleteEnabled: false, retentionMs: 1, retentionBytes: 0, logStartOffset: 25, now: NOW })).toEqual({ count: 2, reason: 'log-start-offset' });
    expect(deletableSegments(log, { deleteEnabled: false, retentionMs: 1, retentionBytes: 0, logStartOffset: 0, now: NOW })).toBeNull();
  });
});

describe.each(['js', 'wasm'] as const)('PartitionLog retention (%s engine)', (kind) => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  /** A log of 10-record batches, ~1 KB each, with timestamps `NOW - (60 - i) minutes` for batch i. */
  function filledLog(engine: Engine, batches: number) {
    const dir = makeTempDir();
    dirs.push(dir);
    const log = PartitionLog.open('t', 0, dir.path, config(engine, 4096), logger);
    for (let i = 0; i < batches; i++) {
      const timestamp = NOW - (batches - i) * 60_000;
      log.append(engine.encodeRecordBatch(Array.from({ length: 10 }, (_, j) => ({ key: Buffer.from(`k${j}`), value: Buffer.alloc(90, i), timestamp: timestamp + j }))), 0);
    }
    return { dir: dir.path, log };
  }

  it('time retention deletes whole old segments; reads below the new log start are OFFSET_OUT_OF_RANGE', async () => {
    const engine = createEngine(kind);
    const { dir, log } = filledLog(engine, 60);
    const segmentsBefore = log.segmentCount;
    expect(segmentsBefore).toBeGreaterThan(10);
    const deleted = log.deleteOldSegments(policy({ retentionMs: 30 * 60_000, fileDeleteDelayMs: 100 }));
    expect(deleted).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(segmentsBefore - deleted);
    const start = log.logStartOffset;
    // Every record kept is younger than the cutoff's segment boundary allows: the first kept
    // segment holds a record within the retention window.
    expect(start).toBeGreaterThan(0);
    expect(start % 10).toBe(0);
    expect(log.offsetForTimestamp(0)!.offset).toBe(start);
    expect(() => log.read(start - 1, 1000)).toThrow(/OFFSET_OUT_OF_RANGE/);
    const read = log.read(start, 100);
    expect(Buffer.from(read.slice!.bytes).readBigInt64BE(0)).toBe(BigInt(start));
    read.slice!.release?.();
    // The deleted segments' files are renamed .deleted, then removed after the delay.
    const deletedFiles = () => readdirSync(dir).filter((f) => f.endsWith('.deleted'));
    expect(deletedFiles()).toHaveLength(deleted * 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(deletedFiles()).toHaveLength(0);
    expect(existsSync(join(dir, '00000000000000000000.log'))).toBe(false);
    log.close();
  });

  it('size retention keeps the log within retention.bytes plus the active segment, and never deletes the active one', () => {
    const engine = createEngine(kind);
    const { log } = filledLog(engine, 60);
    log.deleteOldSegments(policy({ retentionBytes: 10_000 }));
    expect(log.sizeInBytes).toBeLessThanOrEqual(10_000 + log.activeSegment.size);
    expect(log.sizeInBytes).toBeGreaterThan(10_000 - 4096);
    log.deleteOldSegments(policy({ retentionBytes: 0, retentionMs: 0 }));
    expect(log.segmentCount).toBe(1);
    expect(log.logStartOffset).toBe(log.activeSegment.baseOffset);
    expect(log.logEndOffset).toBe(600);
    log.close();
  });

  it('a policy without delete only drops segments below the log start offset', () => {
    const engine = createEngine(kind);
    const { log } = filledLog(engine, 60);
    const count = log.segmentCount;
    expect(log.deleteOldSegments(policy({ deleteEnabled: false, retentionBytes: 0, retentionMs: 0 }))).toBe(0);
    expect(log.segmentCount).toBe(count);
    log.close();
  });

  it('DeleteRecords moves the log start inside a segment, survives reopening, and refuses offsets above the high watermark', () => {
    const engine = createEngine(kind);
    const { dir, log } = filledLog(engine, 60);
    const count = log.segmentCount;
    expect(log.deleteRecordsBefore(255, 0)).toBe(255);
    expect(log.segmentCount).toBeLessThan(count);
    expect(log.logStartOffset).toBe(255);
    expect(() => log.read(254, 100)).toThrow(/OFFSET_OUT_OF_RANGE/);
    const read = log.read(255, 100);
    // The batch holding 255 starts at 250: whole batches are served, as Kafka does.
    expect(Number(Buffer.from(read.slice!.bytes).readBigInt64BE(0))).toBe(250);
    read.slice!.release?.();
    expect(log.offsetForTimestamp(0)!.offset).toBe(255);
    expect(log.deleteRecordsBefore(100, 0)).toBe(255);
    expect(() => log.deleteRecordsBefore(601, 0)).toThrow(/OFFSET_OUT_OF_RANGE/);
    expect(log.deleteRecordsBefore(600, 0)).toBe(600);
    expect(log.read(600, 100).slice).toBeNull();
    log.close();
    // Reopened with the checkpointed start offset (the LogManager passes it); a stale
    // `.deleted` file left by a crash is removed.
    writeFileSync(join(dir, '00000000000000000000.log.deleted'), 'x');
    const reopened = PartitionLog.open('t', 0, dir, config(engine, 4096), logger, { logStartOffset: 600 });
    expect(reopened.logStartOffset).toBe(600);
    expect(readdirSync(dir).some((f) => f.endsWith('.deleted'))).toBe(false);
    reopened.close();
  });
});
