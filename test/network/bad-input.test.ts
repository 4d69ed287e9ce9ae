/**
 * Bad input on real sockets while a well-behaved kcat producer runs beside it: random
 * bytes, a 2 GiB declared size, unknown API keys and versions, truncated and malformed
 * frames, corrupt and oversized batches, invalid topic names. Each gets Kafka's error code
 * where the protocol has one, or a closed connection; the producer is unaffected and the
 * log holds exactly what it acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { kcat } from '../helpers/kcat.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { prng, randomBytes } from '../helpers/records.js';

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** A request header v1 (apiKey, apiVersion, correlationId, clientId) and `body`. */
function request(apiKey: number, apiVersion: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(7, 4);
  header.writeInt16BE(-1, 8);
  return frame(Buffer.concat([header, body]));
}

describe('bad input', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'message.max.bytes': 10_000 } });
    t.broker.logs.createTopic('victim', 1);
  });
  afterAll(async () => {
    await t.stop();
  });

  async function expectClosed(bytes: Buffer): Promise<void> {
    const c = await RawClient.connect(t.broker.port);
    c.sendRaw(bytes);
    await expect(c.nextFrame(5_000)).rejects.toThrow('connection closed');
    expect(c.isClosed).toBe(true);
  }

  it('closes each bad connection while a kcat producer beside them is unaffected', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `k${i}\tv${i}`).join('\n') + '\n';
    const producer = kcat(['-P', '-b', t.bootstrap, '-t', 'good', '-p', '0', '-K', '\t', '-X', 'linger.ms=1', '-X', 'batch.num.messages=50'], Buffer.from(lines));
    const rand = prng(7);
    const attacks: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const junk = randomBytes(rand, 64 + Math.floor(rand() * 4096));
      junk.writeInt32BE(Math.floor(rand() * 200) - 100, 0); // a small declared size: parsed as garbage
      attacks.push(junk);
      attacks.push(randomBytes(rand, 1024)); // whatever size the first bytes declare
    }
    attacks.push(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])); // 2 GiB declared size
    attacks.push(Buffer.from([0xff, 0xff, 0xff, 0xfe])); // negative size
    attacks.push(request(9999, 0)); // unknown API key
    attacks.push(request(-1, 0)); // unknown API key
    attacks.push(request(0, 99)); // Produce v99
    attacks.push(request(3, 13)); // Metadata v13
    attacks.push(frame(Buffer.from([0, 3, 0]))); // shorter than a header
    const truncatedName = Buffer.alloc(2);
    truncatedName.writeInt16BE(100); // client id claims 100 bytes, none follow
    attacks.push(frame(Buffer.concat([request(3, 1).subarray(4, 12), truncatedName])));
    attacks.push(request(3, 1, Buffer.from([0x00, 0x00, 0x00, 0x05, 0x00]))); // 5 topics, cut short
    await Promise.all(attacks.map((a) => expectClosed(a)));

    const produced = await producer;
    expect(produced.code).toBe(0);
    expect(t.broker.logs.partition('good', 0)!.logEndOffset).toBe(20_000);
    expect(t.broker.logs.partition('victim', 0)!.logEndOffset).toBe(0);
  });

  it('answers an unsupported ApiVersions version with UNSUPPORTED_VERSION and the supported ranges (KIP-511)', async () => {
    const c = await RawClient.connect(t.broker.port);
    const response = c.nextFrame();
    c.sendRaw(request(18, 99));
    const f = await response;
    expect(f.readInt32BE(0)).toBe(7); // correlation id, response header v0
    expect(f.readInt16BE(4)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const count = f.readInt32BE(6);
    const ranges = new Map<number, [number, number]>();
    for (let i = 0; i < count; i++) ranges.set(f.readInt16BE(10 + i * 6), [f.readInt16BE(12 + i * 6), f.readInt16BE(14 + i * 6)]);
    expect(ranges.get(18)).toEqual([0, 4]);
    expect(ranges.get(0)).toEqual([0, 11]);
    expect(ranges.get(1)).toEqual([0, 17]);
    c.close();
  });

  it('answers a corrupt batch with CORRUPT_MESSAGE and an oversized one with MESSAGE_TOO_LARGE, writing nothing', async () => {
    const engine = t.broker.engine;
    const good = engine.encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }]);
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1]! ^= 0x01;
    const large = engine.encodeRecordBatch([{ key: null, value: Buffer.alloc(20_000, 1) }]);
    const c = await RawClient.connect(t.broker.port);
    for (const [records, code] of [
      [corrupt, ErrorCode.CORRUPT_MESSAGE],
      [large, ErrorCode.MESSAGE_TOO_LARGE],
      [Buffer.concat([good, good]), ErrorCode.INVALID_RECORD],
      [good.subarray(0, 40), ErrorCode.CORRUPT_MESSAGE],
    ] as const) {
      const res = await c.request(0, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 'victim', partitionData: [{ index: 0, records }] }],
      });
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(code);
    }
    expect(t.broker.logs.partition('victim', 0)!.logEndOffset).toBe(0);
    const ok = await c.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'victim', partitionData: [{ index: 0, records: good }] }] });
    expect(ok.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    expect(t.broker.logs.partition('victim', 0)!.logEndOffset).toBe(1);
    c.close();
  });

  it('answers invalid topic names with INVALID_TOPIC_EXCEPTION and creates nothing', async () => {
    const c = await RawClient.connect(t.broker.port);
    for (const name of ['bad name', 'a/b', '..', 'x'.repeat(250), '']) {
      const res = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
      expect(res.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
      const created = await c.request(19, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
      expect(created.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    }
    expect(t.broker.logs.allTopics().map((x) => x.name).sort()).toEqual(['good', 'victim']);
    c.close();
  });
});
