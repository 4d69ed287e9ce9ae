/**
 * The WASM core and its JS twin must agree bit for bit: same return codes, same BatchInfo
 * (compared as raw result bytes), same encoded bytes, on random and adversarial inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditTable, createEngine, newBatchInfo, SharedMemory } from '../../src/engine/index.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  kBatchInfoSize,
  kCrcScratchAddress,
  kCrcScratchSize,
} from '../../src/engine/layout.js';
import { loadWasmCore } from '../../src/engine/wasm.js';
import { batchOptionsArb, fixCrc, recordArb, referenceCrc32c } from './helpers.js';

const memory = new SharedMemory({ initialPages: 8 });
const js = createEngine('js', memory);
const wasm = createEngine('wasm', memory);
const auditTables = new Map([[js, new AuditTable(memory)], [wasm, new AuditTable(memory)]]);

/** The audit runs the last validateBatch wrote to `table`, as plain data. */
function auditRuns(table: AuditTable) {
  const runs = [];
  for (let i = 0; i < table.runs; i++) runs.push([table.timestamp(i), table.records(i), table.bytes(i)]);
  return { compressed: table.compressed, overflowed: table.overflowed, runs };
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; mask: number; fix: boolean }
  | { kind: 'int32'; field: number; value: number; fix: boolean }
  | { kind: 'int16'; field: number; value: number; fix: boolean }
  | { kind: 'int8'; field: number; value: number; fix: boolean }
  | { kind: 'int64'; field: number; value: bigint; fix: boolean }
  | { kind: 'splice'; at: number; remove: number; insert: Uint8Array; fix: boolean }
  | { kind: 'records'; bytes: Uint8Array; count: number }
  | { kind: 'random'; bytes: Uint8Array };

const int32 = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }), fix: fc.boolean() }),
  fc.record({
    kind: fc.constant('int32' as const),
    field: fc.constantFrom(BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, RECORDS_COUNT_OFFSET),
    value: fc.oneof(int32, fc.constantFrom(0x7fffffff, -0x80000000, 48, 49)),
    fix: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('int16' as const), field: fc.constant(ATTRIBUTES_OFFSET), value: fc.integer({ min: -0x8000, max: 0x7fff }), fix: fc.boolean() }),
  fc.record({ kind: fc.constant('int8' as const), field: fc.constant(MAGIC_OFFSET), value: fc.integer({ min: -128, max: 127 }), fix: fc.boolean() }),
  fc.record({
    kind: fc.constant('int64' as const),
    field: fc.constant(MAX_TIMESTAMP_OFFSET),
    value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fix: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    remove: fc.nat(6),
    insert: fc.uint8Array({ maxLength: 6 }),
    fix: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('records' as const), bytes: fc.uint8Array({ maxLength: 200 }), count: fc.integer({ min: -1, max: 6 }) }),
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
);

