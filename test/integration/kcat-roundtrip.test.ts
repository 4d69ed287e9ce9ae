/**
 * kcat (librdkafka 2.0.2) against a real broker on loopback: metadata, 100,000 keyed binary
 * records with headers produced and consumed back byte for byte, in order per partition,
 * uncompressed and with every codec kcat offers (the broker stores compressed batches as
 * they came, after checking their CRC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { prng, randomBytes } from '../helpers/records.js';

const RECORDS = 100_000;
const PARTITIONS = 3;
const KEY_DELIMITER = 0x1f;
const MESSAGE_DELIMITER = 0x1e;

/** Sizes: 99% between 1 B and 1 KB, 1% between 1 KB and 100 KB (log-uniform), ~35 MB in all. */
function makeRecords(seed: number): Array<{ key: Buffer; value: Buffer }> {
  const rand = prng(seed);
  const exclude = new Set([KEY_DELIMITER, MESSAGE_DELIMITER]);
  const out: Array<{ key: Buffer; value: Buffer }> = [];
  for (let i = 0; i < RECORDS; i++) {
    const big = rand() < 0.01;
    const size = big ? Math.floor(Math.exp(Math.log(1024) + rand() * Math.log(100))) : Math.floor(Math.exp(rand() * Math.log(1024)));
    out.push({ key: Buffer.from(`key-${i}`), value: randomBytes(rand, size, exclude) });
  }
  return out;
}

function kcatInput(records: Array<{ key: Buffer; value: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) parts.push(r.key, Buffer.of(KEY_DELIMITER), r.value, Buffer.of(MESSAGE_DELIMITER));
  return Buffer.concat(parts);
}

describe('kcat round trip', () => {
  let t: TestBroker;
  const records = makeRecords(42);
  const input = kcatInput(records);

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'num.partitions': PARTITIONS } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('kcat -L lists the broker and its topics', async () => {
    t.broker.logs.createTopic('listed-topic', 2);
    const { code, stdout } = await kcat(['-L', '-b', t.bootstrap]);
    expect(code).toBe(0);
    const text = stdout.toString();
    expect(text).toContain(`broker 0 at 127.0.0.1:${t.broker.port}`);
    expect(text).toMatch(/topic "listed-topic" with 2 partitions/);
    expect(text).toMatch(/partition 1, leader 0, replicas: 0, isrs: 0/);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`${RECORDS} keyed binary records with headers come back byte for byte (compression ${codec})`, async () => {
      const topic = `roundtrip-${codec}`;
      const produced = await kcat(
        ['-P', '-b', t.bootstrap, '-t', topic, '-z', codec, '-K', '\\x1f', '-D', '\\x1e', '-H', 'trace=abc', '-H', 'codec=' + codec,
          '-X', 'linger.ms=20', '-X', 'batch.num.messages=2000'],
        input,
        120_000,
      );
      expect(produced.stderr).not.toMatch(/ERROR|Failed/i);
      expect(produced.code).toBe(0);

      const consumed = await kcat(['-C', '-b', t.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 120_000);
      expect(consumed.code).toBe(0);
      const got = parseConsumed(consumed.stdout);
      expect(got).toHaveLength(RECORDS);

      const lastIndexByPartition = new Map<number, number>();
      const lastOffsetByPartition = new Map<number, number>();
      const seen = new Set<number>();
      for (const r of got) {
        const index = Number(r.key!.toString().slice('key-'.length));
        // In order per partition: produce order and offsets both increase.
        expect(index).toBeGreaterThan(lastIndexByPartition.get(r.partition) ?? -1);
        expect(r.offset).toBe((lastOffsetByPartition.get(r.partition) ?? -1) + 1);
        lastIndexByPartition.set(r.partition, index);
        lastOffsetByPartition.set(r.partition, r.offset);
        expect(seen.has(index)).toBe(false);
        seen.add(index);
        if (!r.value!.equals(records[index]!.value)) throw new Error(`value of record ${index} differs`);
        expect(r.headers).toBe(`trace=abc,codec=${codec}`);
      }
      expect(seen.size).toBe(RECORDS);
      expect(lastOffsetByPartition.size).toBe(PARTITIONS);
    });
  }
});
