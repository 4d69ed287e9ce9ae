/**
 * The Engine contract, run against every engine kind (describe.each): CRC-32C against the
 * RFC 3720 check value and the hardware implementation, encode → validate round trips,
 * targeted validation errors, stamping, index lookups against a model.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, newBatchInfo, SharedMemory, type Engine } from '../../src/engine/index.js';
import { CORRUPT_MESSAGE, INVALID_RECORD } from '../../src/engine/errors.js';
import {
  BASE_OFFSET_OFFSET,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  ATTRIBUTES_OFFSET,
  TIMESTAMP_TYPE_MASK,
} from '../../src/engine/layout.js';
import { KINDS, batchOptionsArb, fixCrc, recordArb, referenceCrc32c, sampleRecords } from './helpers.js';

/** Places bytes in fresh memory; returns the pointer. */
function place(engine: Engine, bytes: Uint8Array): number {
  const p = engine.memory.alloc(bytes.length);
  engine.memory.write(bytes, p);
  return p;
}

function validateCopy(engine: Engine, batch: Uint8Array, available = batch.length): number {
  const p = place(engine, batch);
  try {
    return engine.validateBatch(p, available, newBatchInfo());
  } finally {
    engine.memory.free(p);
  }
}

describe.each(KINDS)('engine %s', (kind) => {
  let engine: Engine;
  beforeAll(() => {
    engine = createEngine(kind, new SharedMemory({ initialPages: 4 }));
  });

  describe('crc32c', () => {
    it('matches the RFC 3720 check value', () => {
      const p = place(engine, Buffer.from('123456789'));
      expect(engine.crc32c(p, 9)).toBe(0xe3069283);
      expect(engine.crc32c(p, 0)).toBe(0);
    });

    it('matches @node-rs/crc32 on random lengths (0..10k) and alignments', () => {
      const p = engine.memory.alloc(10_240 + 64);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 10_240 }), fc.nat(63), (data, offset) => {
          engine.memory.write(data, p + offset);
          expect(engine.crc32c(p + offset, data.length)).toBe(referenceCrc32c(data));
        }),
        { numRuns: 300 },
      );
      engine.memory.free(p);
    });

    it('handles every length around the SIMD block sizes', () => {
      const n = 9 * 1024;
      const data = Buffer.from(Array.from({ length: n + 16 }, (_, i) => (i * 131 + 7) & 255));
      const p = place(engine, data);
      for (let len = 0; len <= n; len += len < 64 ? 1 : len % 1024 < 32 || len % 1024 > 992 ? 1 : 97) {
        expect(engine.crc32c(p + 3, len), `len ${len}`).toBe(referenceCrc32c(data.subarray(3, 3 + len)));
      }
    });

    it('rejects ranges outside the memory', () => {
      expect(() => engine.crc32c(engine.memory.byteLength - 4, 8)).toThrow(RangeError);
      expect(() => engine.crc32c(-1, 1)).toThrow(RangeError);
    });
  });

  describe('encodeRecordBatch → validateBatch', () => {
    it('round-trips random records and options', () => {
      fc.assert(
        fc.property(fc.array(recordArb, { minLength: 1, maxLength: 25 }), batchOptionsArb, (records, options) => {
          const batch = engine.encodeRecordBatch(records, options);
          expect(batch).toBeInstanceOf(Uint8Array);
          expect(batch.buffer).not.toBeInstanceOf(SharedArrayBuffer);
          const p = place(engine, batch);
          const info = newBatchInfo();
          expect(engine.validateBatch(p, batch.length + 7, info)).toBe(batch.length);
          engine.memory.free(p);
          const baseTimestamp = options.baseTimestamp ?? records[0]!.timestamp ?? info.baseTimestamp;
          if (options.baseTimestamp === undefined && records[0]!.timestamp === undefined) {
            expect(Math.abs(info.baseTimestamp - Date.now())).toBeLessThan(60_000);
          }
          const timestamps = records.map((r) => r.timestamp ?? baseTimestamp);
          expect(info).toEqual({
            sizeInBytes: batch.length,
            baseOffset: options.baseOffset ?? 0,
            partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
            magic: 2,
            crc: referenceCrc32c(batch.subarray(ATTRIBUTES_OFFSET)),
            attributes: options.attributes ?? 0,
            lastOffsetDelta: records.length - 1,
            baseTimestamp,
            maxTimestamp: Math.max(...timestamps),
            producerId: options.producerId ?? -1,
            producerEpoch: options.producerEpoch ?? -1,
            baseSequence: options.baseSequence ?? -1,
            recordCount: records.length,
          });
        }),
        { numRuns: 200 },
      );
    });

    it('defaults baseTimestamp to the first record timestamp, then to now', () => {
      const a = engine.encodeRecordBatch([{ key: null, value: null, timestamp: 1234 }, { key: null, value: null }]);
      const info = newBatchInfo();
      expect(validateCopy(engine, a)).toBe(a.length);
      const p = place(engine, a);
      engine.validateBatch(p, a.length, info);
      expect([info.baseTimestamp, info.maxTimestamp]).toEqual([1234, 1234]);
      const before = Date.now();
      const b = engine.encodeRecordBatch([{ key: null, value: Buffer.from('x') }]);
      engine.memory.write(b, p);
      engine.validateBatch(p, b.length, info);
      expect(info.baseTimestamp).toBeGreaterThanOrEqual(before);
      expect(info.baseTimestamp).toBeLessThanOrEqual(Date.now());
    });

    it('rejects what it cannot encode', () => {
      expect(() => engine.encodeRecordBatch([])).toThrow(RangeError);
      expect(() => engine.encodeRecordBatch([{ key: null, value: null }], { attributes: 1 })).toThrow(/uncompressed/);
      expect(() => engine.encodeRecordBatch([{ key: null, value: null, timestamp: 1.5 }])).toThrow(RangeError);
      expect(() => engine.encodeRecordBatch([{ key: null, value: null }], { baseOffset: 2 ** 60 })).toThrow(RangeError);
      expect(() => engine.encodeRecordBatch([{ key: null, value: null }], { producerEpoch: 40000 })).toThrow(RangeError);
    });

    it('encodes large batches (grows its arena and the memory)', () => {
      const records = sampleRecords(2000, 1000);
      const batch = engine.encodeRecordBatch(records, { baseOffset: 5 });
      expect(validateCopy(engine, batch)).toBe(batch.length);
    });
  });

  describe('validateBatch errors', () => {
    const good = () => Buffer.from(createEngine('js').encodeRecordBatch(sampleRecords(5, 20), { baseOffset: 100 }));

    it('CORRUPT_MESSAGE: truncated header or batch, bad lengths, bad magic, bad CRC', () => {
      const b = good();
      expect(validateCopy(engine, b, 60)).toBe(-CORRUPT_MESSAGE);
      expect(validateCopy(engine, b, b.length - 1)).toBe(-CORRUPT_MESSAGE);
      const shortLength = Buffer.from(b);
      shortLength.writeInt32BE(48, BATCH_LENGTH_OFFSET);
      expect(validateCopy(engine, shortLength)).toBe(-CORRUPT_MESSAGE);
      const hugeLength = Buffer.from(b);
      hugeLength.writeInt32BE(0x7fffffff, BATCH_LENGTH_OFFSET);
      expect(validateCopy(engine, hugeLength)).toBe(-CORRUPT_MESSAGE);
      const magic = Buffer.from(b);
      magic[MAGIC_OFFSET] = 1;
      expect(validateCopy(engine, magic)).toBe(-CORRUPT_MESSAGE);
      const crc = Buffer.from(b);
      crc[crc.length - 1]! ^= 1;
      expect(validateCopy(engine, crc)).toBe(-CORRUPT_MESSAGE);
      const codec = Buffer.from(b);
      codec.writeInt16BE(7, ATTRIBUTES_OFFSET);
      fixCrc(codec);
      expect(validateCopy(engine, codec)).toBe(-CORRUPT_MESSAGE);
      const negativeCount = Buffer.from(b);
      negativeCount.writeInt32BE(-1, RECORDS_COUNT_OFFSET);
      fixCrc(negativeCount);
      expect(validateCopy(engine, negativeCount)).toBe(-CORRUPT_MESSAGE);
      // a record length running past the batch
      const recordLength = Buffer.from(b);
      recordLength[RECORDS_OFFSET] = 0x7e; // zigzag 63
      fixCrc(recordLength);
      expect(validateCopy(engine, recordLength)).toBe(-CORRUPT_MESSAGE);
    });

    it('INVALID_RECORD: count, offset deltas', () => {
      const b = good();
      const more = Buffer.from(b);
      more.writeInt32BE(6, RECORDS_COUNT_OFFSET);
      more.writeInt32BE(5, LAST_OFFSET_DELTA_OFFSET);
      fixCrc(more);
      expect(validateCopy(engine, more)).toBe(-INVALID_RECORD);
      const fewer = Buffer.from(b);
      fewer.writeInt32BE(4, RECORDS_COUNT_OFFSET);
      fewer.writeInt32BE(3, LAST_OFFSET_DELTA_OFFSET);
      fixCrc(fewer);
      expect(validateCopy(engine, fewer)).toBe(-INVALID_RECORD);
      const lastDelta = Buffer.from(b);
      lastDelta.writeInt32BE(7, LAST_OFFSET_DELTA_OFFSET);
      fixCrc(lastDelta);
      expect(validateCopy(engine, lastDelta)).toBe(-INVALID_RECORD);
      const zero = Buffer.from(b.subarray(0, RECORDS_OFFSET));
      zero.writeInt32BE(RECORDS_OFFSET - 12, BATCH_LENGTH_OFFSET);
      zero.writeInt32BE(0, RECORDS_COUNT_OFFSET);
      zero.writeInt32BE(-1, LAST_OFFSET_DELTA_OFFSET);
      fixCrc(zero);
      expect(validateCopy(engine, zero)).toBe(-INVALID_RECORD);
      // second record's offsetDelta 1 → 0 (1 byte zigzag 2 → 0): first record's length tells where it is
      const delta = Buffer.from(b);
      const firstLength = delta[RECORDS_OFFSET]! >> 1;
      const second = RECORDS_OFFSET + 1 + firstLength;
      // record: length varint (1 byte here), attributes, timestampDelta (1 byte), offsetDelta
      expect(delta[second + 3]).toBe(2);
      delta[second + 3] = 0;
      fixCrc(delta);
      expect(validateCopy(engine, delta)).toBe(-INVALID_RECORD);
    });

    it('corrects a wrong CreateTime maxTimestamp in place, with the CRC, as Kafka does', () => {
      const b = good();
      const right = b.readBigInt64BE(MAX_TIMESTAMP_OFFSET);
      for (const wrong of [right - 5n, right + 1n]) {
        const maxTs = Buffer.from(b);
        maxTs.writeBigInt64BE(wrong, MAX_TIMESTAMP_OFFSET);
        fixCrc(maxTs);
        const p = place(engine, maxTs);
        const info = newBatchInfo();
        expect(engine.validateBatch(p, maxTs.length, info)).toBe(maxTs.length);
        expect(BigInt(info.maxTimestamp)).toBe(right);
        const after = Buffer.from(engine.memory.view(p, maxTs.length));
        expect(after.equals(b)).toBe(true);
        expect(info.crc).toBe(b.readUInt32BE(17));
        engine.memory.free(p);
      }
      // LogAppendTime batches are left as they are.
      const appendTime = Buffer.from(b);
      appendTime.writeBigInt64BE(right + 1n, MAX_TIMESTAMP_OFFSET);
      appendTime.writeInt16BE(TIMESTAMP_TYPE_MASK, ATTRIBUTES_OFFSET);
      fixCrc(appendTime);
      const p = place(engine, appendTime);
      expect(engine.validateBatch(p, appendTime.length, newBatchInfo())).toBe(appendTime.length);
      expect(engine.memory.view(p, appendTime.length).readBigInt64BE(MAX_TIMESTAMP_OFFSET)).toBe(right + 1n);
      engine.memory.free(p);
    });

    it('compressed batches are checked up to the records only', () => {
      const b = good();
      b.writeInt16BE(4, ATTRIBUTES_OFFSET); // zstd: records are not walked
      b[RECORDS_OFFSET] = 0xff;
      fixCrc(b);
      expect(validateCopy(engine, b)).toBe(b.length);
    });

    it('leaves info untouched when the header is not readable', () => {
      const info = newBatchInfo();
      info.baseOffset = 42;
      const p = place(engine, good());
      expect(engine.validateBatch(p, 30, info)).toBe(-CORRUPT_MESSAGE);
      expect(info.baseOffset).toBe(42);
      expect(() => engine.validateBatch(engine.memory.byteLength - 10, 100, info)).toThrow(RangeError);
    });
  });

  describe('stampBatch', () => {
    it('writes baseOffset and partitionLeaderEpoch, keeping the batch valid', () => {
      fc.assert(
        fc.property(fc.oneof(fc.nat(), fc.maxSafeInteger(), fc.constant(-1)), fc.integer({ min: -0x80000000, max: 0x7fffffff }), (offset, epoch) => {
          const batch = engine.encodeRecordBatch(sampleRecords(3, 10));
          const p = place(engine, batch);
          engine.stampBatch(p, offset, epoch);
          const info = newBatchInfo();
          expect(engine.validateBatch(p, batch.length, info)).toBe(batch.length);
          expect(info.baseOffset).toBe(offset);
          expect(info.partitionLeaderEpoch).toBe(epoch);
          const view = engine.memory.view(p, batch.length);
          expect(view.readBigInt64BE(BASE_OFFSET_OFFSET)).toBe(BigInt(offset));
          expect(view.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET)).toBe(epoch);
          engine.memory.free(p);
        }),
        { numRuns: 50 },
      );
      expect(() => engine.stampBatch(kHeapSafe(engine), 2 ** 53, 0)).toThrow(RangeError);
      expect(() => engine.stampBatch(kHeapSafe(engine), 0, 2 ** 31)).toThrow(RangeError);
    });
  });

  describe('index lookups', () => {
    it('offsetIndexLookup = floor in a sorted array', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: -5, max: 1_000_000 }), { maxLength: 300 }).map((a) => a.sort((x, y) => x - y)),
          fc.array(fc.oneof(fc.integer({ min: -10, max: 1_000_010 }), fc.integer(), fc.double({ noNaN: true })), { minLength: 1, maxLength: 20 }),
          (keys, targets) => {
            const index = Buffer.alloc(keys.length * 8);
            keys.forEach((k, i) => {
              index.writeInt32BE(k, i * 8);
              index.writeInt32BE(i * 100, i * 8 + 4);
            });
            const p = place(engine, index);
            for (const t of targets) {
              let expected = -1;
              for (let i = 0; i < keys.length; i++) if (keys[i]! <= t) expected = i;
              expect(engine.offsetIndexLookup(p, keys.length, t)).toBe(expected);
            }
            engine.memory.free(p);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('timeIndexLookup = floor in a sorted array (int64 keys, duplicates → last)', () => {
      const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 1_600_000_000_000n, max: 1_600_000_100_000n }));
      fc.assert(
        fc.property(
          fc.array(int64, { maxLength: 200 }).map((a) => a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))),
          fc.array(fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_600_000_100_000 }), fc.double({ noNaN: true }), fc.maxSafeInteger()), { minLength: 1, maxLength: 20 }),
          (keys, targets) => {
            const index = Buffer.alloc(keys.length * 12);
            keys.forEach((k, i) => {
              index.writeBigInt64BE(k, i * 12);
              index.writeInt32BE(i, i * 12 + 8);
            });
            const p = place(engine, index);
            for (const t of targets) {
              // model: floor(t) clamped to int64, compared exactly
              const f = Math.floor(t);
              const tb = f >= 2 ** 63 ? 2n ** 63n - 1n : f < -(2 ** 63) ? -(2n ** 63n) : BigInt(f);
              let expected = -1;
              for (let i = 0; i < keys.length; i++) if (keys[i]! <= tb) expected = i;
              expect(engine.timeIndexLookup(p, keys.length, t)).toBe(expected);
            }
            engine.memory.free(p);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('empty indexes and bad arguments', () => {
      expect(engine.offsetIndexLookup(kHeapSafe(engine), 0, 5)).toBe(-1);
      expect(engine.timeIndexLookup(kHeapSafe(engine), 0, 5)).toBe(-1);
      expect(() => engine.offsetIndexLookup(engine.memory.byteLength - 8, 2, 0)).toThrow(RangeError);
      expect(() => engine.timeIndexLookup(kHeapSafe(engine), 1, Number.NaN)).toThrow(RangeError);
    });
  });
});

/** A valid heap address with a little room. */
function kHeapSafe(engine: Engine): number {
  return engine.memory.byteLength - 64;
}
