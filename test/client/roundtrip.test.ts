/**
 * The client library against a real broker over real WebSockets: admin operations, a
 * batching producer (keyed records with headers and timestamps, acks 1 / -1 / 0, every
 * encoder kind), and a consumer reading them back exactly (subscribe from the beginning,
 * fetch, seek, pause/resume).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GregorClient, GregorError, connect, partitionForKey, utf8 } from '../../src/client/node.js';
import { collectRecords } from '../helpers/ws-consume.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const T0 = Date.UTC(2026, 0, 1);

describe('client library round trip', () => {
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

  it('admin: create, describe, delete topics; typed errors', async () => {
    expect(client.encoderKind).toBe('wasm');
    const created = await client.createTopic('admin-topic', { partitions: 4 });
    expect(created).toMatchObject({ topic: 'admin-topic', partitions: 4 });
    expect(created.topicId).toHaveLength(22);
    const md = await client.metadata(['admin-topic']);
    expect(md.topics[0]!.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    const again = await client.createTopic('admin-topic').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(GregorError);
    expect(again).toMatchObject({ code: 36, type: 'TOPIC_ALREADY_EXISTS', retriable: false });
    await client.deleteTopic('admin-topic');
    await expect(client.deleteTopic('admin-topic')).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('produces 20,000 keyed records with headers; a consumer reads back exactly those, where murmur2 put them', async () => {
    await client.createTopic('rt', { partitions: 3 });
    const producer = client.producer({ lingerMs: 2, batchSize: 64 * 1024, acks: -1 });
    const sent = Array.from({ length: 20_000 }, (_, i) => ({
      key: `key-${i % 500}`,
      value: `value-${i}-${'x'.repeat(i % 50)}`,
      headers: { seq: String(i), source: 'roundtrip' },
      timestamp: T0 + i,
    }));
    const metas = (await Promise.all(Array.from({ length: 20 }, (_, c) => producer.send({ topic: 'rt', messages: sent.slice(c * 1000, c * 1000 + 1000) })))).flat();
    expect(metas).toHaveLength(20_000);
    metas.forEach((m, i) => expect(m.partition).toBe(partitionForKey(new TextEncoder().encode(sent[i]!.key), 3)));
    const got = await collectRecords(client, 'rt', 20_000);
    const bySeq = new Map(got.map((r) => [Number(utf8(r.headers.find((h) => h.key === 'seq')!.value)), r]));
    expect(bySeq.size).toBe(20_000);
    sent.forEach((s, i) => {
      const r = bySeq.get(i)!;
      expect(utf8(r.key)).toBe(s.key);
      expect(utf8(r.value)).toBe(s.value);
      expect(r.timestamp).toBe(s.timestamp);
      expect(r.partition).toBe(metas[i]!.partition);
      expect(r.offset).toBe(metas[i]!.offset);
    });
    await producer.close();
  });

  it('acks 0 and 1 produce too; the js and broker encoders write the same records', async () => {
    await client.createTopic('encoders', { partitions: 1 });
    const p0 = client.producer({ acks: 0, lingerMs: 0 });
    const m0 = await p0.send({ topic: 'encoders', messages: [{ key: 'a', value: 'acks0' }] });
    expect(m0[0]).toMatchObject({ partition: 0, offset: -1 });
    await p0.close();
    for (const encoder of ['js', 'broker'] as const) {
      const other = await connect(`ws://127.0.0.1:${t.broker.websocketPort}`, { encoder });
      expect(other.encoderKind).toBe(encoder);
      const p = other.producer({ acks: 1 });
      await p.send({ topic: 'encoders', messages: [{ key: encoder, value: `via ${encoder}`, headers: [['h', null]], timestamp: T0 }] });
      await other.close();
    }
    const got = await collectRecords(client, 'encoders', 3);
    expect(got.map((r) => [utf8(r.key), utf8(r.value), r.offset])).toEqual([
      ['a', 'acks0', 0],
      ['js', 'via js', 1],
      ['broker', 'via broker', 2],
    ]);
    expect(got[2]!.headers).toEqual([{ key: 'h', value: null }]);
    expect(got[2]!.timestamp).toBe(T0);
  });

  it('fetch reads from an offset; seek and pause/resume steer a consumer', async () => {
    await client.createTopic('steer', { partitions: 1 });
    const producer = client.producer({ lingerMs: 0 });
    await producer.send({ topic: 'steer', messages: Array.from({ length: 100 }, (_, i) => ({ value: `v${i}` })) });
    const fetched = await client.fetch({ topic: 'steer', partition: 0, offset: 90 });
    expect(fetched.records.map((r) => utf8(r.value))).toEqual(Array.from({ length: 10 }, (_, i) => `v${90 + i}`));
    expect(fetched).toMatchObject({ highWatermark: 100, logStartOffset: 0, nextOffset: 100 });
    await expect(client.fetch({ topic: 'steer', partition: 0, offset: 101 })).rejects.toMatchObject({ type: 'OFFSET_OUT_OF_RANGE' });

    const consumer = client.consumer();
    await consumer.assign([{ topic: 'steer', partition: 0, offset: 50 }]);
    const seen: number[] = [];
    let release: () => void = () => {};
    const reached = (n: number) => new Promise<void>((r) => (release = () => seen.length >= n && r()));
    let wait = reached(50);
    consumer.run({ eachRecord: (r) => { seen.push(r.offset); release(); } });
    await wait;
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
    await new Promise((r) => setTimeout(r, 20)); // the position moves once the handler returned
    expect(consumer.position({ topic: 'steer', partition: 0 })).toBe(100);
    await consumer.seek({ topic: 'steer', partition: 0, offset: 10 });
    wait = reached(140);
    await wait;
    expect(seen.slice(50)).toEqual(Array.from({ length: 90 }, (_, i) => 10 + i));
    consumer.pause([{ topic: 'steer', partition: 0 }]);
    await producer.send({ topic: 'steer', messages: [{ value: 'after pause' }] });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toHaveLength(140);
    wait = reached(141);
    consumer.resume([{ topic: 'steer', partition: 0 }]);
    await wait;
    expect(seen[140]).toBe(100);
    await consumer.close();
    await producer.close();
  });

  it('produce to a missing topic with auto-create off is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const strict = await startTestBroker({ properties: { 'auto.create.topics.enable': false } });
    const c = await connect(`ws://127.0.0.1:${strict.broker.websocketPort}`);
    try {
      await expect(c.producer().send({ topic: 'nope', messages: [{ value: 'x' }] })).rejects.toMatchObject({ code: 3, type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      expect(strict.broker.logs.topic('nope')).toBeUndefined();
    } finally {
      await c.close();
      await strict.stop();
    }
  });
});
