/**
 * KafkaJS as an independent reference: its RecordBatch v2 encoder
 * (kafkajs/src/protocol/recordBatch/v0) must produce the same bytes as ours for the same
 * inputs, and our validator must accept its batches.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, newBatchInfo, SharedMemory } from '../../src/engine/index.js';
import type { RecordInput } from '../../src/engine/engine.js';
import { KINDS } from './helpers.js';

const require = createRequire(import.meta.url);
type KafkaJsEncoder = { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<KafkaJsEncoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: Record<string, unknown>) => unknown;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: number | bigint): unknown };

interface Case {
  records: Array<{ key: Buffer | null; value: Buffer | null; timestamp: number; headers: Array<{ key: string; value: Buffer | null }> }>;
  baseOffset: number;
  partitionLeaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  records: fc.array(
    fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { nil: null }),
      timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_600_000_900_000 }),
      // KafkaJS takes headers as an object (unique keys) and cannot size null header values
      headers: fc.uniqueArray(fc.record({ key: fc.string({ minLength: 1, maxLength: 10 }), value: fc.uint8Array({ maxLength: 20 }).map((a): Buffer | null => Buffer.from(a)) }), {
        selector: (h) => h.key,
        maxLength: 3,
      }),
    }),
    { minLength: 1, maxLength: 20 },
  ),
  baseOffset: fc.oneof(fc.nat(), fc.maxSafeInteger().map(Math.abs)),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 0x7fffffff }),
  producerId: fc.oneof(fc.constant(-1), fc.nat()),
  producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
  baseSequence: fc.integer({ min: -1, max: 0x7fffffff }),
  transactional: fc.boolean(),
});

async function kafkaJsBatch(c: Case): Promise<Buffer> {
  const baseTimestamp = c.records[0]!.timestamp;
  const encoder = await RecordBatch({
    firstOffset: Long.fromValue(BigInt(c.baseOffset)),
    firstTimestamp: baseTimestamp,
    maxTimestamp: Math.max(...c.records.map((r) => r.timestamp)),
    partitionLeaderEpoch: c.partitionLeaderEpoch,
    lastOffsetDelta: c.records.length - 1,
    transactional: c.transactional,
    producerId: Long.fromValue(BigInt(c.producerId)),
    producerEpoch: c.producerEpoch,
    firstSequence: c.baseSequence,
    records: c.records.map((r, i) =>
      Record({
        offsetDelta: i,
        timestampDelta: r.timestamp - baseTimestamp,
        key: r.key,
        value: r.value,
        headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
      }),
    ),
  });
  return encoder.buffer;
}

describe.each(KINDS)('KafkaJS reference (%s)', (kind) => {
  const engine = createEngine(kind, new SharedMemory({ initialPages: 4 }));

  it('our encoder matches KafkaJS byte for byte, and we accept KafkaJS batches', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const reference = await kafkaJsBatch(c);
        // KafkaJS writes headers in Object.keys order (integer-like keys first)
        const records: RecordInput[] = c.records.map((r) => ({
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
          headers: Object.entries(Object.fromEntries(r.headers.map((h) => [h.key, h.value]))).map(([key, value]) => ({ key, value })),
        }));
        const ours = engine.encodeRecordBatch(records, {
          baseOffset: c.baseOffset,
          partitionLeaderEpoch: c.partitionLeaderEpoch,
          producerId: c.producerId,
          producerEpoch: c.producerEpoch,
          baseSequence: c.baseSequence,
          attributes: c.transactional ? 0x10 : 0,
        });
        expect(Buffer.from(ours).toString('hex')).toBe(reference.toString('hex'));

        const p = engine.memory.alloc(reference.length);
        engine.memory.write(reference, p);
        const info = newBatchInfo();
        expect(engine.validateBatch(p, reference.length, info)).toBe(reference.length);
        expect(info.recordCount).toBe(c.records.length);
        expect(info.baseOffset).toBe(c.baseOffset);
        engine.memory.free(p);
      }),
      { numRuns: 150 },
    );
  });
});
