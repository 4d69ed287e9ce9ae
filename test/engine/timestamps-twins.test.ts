/**
 * The leader's timestamp steps (assembly/timestamps.ts and its JS twin): setLogAppendTime
 * writes the same bytes on both engines — a batch that still validates, with the
 * timestamp-type bit, maxTimestamp = the append time and the reference CRC-32C — and
 * firstTimestampOutOfRange gives the same answer on both, equal to a reference computed from
 * the records' timestamps, also on random record bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedMemory, createEngine, newBatchInfo } from '../../src/engine/index.js';
import { ATTRIBUTES_OFFSET, CRC_COVERED_OFFSET, CRC_OFFSET, MAX_TIMESTAMP_OFFSET, RECORDS_OFFSET, RECORDS_COUNT_OFFSET } from '../../src/engine/layout.js';
import { batchOptionsArb, recordArb, referenceCrc32c, timestampArb } from './helpers.js';

const memory = new SharedMemory({ initialPages: 8 });
const js = createEngine('js', memory);
const wasm = createEngine('wasm', memory);

/** Copies `bytes` into memory, runs `f` on its address, frees it. */
function inMemory<T>(bytes: Uint8Array, f: (ptr: number) => T): T {
  const ptr = memory.alloc(Math.max(bytes.length, 1));
  try {
    memory.write(bytes, ptr);
    return f(ptr);
  } finally {
    memory.free(ptr);
  }
}

const boundArb = fc.oneof(timestampArb, fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0), fc.double({ noNaN: true }));

describe('leader timestamp steps: JS twin ⇔ WASM core', () => {
  it('setLogAppendTime writes identical bytes: type bit, maxTimestamp, a CRC that validates', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 6 }), batchOptionsArb, timestampArb, (records, options, now) => {
        const batch = js.encodeRecordBatch(records, { baseTimestamp: 1_700_000_000_000, ...options });
        const [a, b] = [js, wasm].map((engine) =>
          inMemory(batch, (ptr) => {
            const crc = engine.setLogAppendTime(ptr, now);
            return { crc, bytes: Buffer.from(memory.read(ptr, batch.length)) };
          }),
        );
        expect(b!.bytes).toEqual(a!.bytes);
        expect(b!.crc).toBe(a!.crc);
        const out = a!.bytes;
        expect(out.readInt16BE(ATTRIBUTES_OFFSET)).toBe(Buffer.from(batch).readInt16BE(ATTRIBUTES_OFFSET) | 0x08);
        expect(out.readBigInt64BE(MAX_TIMESTAMP_OFFSET)).toBe(BigInt(now));
        expect(out.readUInt32BE(CRC_OFFSET)).toBe(referenceCrc32c(out.subarray(CRC_COVERED_OFFSET)));
        expect(inMemory(out, (ptr) => wasm.validateBatch(ptr, out.length, newBatchInfo()))).toBe(out.length);
        // bytes outside attributes, maxTimestamp and crc are untouched
        const masked = (x: Buffer) => Buffer.concat([x.subarray(0, CRC_OFFSET), x.subarray(ATTRIBUTES_OFFSET + 2, MAX_TIMESTAMP_OFFSET), x.subarray(MAX_TIMESTAMP_OFFSET + 8)]);
        expect(masked(out)).toEqual(masked(Buffer.from(batch)));
      }),
      { numRuns: 300 },
    );
  });

  it('firstTimestampOutOfRange agrees with the reference on valid batches', () => {
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 8 }), batchOptionsArb, boundArb, boundArb, (input, options, x, y) => {
        const [low, high] = x <= y ? [x, y] : [y, x];
        const records = input.map((r) => ({ ...r, timestamp: r.timestamp ?? 1_700_000_000_000 }));
        const batch = js.encodeRecordBatch(records, { ...options, baseTimestamp: records[0]!.timestamp });
        const expected = records.findIndex((r) => r.timestamp !== -1 && (r.timestamp! < low || r.timestamp! > high));
        const want = expected < 0 ? records.length : expected;
        const results = [js, wasm].map((engine) => inMemory(batch, (ptr) => engine.firstTimestampOutOfRange(ptr, ptr + RECORDS_OFFSET, batch.length - RECORDS_OFFSET, low, high)));
        expect(results).toEqual([want, want]);
        outcomes.add(want === records.length ? 'all in range' : 'out of range');
      }),
      { numRuns: 1000 },
    );
    expect(outcomes).toEqual(new Set(['all in range', 'out of range']));
  });

  it('firstTimestampOutOfRange agrees on random record bytes (CORRUPT_MESSAGE or an index)', () => {
    const outcomes = new Set<number>();
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 3 }), fc.uint8Array({ maxLength: 120 }), fc.integer({ min: -1, max: 8 }), boundArb, boundArb, (records, tail, count, x, y) => {
        const [low, high] = x <= y ? [x, y] : [y, x];
        const batch = Buffer.concat([Buffer.from(js.encodeRecordBatch(records, { baseTimestamp: records[0]!.timestamp })).subarray(0, RECORDS_OFFSET), tail]);
        batch.writeInt32BE(count, RECORDS_COUNT_OFFSET);
        const results = [js, wasm].map((engine) => inMemory(batch, (ptr) => engine.firstTimestampOutOfRange(ptr, ptr + RECORDS_OFFSET, tail.length, low, high)));
        expect(results[1]).toBe(results[0]);
        outcomes.add(Math.sign(results[0]!));
      }),
      { numRuns: 2000 },
    );
    expect(outcomes.has(-1)).toBe(true); // some were malformed
  });

  it('arguments are checked', () => {
    expect(() => js.setLogAppendTime(0, 1.5)).toThrow(RangeError);
    expect(() => wasm.firstTimestampOutOfRange(0, 0, 0, Number.NaN, 0)).toThrow(RangeError);
    expect(() => wasm.firstTimestampOutOfRange(0, memory.byteLength, 8, 0, 1)).toThrow(RangeError);
  });
});
