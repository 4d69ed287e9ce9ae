/**
 * kcat (librdkafka 2.0.2) against a real broker on loopback: metadata, 100,000 keyed binary
 * records with headers produced and consumed back byte for byte, in order per partition,
 * uncompressed and with every codec kcat offers (the broker stores compressed batches as
 * they came, after checking their CRC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUME_FORMAT, KCAT_PRODUCE_DELIMITERS, checkConsumedExactly, kcat, kcatInput, makeKcatRecords, parseConsumed } from '../helpers/kcat.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const RECORDS = 100_000;
const PARTITIONS = 3;
describe('kcat round trip', () => {
  let t: TestBroker;
  const records = makeKcatRecords(42, RECORDS);
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
        ['-P', '-b', t.bootstrap, '-t', topic, '-z', codec, ...KCAT_PRODUCE_DELIMITERS, '-H', 'trace=abc', '-H', 'codec=' + codec,
          '-X', 'linger.ms=20', '-X', 'batch.num.messages=2000'],
        input,
        120_000,
      );
      expect(produced.stderr).not.toMatch(/ERROR|Failed/i);
      expect(produced.code).toBe(0);

      const consumed = await kcat(['-C', '-b', t.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 120_000);
      expect(consumed.code).toBe(0);
      expect(checkConsumedExactly(parseConsumed(consumed.stdout), records, `trace=abc,codec=${codec}`)).toBe(PARTITIONS);
    });
  }
});
