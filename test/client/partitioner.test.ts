/**
 * Kafka's default partitioner: murmur2 matches Kafka's Java `Utils.murmur2` on the vectors
 * of Kafka's UtilsTest and KafkaJS's Java-compatible murmur2 on random keys; keyed
 * partitions match KafkaJS's DefaultPartitioner; keyless records follow KIP-480 (sticky
 * until a new batch, then another partition) through a real producer and broker.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StickyPartitionCache, connect, murmur2, partitionForKey, toPositive } from '../../src/client/node.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;
const { Partitioners } = require('kafkajs') as typeof import('kafkajs');

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('murmur2', () => {
  it("matches Kafka's UtilsTest vectors (Java Utils.murmur2)", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) expect(murmur2(utf8(key)), key).toBe(hash);
  });

  it("equals KafkaJS's Java-compatible murmur2 on random keys of every length class", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(Buffer.from(key)));
      }),
      { numRuns: 5000, seed: 42 },
    );
  });

  it("puts keys where KafkaJS's DefaultPartitioner does", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 7, 12, 100]) {
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));
      for (let i = 0; i < 500; i++) {
        const key = `user-${i * 7919}`;
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: 'v' } } as never);
        expect(partitionForKey(utf8(key), n)).toBe(expected);
      }
    }
  });

  it('toPositive clears the sign bit (not Math.abs)', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });
});

describe('sticky partitioner (KIP-480)', () => {
  it('sticks until a new batch, then moves to another partition', () => {
    const cache = new StickyPartitionCache();
    const first = cache.partition('t', 6);
    for (let i = 0; i < 100; i++) expect(cache.partition('t', 6)).toBe(first);
    let previous = first;
    for (let i = 0; i < 100; i++) {
      const next = cache.onNewBatch('t', 6, previous);
      expect(next).not.toBe(previous);
      expect(cache.partition('t', 6)).toBe(next);
      // a stale onNewBatch for a partition that is no longer sticky changes nothing
      expect(cache.onNewBatch('t', 6, previous)).toBe(next);
      previous = next;
    }
    expect(cache.onNewBatch('single', 1, cache.partition('single', 1))).toBe(0);
  });

  describe('through a producer', () => {
    let t: TestBroker;
    beforeAll(async () => {
      t = await startTestBroker();
    });
    afterAll(async () => {
      await t.stop();
    });

    it('keyless records fill one partition per batch; batches change partition', async () => {
      const client = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`);
      try {
        await client.createTopic('sticky', { partitions: 4 });
        const producer = client.producer({ batchSize: 1000, lingerMs: 1000 });
        // 100 bytes per record in the producer's estimate; 61 bytes of batch header: 9 records fill 1000 bytes
        const value = 'x'.repeat(79);
        const metas = await producer.send({ topic: 'sticky', messages: Array.from({ length: 200 }, () => ({ value })) });
        const runs: Array<{ partition: number; length: number }> = [];
        for (const m of metas) {
          const last = runs[runs.length - 1];
          if (last && last.partition === m.partition) last.length++;
          else runs.push({ partition: m.partition, length: 1 });
        }
        expect(runs).toHaveLength(Math.ceil(200 / 9));
        for (const run of runs.slice(0, -1)) expect(run.length).toBe(9);
        expect(new Set(metas.map((m) => m.partition)).size).toBeGreaterThan(1);
        // consecutive runs are on different partitions (a new batch moves the sticky partition)
        for (let i = 1; i < runs.length; i++) expect(runs[i]!.partition).not.toBe(runs[i - 1]!.partition);
      } finally {
        await client.close();
      }
    });
  });
});
