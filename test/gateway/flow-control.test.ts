/**
 * Subscriptions and fetches over raw WebSocket frames: credit-based flow control (never
 * more bytes pushed than granted; a batch larger than the remaining credit waits), seek
 * epochs, unsubscribe, subscription errors (OFFSET_OUT_OF_RANGE, a deleted topic), fetch
 * long polls woken by an append, listOffsets by timestamp, and /health + /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawSocket, type Received } from './raw-socket.js';

const T0 = Date.UTC(2026, 0, 1);

describe('subscriptions, credit and fetch', () => {
  let t: TestBroker;
  let s: RawSocket;

  const produce = (topic: string, values: string[], timestamp = T0) =>
    s.request('produce', { topic, partition: 0, records: values.map((value, i) => ({ key: `k${i}`, value, timestamp: timestamp + i })) });
  const pushes = (socket: RawSocket, topic: string) => socket.frames.filter((f) => f.type === 'records' && f.topic === topic);
  const bytesOf = (frames: Received[]) => frames.reduce((n, f) => n + (f.batches as Uint8Array).byteLength, 0);
  const settle = () => new Promise((r) => setTimeout(r, 150));

  beforeAll(async () => {
    t = await startTestBroker();
    s = await RawSocket.open(t.broker.websocketPort);
  });
  afterAll(async () => {
    s?.close();
    await t.stop();
  });

  it('never pushes more than the credit granted; a batch larger than the remaining credit waits for more', async () => {
    await s.request('createTopic', { topic: 'credit', partitions: 1 });
    // five batches of ~1.1 KB each
    for (let i = 0; i < 5; i++) await produce('credit', Array.from({ length: 10 }, () => 'x'.repeat(100)));
    const batchSize = t.broker.logs.partition('credit', 0)!.sizeInBytes / 5;
    const sub = await s.request('subscribe', { topic: 'credit', partition: 0, offset: -2, credit: Math.floor(batchSize * 2.5) });
    expect(sub).toMatchObject({ type: 'result', offset: 0, epoch: 0, highWatermark: 50 });
    await settle();
    expect(bytesOf(pushes(s, 'credit'))).toBe(batchSize * 2);
    s.sendFrame({ op: 'credit', topic: 'credit', partition: 0, bytes: Math.floor(batchSize * 0.4) }); // 0.9 batch: still not enough
    await settle();
    expect(bytesOf(pushes(s, 'credit'))).toBe(batchSize * 2);
    s.sendFrame({ op: 'credit', topic: 'credit', partition: 0, bytes: 10 * batchSize });
    await s.waitFor(() => bytesOf(pushes(s, 'credit')) === batchSize * 5);
    // a new append is pushed live, within the remaining credit
    await produce('credit', ['live']);
    await s.waitFor(() => pushes(s, 'credit').some((f) => f.highWatermark === 51));
  });

  it('seek bumps the epoch and pushes from the new position; unsubscribe stops pushes', async () => {
    const before = pushes(s, 'credit').length;
    const seek = await s.request('seek', { topic: 'credit', partition: 0, offset: 20 });
    expect(seek).toMatchObject({ type: 'result', offset: 20, epoch: 1 });
    const after = await s.waitFor((f) => f.type === 'records' && f.topic === 'credit' && f.epoch === 1);
    expect(s.frames.indexOf(after)).toBeGreaterThan(s.frames.indexOf(seek));
    expect(pushes(s, 'credit').length).toBeGreaterThan(before);
    expect(await s.request('unsubscribe', { topic: 'credit', partition: 0 })).toMatchObject({ type: 'result' });
    const count = pushes(s, 'credit').length;
    await produce('credit', ['after unsubscribe']);
    await settle();
    expect(pushes(s, 'credit').length).toBe(count);
    expect(await s.request('unsubscribe', { topic: 'credit', partition: 0 })).toMatchObject({ name: 'INVALID_REQUEST' });
  });

  it('subscribe errors: out of range, unknown partition, twice on one connection', async () => {
    expect(await s.request('subscribe', { topic: 'credit', partition: 0, offset: 1000, credit: 1 })).toMatchObject({ code: 1, name: 'OFFSET_OUT_OF_RANGE' });
    expect(await s.request('subscribe', { topic: 'credit', partition: 3, offset: 0, credit: 1 })).toMatchObject({ code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await s.request('subscribe', { topic: 'credit', partition: 0, offset: -1, credit: 1 });
    expect(await s.request('subscribe', { topic: 'credit', partition: 0, offset: -1, credit: 1 })).toMatchObject({ name: 'INVALID_REQUEST' });
  });

  it('a subscription to a deleted topic ends with an UNKNOWN_TOPIC_OR_PARTITION error frame', async () => {
    await s.request('createTopic', { topic: 'doomed', partitions: 1 });
    await s.request('subscribe', { topic: 'doomed', partition: 0, offset: -1, credit: 1 << 20 });
    const other = await RawSocket.open(t.broker.websocketPort);
    expect(await other.request('deleteTopic', { topic: 'doomed' })).toMatchObject({ type: 'result', topic: 'doomed' });
    other.close();
    const ended = await s.waitFor((f) => f.type === 'error' && f.topic === 'doomed', 5000);
    expect(ended).toMatchObject({ code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', partition: 0 });
    expect(ended.id).toBeUndefined();
  });

  it('fetch: whole batches from an offset; a long poll is woken by an append', async () => {
    await s.request('createTopic', { topic: 'fetched', partitions: 1 });
    await produce('fetched', ['a', 'b', 'c']);
    const f = await s.request('fetch', { topic: 'fetched', partition: 0, offset: 1 });
    expect(f).toMatchObject({ type: 'result', offset: 1, highWatermark: 3, logStartOffset: 0 });
    expect((f.batches as Uint8Array).byteLength).toBeGreaterThan(61);
    const latest = await s.request('fetch', { topic: 'fetched', partition: 0, offset: -1 });
    expect(latest).toMatchObject({ offset: 3 });
    expect((latest.batches as Uint8Array).byteLength).toBe(0);
    const polled = s.request('fetch', { topic: 'fetched', partition: 0, offset: 3, maxWaitMs: 30_000 }, 40_000);
    await settle();
    await produce('fetched', ['d']);
    expect(await polled).toMatchObject({ type: 'result', highWatermark: 4 });
  });

  it('listOffsets: earliest, latest, by timestamp', async () => {
    await s.request('createTopic', { topic: 'timed', partitions: 1 });
    await produce('timed', ['a', 'b', 'c', 'd'], T0);
    expect(await s.request('listOffsets', { topic: 'timed', partition: 0, timestamp: -2 })).toMatchObject({ offset: 0 });
    expect(await s.request('listOffsets', { topic: 'timed', partition: 0, timestamp: -1 })).toMatchObject({ offset: 4 });
    expect(await s.request('listOffsets', { topic: 'timed', partition: 0, timestamp: T0 + 2 })).toMatchObject({ offset: 2, timestamp: T0 + 2 });
    expect(await s.request('listOffsets', { topic: 'timed', partition: 0, timestamp: T0 + 99 })).toMatchObject({ offset: -1 });
  });

  it('GET /health and GET /metrics', async () => {
    const base = `http://127.0.0.1:${t.broker.websocketPort}`;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', nodeId: 0, websocketConnections: 1 });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^gregor_log_end_offset\{topic="timed",partition="0"\} 4$/m);
    expect(text).toMatch(/^gregor_websocket_produce_records_total\{topic="timed"\} 4$/m);
    expect(text).toMatch(/^gregor_websocket_request_duration_seconds_count\{op="produce"\} \d+$/m);
    expect(text).toMatch(/^gregor_websocket_errors_total\{op="subscribe",error="OFFSET_OUT_OF_RANGE"\} 1$/m);
    expect(text).toMatch(/^gregor_consumer_lag_records\{topic="credit",partition="0",consumer="websocket"\} 0$/m);
    expect(text).toMatch(/^gregor_websocket_connections 1$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
