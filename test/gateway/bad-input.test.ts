/**
 * Bad input on the WebSocket gateway (a real broker, real sockets, frames built by hand):
 * every case is answered with an error frame carrying Kafka's error code and name, the
 * connection stays usable, and nothing is written to the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawSocket } from './raw-socket.js';

const MAX_FRAME = 64 * 1024;

describe('WebSocket gateway: bad input', () => {
  let t: TestBroker;
  let s: RawSocket;
  const logEnd = () => t.broker.logs.partition('bad-input', 0)!.logEndOffset;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'auto.create.topics.enable': false, 'gregor.websocket.max.frame.bytes': MAX_FRAME } });
    t.broker.logs.createTopic('bad-input', 1);
    s = await RawSocket.open(t.broker.websocketPort);
  });
  afterAll(async () => {
    s?.close();
    await t.stop();
  });

  it('malformed MessagePack → INVALID_REQUEST without id', async () => {
    const before = s.frames.length;
    s.sendBytes(new Uint8Array([0xc1, 0xff, 0x00])); // 0xc1 is never used in MessagePack
    const f = await s.waitFor((x) => s.frames.indexOf(x) >= before && x.type === 'error');
    expect(f).toMatchObject({ type: 'error', code: 42, name: 'INVALID_REQUEST' });
    expect(f.id).toBeUndefined();
    expect(f.message).toMatch(/malformed MessagePack/);
  });

  it('a text frame → INVALID_REQUEST', async () => {
    const before = s.frames.length;
    s.sendBytes('{"op":"metadata","id":1}');
    const f = await s.waitFor((x) => s.frames.indexOf(x) >= before && x.type === 'error');
    expect(f).toMatchObject({ code: 42, name: 'INVALID_REQUEST' });
    expect(f.message).toMatch(/binary/);
  });

  it('unknown operation → INVALID_REQUEST with the id', async () => {
    const f = await s.request('frobnicate');
    expect(f).toMatchObject({ type: 'error', code: 42, name: 'INVALID_REQUEST' });
    expect(f.message).toMatch(/unknown operation "frobnicate"/);
  });

  it('a request without id, or with a bad one → INVALID_REQUEST', async () => {
    const before = s.frames.length;
    s.sendFrame({ op: 'metadata' });
    s.sendFrame({ op: 'metadata', id: -4 });
    await s.waitFor(() => s.frames.length >= before + 2);
    const [a, b] = s.frames.slice(before);
    expect(a).toMatchObject({ type: 'error', name: 'INVALID_REQUEST' });
    expect(b).toMatchObject({ type: 'error', name: 'INVALID_REQUEST' });
    expect(b!.message).toMatch(/invalid request id/);
  });

  it('a group operation with a missing or ill-typed field → INVALID_REQUEST naming it', async () => {
    expect(await s.request('joinGroup', { groupId: 'g' })).toMatchObject({ type: 'error', code: 42, name: 'INVALID_REQUEST', message: 'field "protocolType" must be a string' });
    const bad = await s.request('joinGroup', { groupId: 'g', protocolType: 'consumer', protocols: [{ name: 'range', metadata: 'not binary' }] });
    expect(bad).toMatchObject({ code: 42, name: 'INVALID_REQUEST', message: 'field "protocols[0].metadata" must be binary' });
    expect(await s.request('commitOffsets', { groupId: 'g', offsets: [{ topic: 'bad-input', partition: 0 }] })).toMatchObject({ name: 'INVALID_REQUEST', message: 'field "offsets[0].offset" is required' });
    expect(await s.request('fetchOffsets', { groupId: 'g', partitions: 'all' })).toMatchObject({ name: 'INVALID_REQUEST', message: 'field "partitions" must be an array' });
  });

  it('an oversized frame → MESSAGE_TOO_LARGE, nothing written', async () => {
    const f = await s.request('produce', { topic: 'bad-input', partition: 0, records: [{ value: new Uint8Array(MAX_FRAME + 100) }] });
    expect(f).toMatchObject({ type: 'error', code: 10, name: 'MESSAGE_TOO_LARGE' });
    expect(logEnd()).toBe(0);
  });

  it('a frame past uWS maxPayloadLength (2× the limit) closes the socket unread (1006)', async () => {
    const victim = await RawSocket.open(t.broker.websocketPort);
    victim.sendFrame({ op: 'produce', id: 1, topic: 'bad-input', records: [{ value: new Uint8Array(MAX_FRAME * 2 + 100) }] });
    expect(await victim.closed).toBe(1006);
    expect(logEnd()).toBe(0);
  });

  it('invalid topic names → INVALID_TOPIC_EXCEPTION, nothing created', async () => {
    for (const topic of ['', '..', 'a/b', 'x'.repeat(250), 'spaces are bad']) {
      const f = await s.request('produce', { topic, records: [{ value: 'v' }] });
      expect(f).toMatchObject({ type: 'error', code: 17, name: 'INVALID_TOPIC_EXCEPTION' });
    }
    const created = await s.request('createTopic', { topic: 'bad name!' });
    expect(created).toMatchObject({ code: 17, name: 'INVALID_TOPIC_EXCEPTION' });
    expect(t.broker.logs.allTopics().map((x) => x.name)).toEqual(['bad-input']);
  });

  it('produce to a missing topic with auto-create off → UNKNOWN_TOPIC_OR_PARTITION, nothing created', async () => {
    const f = await s.request('produce', { topic: 'missing', records: [{ value: 'v' }] });
    expect(f).toMatchObject({ type: 'error', code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const md = await s.request('metadata', { topics: ['missing'] });
    expect(md.topics[0]).toMatchObject({ name: 'missing', error: { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION' } });
    expect(t.broker.logs.topic('missing')).toBeUndefined();
  });

  it('a corrupt record batch → CORRUPT_MESSAGE, nothing written', async () => {
    const batch = t.broker.engine.encodeRecordBatch([{ key: null, value: new Uint8Array([1, 2, 3]) }]);
    batch[batch.length - 1] ^= 0xff; // breaks the CRC
    const f = await s.request('produce', { topic: 'bad-input', partition: 0, batch });
    expect(f).toMatchObject({ type: 'error', code: 2, name: 'CORRUPT_MESSAGE' });
    expect(logEnd()).toBe(0);
  });

  it('ill-typed fields → INVALID_REQUEST naming the field; bad acks → INVALID_REQUIRED_ACKS', async () => {
    expect(await s.request('fetch', { topic: 'bad-input', partition: 'zero', offset: 0 })).toMatchObject({ name: 'INVALID_REQUEST', message: expect.stringMatching(/"partition"/) });
    expect(await s.request('produce', { topic: 'bad-input', batch: 'not binary' })).toMatchObject({ name: 'INVALID_REQUEST', message: expect.stringMatching(/"batch"/) });
    expect(await s.request('produce', { topic: 'bad-input', records: [{ value: 'v' }], acks: 2 })).toMatchObject({ code: 21, name: 'INVALID_REQUIRED_ACKS' });
    expect(await s.request('produce', { topic: 'bad-input', records: [42] })).toMatchObject({ name: 'INVALID_REQUEST' });
    expect(await s.request('produce', { topic: 'bad-input', partition: 7, records: [{ value: 'v' }] })).toMatchObject({ name: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(logEnd()).toBe(0);
  });

  it('the connection still works after all that', async () => {
    const f = await s.request('produce', { topic: 'bad-input', partition: 0, records: [{ key: 'k', value: 'v' }] });
    expect(f).toMatchObject({ type: 'result', topic: 'bad-input', partitions: [{ partition: 0, baseOffset: 0, recordCount: 1 }] });
    expect(logEnd()).toBe(1);
  });
});
