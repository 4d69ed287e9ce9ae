/**
 * Idempotent producer state (KIP-98) on a PartitionLog over real files: duplicates of any of
 * the last 5 batches are answered with their original offsets and not appended; gaps are
 * OUT_OF_ORDER_SEQUENCE_NUMBER; old epochs INVALID_PRODUCER_EPOCH; a new epoch restarts at 0;
 * sequences wrap at 2^31-1. The state survives a clean close (snapshot), a crash (no
 * snapshot at the log end: replayed from the log), a corrupt snapshot, and a truncated tail.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { PartitionLog, type LogConfig } from '../../src/storage/log.js';
import { decodeProducerSnapshot, encodeProducerSnapshot } from '../../src/storage/producer-snapshot.js';
import { ProducerStateManager, lastSequence } from '../../src/storage/producer-state.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });

function config(engine: Engine, segmentBytes = 1 << 20): LogConfig {
  return { engine, indexIntervalBytes: 512, tailCapacity: 64 * 1024, segmentBytes, rollMs: 3_600_000, maxBatchBytes: 1_000_000, flushIntervalMessages: Number.MAX_SAFE_INTEGER };
}

function codeOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

describe('producer state (pure)', () => {
  const batch = (producerId: number, producerEpoch: number, baseSequence: number, records = 1) => ({ producerId, producerEpoch, baseSequence, lastOffsetDelta: records - 1, maxTimestamp: 1000 });

  it('sequence arithmetic wraps at Int32.MAX', () => {
    expect(lastSequence(10, 4)).toBe(14);
    expect(lastSequence(2147483646, 3)).toBe(1);
  });

  it('checks batches of one request against the state the earlier ones leave', () => {
    const s = new ProducerStateManager();
    const p = s.prepare([batch(7, 0, 0, 3), batch(7, 0, 3, 2)], 't-0');
    p.commit(100);
    expect(s.entry(7)!.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset])).toEqual([
      [0, 2, 100, 102],
      [3, 4, 103, 104],
    ]);
    expect(codeOf(() => s.prepare([batch(7, 0, 5), batch(7, 0, 7)], 't-0'))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(s.prepare([batch(7, 0, 3, 2)], 't-0').duplicate).toMatchObject({ firstOffset: 103, lastOffset: 104 });
  });

  it('snapshots round-trip every remembered batch, and a flipped bit is detected', () => {
    const engine = createEngine('js');
    const s = new ProducerStateManager();
    for (let i = 0; i < 7; i++) s.prepare([batch(1, 2, i * 2, 2)], 't-0').commit(i * 2);
    s.prepare([batch(2 ** 40, 0, 5)], 't-0').commit(50);
    const bytes = encodeProducerSnapshot(s.entries(), engine);
    const back = decodeProducerSnapshot(bytes, engine)!;
    expect(back).toEqual([...s.entries()]);
    expect(back[0]!.batches).toHaveLength(5);
    bytes[bytes.length - 3]! ^= 1;
    expect(decodeProducerSnapshot(bytes, engine)).toBeNull();
  });
});

describe.each(['js', 'wasm'] as const)('idempotent appends on a PartitionLog (%s engine)', (kind) => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  function setup(segmentBytes?: number) {
    const dir = makeTempDir();
    dirs.push(dir);
    const engine = createEngine(kind);
    const open = () => PartitionLog.open('t', 0, dir.path, config(engine, segmentBytes), logger);
    const batch = (producerId: number, producerEpoch: number, baseSequence: number, n = 2) =>
      engine.encodeRecordBatch(
        Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`p${producerId}-e${producerEpoch}-s${baseSequence + i}`) })),
        { producerId, producerEpoch, baseSequence },
      );
    return { dir: dir.path, engine, open, batch };
  }

  it('answers a retry of any of the last 5 batches with its original offsets, and refuses gaps and old epochs', () => {
    const { open, batch } = setup();
    const log = open();
    log.append(batch(-1, -1, -1, 3), 0); // a non-idempotent batch first: offsets 0-2
    const firsts: number[] = [];
    for (let i = 0; i < 6; i++) firsts.push(log.append(batch(42, 0, i * 2), 0).firstOffset);
    expect(firsts).toEqual([3, 5, 7, 9, 11, 13]);
    const leo = log.logEndOffset;
    for (let i = 1; i < 6; i++) {
      const again = log.append(batch(42, 0, i * 2), 0);
      expect(again).toMatchObject({ duplicate: true, firstOffset: firsts[i], lastOffset: firsts[i]! + 1 });
    }
    expect(log.logEndOffset).toBe(leo);
    // The oldest batch fell out of the window: its retry is out of order, as in Kafka.
    expect(codeOf(() => log.append(batch(42, 0, 0), 0))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(codeOf(() => log.append(batch(42, 0, 13), 0))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log.append(batch(42, 0, 12), 0)).toMatchObject({ duplicate: false, firstOffset: leo });
    // A new epoch starts over at 0; the old epoch is then fenced.
    expect(codeOf(() => log.append(batch(42, 1, 5), 0))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log.append(batch(42, 1, 0), 0).duplicate).toBe(false);
    expect(codeOf(() => log.append(batch(42, 0, 14), 0))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // An unknown producer may start at any sequence (its earlier batches may be gone).
    expect(log.append(batch(43, 0, 1000), 0).duplicate).toBe(false);
    expect(log.logEndOffset).toBe(leo + 6);
    log.close();
  });

  it('dedup survives a clean restart (snapshot), a crash (replay), and a corrupt snapshot', () => {
    const { dir, open, batch } = setup(600);
    const log = open();
    for (let i = 0; i < 30; i++) log.append(batch(7, 0, i * 2), 0);
    expect(log.segmentCount).toBeGreaterThan(3);
    const leo = log.logEndOffset;
    log.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.snapshot'))).toContain(`${String(leo).padStart(20, '0')}.snapshot`);

    const afterClean = open();
    expect(afterClean.append(batch(7, 0, 58), 0)).toMatchObject({ duplicate: true, firstOffset: leo - 2 });
    expect(afterClean.append(batch(7, 0, 50), 0)).toMatchObject({ duplicate: true, firstOffset: leo - 10 });
    afterClean.append(batch(7, 0, 60), 0);
    afterClean.append(batch(7, 0, 62), 0);
    // Crash: the log is reopened without close(), so there is no snapshot at its end; the
    // batches after the last roll snapshot are replayed from the segments.
    const afterCrash = open();
    expect(afterCrash.append(batch(7, 0, 62), 0)).toMatchObject({ duplicate: true, firstOffset: leo + 2 });
    expect(afterCrash.append(batch(7, 0, 58), 0)).toMatchObject({ duplicate: true, firstOffset: leo - 2 });
    expect(codeOf(() => afterCrash.append(batch(7, 0, 70), 0))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    afterCrash.close();
    afterClean.close();

    // Every snapshot corrupt: rebuilt from the last two segments.
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.snapshot'))) writeFileSync(join(dir, f), Buffer.from('garbage!'));
    const rebuilt = open();
    expect(rebuilt.append(batch(7, 0, 62), 0)).toMatchObject({ duplicate: true, firstOffset: leo + 2 });
    expect(rebuilt.producerState.entry(7)!.batches.at(-1)!.lastSeq).toBe(63);
    rebuilt.close();
  });
});