/** Applies a mutation; "fix" recomputes the CRC over the declared batch length when possible. */
function mutate(input: Buffer, m: Mutation): Buffer {
  let b = Buffer.from(input);
  const fix = (): void => {
    if (b.length < RECORDS_OFFSET) return;
    fixCrc(b, Math.min(b.length, b.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD));
  };
  switch (m.kind) {
    case 'truncate':
      return b.subarray(0, b.length === 0 ? 0 : m.at % b.length);
    case 'flip':
      if (b.length > 0) b[m.at % b.length]! ^= m.mask;
      if (m.fix) fix();
      return b;
    case 'int32':
    case 'int16':
    case 'int8':
    case 'int64':
      if (b.length < RECORDS_OFFSET) return b;
      if (m.kind === 'int32') b.writeInt32BE(m.value, m.field);
      else if (m.kind === 'int16') b.writeInt16BE(m.value, m.field);
      else if (m.kind === 'int8') b.writeInt8(m.value, m.field);
      else b.writeBigInt64BE(m.value, m.field);
      if (m.fix) fix();
      return b;
    case 'splice': {
      if (b.length <= RECORDS_OFFSET) return b;
      const at = RECORDS_OFFSET + (m.at % (b.length - RECORDS_OFFSET));
      b = Buffer.concat([b.subarray(0, at), m.insert, b.subarray(Math.min(b.length, at + m.remove))]);
      b.writeInt32BE(b.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
      if (m.fix) fix();
      return b;
    }
    case 'records': {
      // valid header, random records: exercises the record walk
      if (b.length < RECORDS_OFFSET) return b;
      b = Buffer.concat([b.subarray(0, RECORDS_OFFSET), m.bytes]);
      b.writeInt32BE(b.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
      b.writeInt32BE(m.count, RECORDS_COUNT_OFFSET);
      b.writeInt32BE(m.count - 1, LAST_OFFSET_DELTA_OFFSET);
      b.writeInt16BE(0, ATTRIBUTES_OFFSET);
      fix();
      return b;
    }
    case 'random':
      return Buffer.from(m.bytes);
  }
}

/** Runs validateBatch on both engines over the same bytes; returns both results and raw result structs. */
function validateBoth(bytes: Uint8Array, available: number) {
  const p = memory.alloc(Math.max(bytes.length, 1));
  memory.write(bytes, p);
  const out = [js, wasm].map((engine) => {
    memory.bytes.fill(0xa5, engine.infoPtr, engine.infoPtr + kBatchInfoSize);
    const info = newBatchInfo();
    const table = auditTables.get(engine)!;
    const result = engine.validateBatch(p, available, info, table);
    return { result, info, raw: Buffer.from(memory.read(engine.infoPtr, kBatchInfoSize)), audit: result > 0 ? auditRuns(table) : null };
  });
  memory.free(p);
  return out;
}

describe('JS twin ⇔ WASM core', () => {
  it('crc32c agrees on random data and alignments', () => {
    const p = memory.alloc(20_000);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12_000 }), fc.nat(4000), (data, at) => {
        memory.write(data, p + at);
        const a = js.crc32c(p + at, data.length);
        expect(wasm.crc32c(p + at, data.length)).toBe(a);
        expect(a).toBe(referenceCrc32c(data));
      }),
      { numRuns: 200 },
    );
    memory.free(p);
  });

  it('encodeRecordBatch produces identical bytes', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), batchOptionsArb, (records, options) => {
        // pin the default baseTimestamp so both calls see the same value
        const opts = { baseTimestamp: 1_700_000_000_000, ...options };
        expect(Buffer.from(wasm.encodeRecordBatch(records, opts))).toEqual(Buffer.from(js.encodeRecordBatch(records, opts)));
      }),
      { numRuns: 300 },
    );
  });

  it('validateBatch agrees on random and adversarial inputs (code, BatchInfo, raw result bytes)', () => {
    const stats = new Map<number, number>();
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 6 }),
        batchOptionsArb,
        fc.array(mutationArb, { minLength: 0, maxLength: 3 }),
        fc.option(fc.nat(400), { nil: undefined }),
        (records, options, mutations, availableCut) => {
          let bytes: Buffer = Buffer.from(js.encodeRecordBatch(records, { baseTimestamp: 1_700_000_000_000, ...options }));
          for (const m of mutations) bytes = mutate(bytes, m);
          const available = availableCut === undefined ? bytes.length : Math.min(bytes.length, availableCut);
          const [a, b] = validateBoth(bytes, available);
          stats.set(a!.result > 0 ? 1 : a!.result, (stats.get(a!.result > 0 ? 1 : a!.result) ?? 0) + 1);
          expect(b!.result).toBe(a!.result);
          expect(b!.info).toEqual(a!.info);
          if (available >= RECORDS_OFFSET) expect(b!.raw).toEqual(a!.raw);
          // the audit runs of the walk (issue 15): same runs, and they account for every record
          expect(b!.audit).toEqual(a!.audit);
          if (a!.audit) {
            expect(a!.audit.overflowed).toBe(false);
            expect(a!.audit.runs.reduce((n, r) => n + r[1]!, 0)).toBe(a!.info.recordCount);
          }
        },
      ),
      { numRuns: 3000 },
    );
    // every outcome is exercised
    expect([...stats.keys()].sort((x, y) => x - y)).toEqual([-87, -2, 1]);
  });

  it('validateBatch agrees on pure random bytes and huge declared lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), (data, length) => {
        const b = Buffer.from(data.length >= 12 ? data : Buffer.concat([data, Buffer.alloc(12 - data.length)]));
        b.writeInt32BE(length, BATCH_LENGTH_OFFSET);
        const [x, y] = validateBoth(b, b.length);
        expect(y!.result).toBe(x!.result);
        expect(y!.info).toEqual(x!.info);
      }),
      { numRuns: 500 },
    );
  });

  it('raw cores agree on int64 conversions at the edges (stamp, time index)', () => {
    const edge = fc.oneof(
      fc.double(),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 63, -(2 ** 63), 2 ** 64, -0, 0.5, -0.5, 2 ** 53 + 2, -(2 ** 62) - 1024),
    );
    const p = memory.alloc(12 * 64);
    fc.assert(
      fc.property(edge, fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 64 }), (v, epoch, keys) => {
        memory.bytes.fill(0, p, p + 16);
        js.core.stampBatch(p, v, epoch);
        const a = Buffer.from(memory.read(p, 16));
        memory.bytes.fill(0, p, p + 16);
        wasm.core.stampBatch(p, v, epoch);
        expect(Buffer.from(memory.read(p, 16))).toEqual(a);

        keys.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        const view = memory.view(p, 12 * 64);
        keys.forEach((k, i) => view.writeBigInt64BE(k, i * 12));
        expect(wasm.core.timeIndexLookup(p, keys.length, v)).toBe(js.core.timeIndexLookup(p, keys.length, v));
      }),
      { numRuns: 1000 },
    );
    memory.free(p);
  });
});

