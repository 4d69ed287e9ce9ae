/** Shared fixtures for the engine tests. */
import fc from 'fast-check';
import { crc32c as hardwareCrc32c } from '@node-rs/crc32';
import type { EngineKind, RecordInput } from '../../src/engine/engine.js';
import { CRC_COVERED_OFFSET, CRC_OFFSET } from '../../src/engine/layout.js';

export const KINDS: EngineKind[] = ['js', 'wasm'];

/** Reference CRC-32C (SSE4.2 / ARMv8 instructions through @node-rs/crc32). Copies first: SAB views are not accepted everywhere. */
export function referenceCrc32c(bytes: Uint8Array): number {
  return hardwareCrc32c(Buffer.from(bytes)) >>> 0;
}

/** Recomputes the CRC of a batch in place (over [attributes, end)), for mutations that must get past the CRC check. */
export function fixCrc(batch: Uint8Array, size = batch.length): void {
  const dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  if (size < CRC_COVERED_OFFSET || size > batch.length) return;
  dv.setUint32(CRC_OFFSET, referenceCrc32c(batch.subarray(CRC_COVERED_OFFSET, size)));
}

import { prng } from '../helpers/records.js';

export { prng };

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

export const headerArb = fc.record({
  key: fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), bytes(12)),
  value: fc.option(bytes(40), { nil: null }),
});

/** Timestamps: mostly realistic, sometimes extreme safe integers (exercise the int64 paths). */
export const timestampArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 52, -(2 ** 52)) },
  { weight: 1, arbitrary: fc.integer().map((x) => x * 2 ** 21) },
);

export const recordArb: fc.Arbitrary<RecordInput> = fc.record(
  {
    key: fc.option(bytes(40), { nil: null }),
    value: fc.option(bytes(300), { nil: null }),
    headers: fc.array(headerArb, { maxLength: 3 }),
    timestamp: timestampArb,
  },
  { requiredKeys: ['key', 'value'] },
);

export const batchOptionsArb = fc.record(
  {
    baseOffset: fc.oneof(fc.nat(), fc.maxSafeInteger()),
    partitionLeaderEpoch: fc.integer({ min: -1, max: 0x7fffffff }),
    producerId: fc.oneof(fc.constant(-1), fc.nat(), fc.maxSafeInteger()),
    producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
    baseSequence: fc.integer({ min: -1, max: 0x7fffffff }),
    attributes: fc.constantFrom(0, 0x10, 0x20, 0x30),
    baseTimestamp: timestampArb,
  },
  { requiredKeys: [] },
);

/** Simple records with 100-byte values, for fixed-seed inputs. */
export function sampleRecords(count: number, valueSize: number, seed = 1, baseTimestamp = 1_700_000_000_000): RecordInput[] {
  const rnd = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${i}`),
    value: Buffer.from(Array.from({ length: valueSize }, () => Math.floor(rnd() * 256))),
    timestamp: baseTimestamp + Math.floor(rnd() * 50),
    headers: i % 3 === 0 ? [{ key: 'trace', value: Buffer.from([i & 255]) }] : [],
  }));
}
