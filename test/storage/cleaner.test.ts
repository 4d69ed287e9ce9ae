/**
 * The cleaner's parts over real files: the codecs (gzip, xerial snappy, lz4 frames, zstd) and
 * batch rewriting (offsets, counts, CRC-32C), compacted topics refusing keyless records, and
 * the cleaner's policies on a PartitionLog: min.cleanable.dirty.ratio, min.compaction.lag.ms,
 * max.compaction.lag.ms, delete.retention.ms for tombstones, a small dedupe buffer (several
 * passes), and compressed batches compacted and recompressed with their codec.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { applyProperties, defaultConfig } from '../../src/config/broker-config.js';
import { logConfigFields, resolveTopicSettings, validateTopicConfigs } from '../../src/config/topic-config.js';
import { createEngine } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { readBatchHeader } from '../../src/storage/batch-header.js';
import { filterBatch, recordsOf, recordsSection } from '../../src/storage/cleaner/batch-filter.js';
import { Codec, compress, decompress, initCodecs } from '../../src/storage/cleaner/compression.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';
import { PartitionLog } from '../../src/storage/log.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });
const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

/** The batch re-made with its records section compressed by `codec` (attributes, length, CRC fixed). */
function compressBatch(engine: Engine, batch: Uint8Array, codec: number): Buffer {
  const header = readBatchHeader(batch, 0, 0);
  const section = compress(codec, recordsSection(batch, header));
  const out = Buffer.alloc(61 + section.byteLength);
  out.set(batch.subarray(0, 61), 0);
  out.set(section, 61);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE((header.attributes & ~7) | codec, 21);
  out.writeUInt32BE(crcOf(engine, out.subarray(21)), 17);
  return out;
}

function crcOf(engine: Engine, bytes: Uint8Array): number {
  const ptr = engine.memory.alloc(bytes.byteLength);
  engine.memory.write(bytes, ptr);
  const crc = engine.crc32c(ptr, bytes.byteLength);
  engine.memory.free(ptr);
  return crc;
}

describe('codecs and batch rewriting', () => {
  const engine = createEngine('wasm');

  it('every codec round-trips; xerial-framed and raw snappy both read; garbage is CORRUPT_MESSAGE', async () => {
    await initCodecs();
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => `record ${i % 37};`).join(''));
    for (const codec of [Codec.NONE, Codec.GZIP, Codec.SNAPPY, Codec.LZ4, Codec.ZSTD]) {
      const packed = compress(codec, data);
      if (codec !== Codec.NONE) expect(packed.byteLength).toBeLessThan(data.length / 3);
      expect(Buffer.from(decompress(codec, packed)).equals(data)).toBe(true);
    }
    expect(Buffer.from(compress(Codec.SNAPPY, data).subarray(0, 8)).toString('latin1')).toBe('\x82SNAPPY\x00');
    const { compress: rawSnappy } = await import('snappyjs');
    expect(Buffer.from(decompress(Codec.SNAPPY, rawSnappy(data))).equals(data)).toBe(true);
    expect(() => decompress(Codec.GZIP, Buffer.from('not gzip'))).toThrow(KafkaError);
    expect(() => decompress(7, data)).toThrow(/UNSUPPORTED_COMPRESSION_TYPE/);
  });

  it.each([Codec.NONE, Codec.GZIP, Codec.SNAPPY, Codec.LZ4, Codec.ZSTD])('filterBatch (codec %i) keeps offsets and lastOffsetDelta, recomputes count, max timestamp and CRC', async (codec) => {
    await initCodecs();
    const plain = engine.encodeRecordBatch(
      Array.from({ length: 10 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: i === 9 ? null : Buffer.from(`v${i}`), timestamp: NOW + i })),
      { baseOffset: 500, producerId: 7, producerEpoch: 1, baseSequence: 40 },
    );
    const batch = compressBatch(engine, plain, codec);
    const header = readBatchHeader(batch, 0, 0);
    expect(filterBatch(batch, header, () => true, engine)).toBe('all');
    expect(filterBatch(batch, header, () => false, engine)).toBeNull();
    const out = filterBatch(batch, header, (r) => (r.offset - 500) % 3 === 0, engine) as Buffer;
    const h = readBatchHeader(out, 0, 0);
    expect(h).toMatchObject({ baseOffset: 500, lastOffset: 509, recordCount: 4, maxTimestamp: NOW + 9, producerId: 7, producerEpoch: 1, baseSequence: 40, attributes: header.attributes, sizeInBytes: out.length });
    expect(out.readUInt32BE(17)).toBe(crcOf(engine, out.subarray(21)));
    const kept = [...recordsOf(recordsSection(out, h), h)].map((r) => [r.offset, Buffer.from(r.key!).toString(), r.value && Buffer.from(r.value).toString()]);
    expect(kept).toEqual([
      [500, 'k0', 'v0'],
      [503, 'k3', 'v3'],
      [506, 'k6', 'v6'],
      [509, 'k9', null],
    ]);
  });
});