describe('raw WASM core', () => {
  it('aborts (RangeError with the AssemblyScript message) on pointers outside the memory', () => {
    const core = loadWasmCore(memory);
    expect(core).toBe(wasm.core);
    expect(() => core.crc32c(memory.byteLength - 8, 16)).toThrow(/gregor-core: pointer range outside memory/);
    expect(() => core.validateBatch(memory.byteLength - 8, 100, 0, 0, 0)).toThrow(RangeError);
    expect(() => core.offsetIndexLookup(memory.byteLength, 1, 0)).toThrow(RangeError);
    // the instance is still usable afterwards
    const p = memory.alloc(9);
    memory.write(Buffer.from('123456789'), p);
    expect(core.crc32c(p, 9) >>> 0).toBe(0xe3069283);
    memory.free(p);
  });

  it('can move its CRC scratch area (for an instance per thread)', () => {
    const other = new SharedMemory({ initialPages: 2 });
    const scratch = other.alloc(256);
    const core = loadWasmCore(other, { crcScratchPtr: scratch });
    const data = other.alloc(8192);
    for (let i = 0; i < 8192; i++) other.bytes[data + i] = (i * 31) & 255;
    const defaultScratch = [kCrcScratchAddress, kCrcScratchAddress + kCrcScratchSize] as const;
    other.bytes.fill(0, ...defaultScratch); // the default scratch stays untouched from now on
    expect(core.crc32c(data, 8192) >>> 0).toBe(referenceCrc32c(other.read(data, 8192)));
    expect(other.bytes.subarray(...defaultScratch).every((x) => x === 0)).toBe(true);
    expect(() => loadWasmCore(new SharedMemory({ initialPages: 1 }), { crcScratchPtr: 8 })).toThrow(RangeError);
  });
});

describe('audit runs of the validation walk (issue 15)', () => {
  it('group records by timestamp with their key + value bytes, identically in both engines', () => {
    const value = (n: number) => new Uint8Array(n);
    const records = [
      { key: value(3), value: value(10), timestamp: 1_000 },
      { key: null, value: value(5), timestamp: 1_000 },
      { key: value(1), value: null, timestamp: 2_000 },
      { key: null, value: value(7), timestamp: -1 },
      { key: null, value: value(2), timestamp: 1_000 },
    ];
    const bytes = js.encodeRecordBatch(records, { baseTimestamp: 1_000 });
    const [a, b] = validateBoth(bytes, bytes.length);
    expect(a!.result).toBe(bytes.length);
    const expected = { compressed: false, overflowed: false, runs: [[1_000, 2, 18], [2_000, 1, 1], [-1, 1, 7], [1_000, 1, 2]] };
    expect(a!.audit).toEqual(expected);
    expect(b!.audit).toEqual(expected);
  });
});
