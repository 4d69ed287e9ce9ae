/**
 * Tail buffers within `gregor.tail.buffers.max.bytes` (TailBudget), on real PartitionLogs in a
 * temp dir: a quiet partition's tail starts at 16 KiB and a busy one's doubles up to the
 * capacity; the buffers of many partitions never take more than the budget together (the
 * least recently appended-to give theirs back); and every record reads back byte for byte,
 * from a tail buffer or, once it was given back, from the file.
 */
import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { type LogConfig, PartitionLog } from '../../src/storage/log.js';
import { TailBudget } from '../../src/storage/tail-buffer.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });
const CAPACITY = 64 * 1024;

describe.each(['js', 'wasm'] as const)('tail buffers within a budget (%s engine)', (kind) => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
  const engine = createEngine(kind);
  const config = (budget: TailBudget): LogConfig => ({
    engine, indexIntervalBytes: 512, tailCapacity: CAPACITY, tailBudget: budget, segmentBytes: 1 << 30, rollMs: 3_600_000, maxBatchBytes: 1_000_000, flushIntervalMessages: Number.MAX_SAFE_INTEGER,
  });
  const batch = (seed: number, bytes: number) => engine.encodeRecordBatch([{ key: null, value: Buffer.alloc(bytes, seed & 0xff), timestamp: Date.now() }]);

  it('a busy partition\'s tail grows from 16 KiB to the capacity', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const budget = new TailBudget(1 << 30);
    const log = PartitionLog.open('t', 0, dir.path, config(budget), logger);
    const sizes: number[] = [];
    for (let i = 0; i < 200; i++) {
      log.append(batch(i, 1000), 0);
      if (sizes.at(-1) !== budget.usedBytes) sizes.push(budget.usedBytes);
    }
    expect(sizes).toEqual([16 * 1024, 32 * 1024, 64 * 1024]);
    log.close();
    expect(budget.usedBytes).toBe(0);
  });

  it('many partitions stay within the budget and every record reads back', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const budget = new TailBudget(256 * 1024);
    const logs = Array.from({ length: 40 }, (_, p) => PartitionLog.open('t', p, mkdirSync(`${dir.path}/t-${p}`, { recursive: true })!, config(budget), logger));
    const written = logs.map(() => [] as Uint8Array[]);
    let peak = 0;
    for (let round = 0; round < 30; round++) {
      logs.forEach((log, p) => {
        // Partition 0 is busy every round; the others append now and then.
        if (p !== 0 && (round + p) % 7 !== 0) return;
        const b = batch(round * 100 + p, 700 + p * 10);
        written[p]!.push(b);
        log.append(b.slice(), 0);
        peak = Math.max(peak, budget.usedBytes);
      });
    }
    expect(peak).toBeLessThanOrEqual(256 * 1024);
    expect(budget.slotCount).toBeLessThan(40);
    logs.forEach((log, p) => {
      let offset = 0;
      for (const expected of written[p]!) {
        const read = log.read(offset, 1 << 20);
        const bytes = Buffer.from(read.slice!.bytes).subarray(0, expected.length);
        // The stored batch is the sent one with its base offset and leader epoch stamped.
        expect(bytes.readBigInt64BE(0)).toBe(BigInt(offset));
        expect(bytes.subarray(16).equals(Buffer.from(expected).subarray(16))).toBe(true);
        offset++;
      }
      read(log, offset);
    });
    logs.forEach((log) => log.close());
    expect(budget.usedBytes).toBe(0);
  });
});

function read(log: PartitionLog, end: number): void {
  expect(log.logEndOffset).toBe(end);
  expect(log.read(end, 1000).slice).toBeNull();
}