describe.each(['js', 'wasm'] as const)('LogCleaner on a PartitionLog (%s engine)', (kind) => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  function setup(overrides: Record<string, string>, brokerProps: Record<string, string | number> = {}) {
    const dir = makeTempDir();
    dirs.push(dir);
    const engine = createEngine(kind);
    const broker = applyProperties(defaultConfig(), brokerProps);
    const settings = resolveTopicSettings(broker, validateTopicConfigs({ 'cleanup.policy': 'compact', 'segment.bytes': '2048', ...overrides }, broker));
    const config = { engine, tailCapacity: 64 * 1024, ...logConfigFields(settings) };
    const log = PartitionLog.open('c', 0, dir.path, config, logger);
    const cleaner = new LogCleaner(() => [{ log, settings }], { logDir: dir.path, brokerConfig: broker, logger });
    /** Appends 10-record batches: key k<j % keys>, tombstone when `dead(j)`, timestamp `ts(j)`. */
    const write = (count: number, keys: number, ts: (j: number) => number, dead: (j: number) => boolean = () => false, codec = 0) => {
      const start = log.logEndOffset as number;
      for (let i = start; i < start + count; i += 10) {
        const batch = engine.encodeRecordBatch(
          Array.from({ length: 10 }, (_, k) => ({ key: Buffer.from(`k${(i + k) % keys}`), value: dead(i + k) ? null : Buffer.from(`v${i + k}`), timestamp: ts(i + k) })),
        );
        log.append(codec === 0 ? batch : compressBatch(engine, batch, codec), 0);
      }
    };
    const contents = () => {
      const out: Array<[number, string, string | null]> = [];
      for (const seg of log.segmentList) {
        for (const b of seg.batchesFrom(0)) {
          const bytes = seg.read(b, 0);
          for (const r of recordsOf(recordsSection(Buffer.from(bytes.bytes), b), b)) out.push([r.offset, Buffer.from(r.key!).toString(), r.value && Buffer.from(r.value).toString()]);
          bytes.release?.();
        }
      }
      return out;
    };
    return { log, cleaner, write, contents, engine };
  }

  it('a compacted topic refuses records without a key (INVALID_RECORD)', () => {
    const { log, engine } = setup({});
    let code = 0;
    try {
      log.append(engine.encodeRecordBatch([{ key: Buffer.from('a'), value: null }, { key: null, value: Buffer.from('x') }]), 0);
    } catch (err) {
      code = (err as KafkaError).code;
    }
    expect(code).toBe(ErrorCode.INVALID_RECORD);
    expect(log.logEndOffset).toBe(0);
  });

  it('keeps the latest per key, removes tombstones only past delete.retention.ms, and compresses as it found', async () => {
    const { log, cleaner, write, contents } = setup({ 'delete.retention.ms': String(HOUR), 'min.cleanable.dirty.ratio': '0' });
    // Old tombstones (2 h ago) for even keys, recent ones (now) for k1.
    write(300, 20, () => NOW - 2 * HOUR, (j) => j >= 200 && j % 20 % 2 === 0, Codec.LZ4);
    // Tombstone retention is judged per segment (its newest record), so the old records get their own.
    log.roll();
    write(100, 20, () => NOW, (j) => j % 20 === 1, Codec.ZSTD);
    const before = contents();
    const stats = await cleaner.cleanAll(NOW);
    expect(stats).toHaveLength(1);
    const after = contents();
    const active = log.activeSegment.baseOffset;
    // Offsets are unchanged and every record kept is one that was written there.
    for (const rec of after) expect(before.find((b) => b[0] === rec[0])).toEqual(rec);
    const cleanedPart = after.filter(([o]) => o < active);
    const keys = cleanedPart.map(([, k]) => k);
    expect(new Set(keys).size).toBe(keys.length);
    // Old tombstones (older than delete.retention.ms) are gone; the recent k1 tombstone stays.
    expect(cleanedPart.filter(([, , v]) => v === null).every(([, k]) => k === 'k1')).toBe(true);
    expect(cleanedPart.some(([, k, v]) => k === 'k1' && v === null) || after.some(([o, k, v]) => o >= active && k === 'k1' && v === null)).toBe(true);
    expect(stats[0]!.recordsKept).toBeLessThan(stats[0]!.recordsRead);
    // Nothing left to do until more is written.
    expect(await cleaner.cleanAll(NOW)).toEqual([]);
  });

  it('min.cleanable.dirty.ratio, min.compaction.lag.ms and max.compaction.lag.ms decide when', async () => {
    const lazy = setup({ 'min.cleanable.dirty.ratio': '1', 'max.compaction.lag.ms': String(10 * HOUR) });
    lazy.write(300, 5, (j) => NOW - 20 * HOUR + j);
    lazy.write(300, 5, () => NOW);
    // The dirty ratio is 1.0 on a never-cleaned log: cleanable at ratio 1.
    expect(await lazy.cleaner.cleanAll(NOW)).toHaveLength(1);
    lazy.write(300, 5, (j) => NOW - 20 * HOUR + j);
    lazy.write(50, 5, () => NOW);
    // Now the ratio is below 1, but the oldest dirty record is past max.compaction.lag.ms.
    const overdue = await lazy.cleaner.cleanAll(NOW);
    expect(overdue).toHaveLength(1);
    lazy.write(300, 5, () => NOW);
    expect(await lazy.cleaner.cleanAll(NOW)).toEqual([]);

    const young = setup({ 'min.cleanable.dirty.ratio': '0', 'min.compaction.lag.ms': String(HOUR) });
    young.write(300, 5, () => NOW - 2 * HOUR);
    young.write(300, 5, () => NOW);
    const firstYoung = young.log.segmentList.find((s) => s.maxTimestampSoFar >= NOW)!.baseOffset;
    const [stats] = await young.cleaner.cleanAll(NOW);
    expect(stats!.cleanedUpTo).toBe(firstYoung);
    // The young records are all still there.
    expect(young.contents().filter(([o]) => o >= firstYoung)).toHaveLength(young.log.logEndOffset - firstYoung);
  });

  it('a dedupe buffer smaller than the key set cleans in several passes, to the same result', async () => {
    // 1 MiB holds 43,690 keys; 50,000 distinct keys do not fit in one pass.
    const { log, cleaner, write, contents } = setup({ 'min.cleanable.dirty.ratio': '0', 'segment.bytes': String(64 * 1024) }, { 'log.cleaner.dedupe.buffer.size': 1024 * 1024 });
    write(50_000, 50_000, () => NOW);
    write(2_000, 1_000, () => NOW);
    const ends: number[] = [];
    for (;;) {
      const stats = await cleaner.cleanAll(NOW);
      if (stats.length === 0) break;
      ends.push(stats[0]!.cleanedUpTo);
    }
    const active = log.activeSegment.baseOffset;
    expect(ends.length).toBeGreaterThanOrEqual(2);
    expect(ends[0]).toBeLessThan(active);
    expect(ends.at(-1)).toBe(active);
    const cleaned = contents().filter(([o]) => o < active);
    const keys = cleaned.map(([, k]) => k);
    expect(new Set(keys).size).toBe(keys.length);
    // The model: offset j has key k<j> below 50,000, k<j % 1000> above; one latest per key.
    const latest = new Map<string, number>();
    for (let j = 0; j < active; j++) latest.set(`k${j < 50_000 ? j : j % 1000}`, j);
    expect(cleaned.map(([o]) => o)).toEqual([...latest.values()].sort((a, b) => a - b));
  });
});
