/**
 * Interop both ways with kcat (librdkafka 2.0.2):
 *   - records produced through the WebSocket client are read by `kcat -C` with the same
 *     keys, values, headers, timestamps and partitions; keys whose murmur2 hash is one of
 *     Kafka's published test vectors land where the Java client puts them;
 *   - records produced by `kcat -P` (murmur2 partitioner, gzip too) reach a WebSocket
 *     subscriber with the same keys, values, headers and partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GregorClient, connect, partitionForKey, utf8 } from '../../src/client/node.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { collectRecords } from '../helpers/ws-consume.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const PARTITIONS = 3;
const T0 = Date.UTC(2026, 5, 1);
/** Kafka UtilsTest: murmur2(key) as the Java client computes it. */
const JAVA_MURMUR2: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];
const javaPartition = (hash: number) => (hash & 0x7fffffff) % PARTITIONS;

describe('interop with kcat', () => {
  let t: TestBroker;
  let client: GregorClient;

  beforeAll(async () => {
    t = await startTestBroker();
    client = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`);
  });
  afterAll(async () => {
    await client?.close();
    await t.stop();
  });

  it('WebSocket → kcat: keys, values, headers, timestamps, partitions (Java murmur2 vectors)', async () => {
    await client.createTopic('ws-to-kcat', { partitions: PARTITIONS });
    const producer = client.producer({ lingerMs: 5 });
    const messages = [
      ...JAVA_MURMUR2.map(([key], i) => ({ key, value: `vector-${i}`, headers: { kind: 'vector', n: String(i) }, timestamp: T0 + i })),
      ...Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: `value ${i} ${'é'.repeat(i % 7)}`, headers: { kind: 'bulk', n: String(i) }, timestamp: T0 + 1000 + i })),
    ];
    const metas = await producer.send({ topic: 'ws-to-kcat', messages });
    JAVA_MURMUR2.forEach(([key, hash], i) => expect(metas[i]!.partition, key).toBe(javaPartition(hash)));

    const consumed = await kcat(['-C', '-b', t.bootstrap, '-t', 'ws-to-kcat', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
    expect(consumed.code).toBe(0);
    const got = parseConsumed(consumed.stdout);
    expect(got).toHaveLength(messages.length);
    const byValue = new Map(got.map((r) => [r.value!.toString('utf8'), r]));
    messages.forEach((m, i) => {
      const r = byValue.get(m.value)!;
      expect(r, m.value).toBeDefined();
      expect(r.key!.toString('utf8')).toBe(m.key);
      expect(r.timestamp).toBe(m.timestamp);
      expect(r.partition).toBe(metas[i]!.partition);
      expect(r.offset).toBe(metas[i]!.offset);
      expect(r.headers).toBe(`kind=${m.headers.kind},n=${m.headers.n}`);
    });
    await producer.close();
  });

  for (const codec of ['none', 'gzip']) {
    it(`kcat → WebSocket subscriber (compression ${codec}): same records, murmur2 partitions as kcat's`, async () => {
      const topic = `kcat-to-ws-${codec}`;
      await client.createTopic(topic, { partitions: PARTITIONS });
      const lines = Array.from({ length: 3000 }, (_, i) => `key-${i}\tpayload ${i}`).join('\n') + '\n';
      const produced = await kcat(
        ['-P', '-b', t.bootstrap, '-t', topic, '-K', '\t', '-z', codec, '-H', 'origin=kcat', '-X', 'partitioner=murmur2_random', '-X', 'linger.ms=10'],
        Buffer.from(lines),
      );
      expect(produced.code, produced.stderr).toBe(0);
      const got = await collectRecords(client, topic, 3000);
      const seen = new Set<number>();
      for (const r of got) {
        const i = Number(utf8(r.key)!.slice('key-'.length));
        seen.add(i);
        expect(utf8(r.value)).toBe(`payload ${i}`);
        expect(r.headers.map((h) => [h.key, utf8(h.value)])).toEqual([['origin', 'kcat']]);
        expect(r.partition).toBe(partitionForKey(r.key!, PARTITIONS));
        expect(r.timestampType).toBe('CreateTime');
      }
      expect(seen.size).toBe(3000);
    });
  }

  it('a live subscriber gets records kcat produces after it subscribed', async () => {
    await client.createTopic('live', { partitions: 1 });
    const consumer = client.consumer({ autoOffsetReset: 'latest' });
    await consumer.assign([{ topic: 'live', partition: 0 }]);
    const got: string[] = [];
    const done = new Promise<void>((resolve) =>
      consumer.run({
        eachRecord: (r) => {
          got.push(utf8(r.value)!);
          if (got.length === 3) resolve();
        },
      }),
    );
    const produced = await kcat(['-P', '-b', t.bootstrap, '-t', 'live', '-p', '0'], Buffer.from('one\ntwo\nthree\n'));
    expect(produced.code).toBe(0);
    await done;
    expect(got).toEqual(['one', 'two', 'three']);
    await consumer.close();
  });
});
