/**
 * `wss://` (gregor.websocket.ssl.enabled): the gateway serves TLS with the same PEM keystore
 * as the Kafka listeners (uWebSockets.js SSLApp). A client that trusts the test CA gets the
 * hello and can produce; one that does not trust it, or speaks plain ws://, gets nothing.
 * gregor/client pipelining far more than uSockets' 512 KiB TLS read buffer of big produce
 * requests keeps its socket, and every record lands exactly once (read back with kcat, and
 * over wss:// by gregor/client's consumer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { createFrameCodec } from '../../src/gateway/protocol.js';
import { GregorClient } from '../../src/client/client.js';
import { nodePlatform } from '../../src/client/node.js';
import type { Platform, WebSocketLike } from '../../src/client/platform.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';

const codec = createFrameCodec();

function firstFrame(url: string, options: WebSocket.ClientOptions, send?: unknown): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const frames: Record<string, unknown>[] = [];
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => {
      frames.push(codec.unpack(data) as Record<string, unknown>);
      if (frames.length === 1 && send) ws.send(codec.pack(send));
      else {
        ws.close();
        resolve(frames);
      }
    });
    ws.on('error', reject);
  });
}

/** Node's platform for gregor/client, with `ws` trusting `ca` (Node 20 has no global WebSocket). */
function trustingPlatform(ca: string): Platform {
  return {
    ...nodePlatform,
    openSocket(url) {
      const ws = new WebSocket(url, { ca, perMessageDeflate: false, maxPayload: 0 });
      ws.binaryType = 'nodebuffer';
      return ws as unknown as WebSocketLike;
    },
  };
}

/** Record `i` of the pipelining test: 110 KB, its index at the front, then a letter of its own. */
function bigValue(i: number): Buffer {
  const value = Buffer.alloc(110_000, 0x61 + (i % 26));
  value.write(`record-${i}:`, 0, 'latin1');
  return value;
}

describe('wss:// gateway', () => {
  const dir = makeTempDir('gregor-wss-');
  let certs: TestCertificates;
  let t: TestBroker;

  beforeAll(async () => {
    certs = makeCertificates(dir.path);
    t = await startTestBroker({ properties: { 'gregor.websocket.ssl.enabled': 'true', 'listener.name.websocket.ssl.keystore.location': certs.server.keystorePath } });
    t.broker.logs.createTopic('secure', 1);
  });
  afterAll(async () => {
    await t?.stop();
    dir.remove();
  });

  it('a client trusting the CA gets the hello and produces over TLS', async () => {
    const frames = await firstFrame(`wss://127.0.0.1:${t.broker.websocketPort}/`, { ca: certs.ca.certPem }, { op: 'produce', id: 1, topic: 'secure', partition: 0, records: [{ value: 'over tls' }] });
    expect(frames[0]).toMatchObject({ type: 'hello' });
    expect(frames[1]).toMatchObject({ type: 'result', id: 1 });
    expect(t.broker.logs.partition('secure', 0)!.logEndOffset).toBe(1);
  });

  it('refuses a client that does not trust the certificate, and plain ws://', async () => {
    await expect(firstFrame(`wss://127.0.0.1:${t.broker.websocketPort}/`, {})).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    await expect(firstFrame(`ws://127.0.0.1:${t.broker.websocketPort}/`, { handshakeTimeout: 3000 })).rejects.toThrow();
  });

  it('200 pipelined produce requests of 110 KB each over wss:// land exactly once, on one socket', async () => {
    const count = 200;
    t.broker.logs.createTopic('pipelined', 1);
    const client = await GregorClient.connect(`wss://127.0.0.1:${t.broker.websocketPort}/`, trustingPlatform(certs.ca.certPem), { reconnect: { retries: 3 } });
    const drops: string[] = [];
    client.disconnected.add((err) => drops.push(err.message));
    try {
      // acks=1, no linger: one ~110 KB request per send(), all 200 (22 MB) in flight at once.
      const producer = client.producer({ acks: 1, lingerMs: 0, batchSize: 128 * 1024, bufferMemory: 64 * 1024 * 1024 });
      const sends = Array.from({ length: count }, (_, i) => producer.send({ topic: 'pipelined', messages: [{ key: `k${i}`, value: bigValue(i) }] }));
      const metas = await Promise.all(sends);
      expect(drops).toEqual([]);
      expect(metas.map((m) => m[0]!.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
    } finally {
      await client.close();
    }
    expect(t.broker.logs.partition('pipelined', 0)!.logEndOffset).toBe(count);
    const r = await kcat(['-C', '-b', t.bootstrap, '-t', 'pipelined', '-p', '0', '-o', 'beginning', '-e', '-q', '-X', 'fetch.max.bytes=52428800', '-f', CONSUME_FORMAT]);
    expect(r.code, r.stderr).toBe(0);
    const got = parseConsumed(r.stdout);
    expect(got).toHaveLength(count);
    got.forEach((record, i) => {
      expect(record.offset).toBe(i);
      expect(record.key?.toString()).toBe(`k${i}`);
      expect(record.value?.equals(bigValue(i)), `value of record ${i}`).toBe(true);
    });
  }, 60_000);

  it('a consumer reads the 22 MB back over wss:// (pushes past the pause mark) on one socket', async () => {
    const count = 200;
    const client = await GregorClient.connect(`wss://127.0.0.1:${t.broker.websocketPort}/`, trustingPlatform(certs.ca.certPem), { reconnect: { retries: 3 } });
    const drops: string[] = [];
    client.disconnected.add((err) => drops.push(err.message));
    const got: Array<{ offset: number; key: string; value: Buffer }> = [];
    const pausedTotal = async () => (await t.broker.gateway!.gatewayMetrics.pausedTotal.get()).values[0]?.value ?? 0;
    const pausedBefore = await pausedTotal();
    try {
      const consumer = client.consumer({ autoOffsetReset: 'earliest', maxBytesPerPartition: 8 * 1024 * 1024 });
      await consumer.assign([{ topic: 'pipelined', partition: 0, offset: 0 }]);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count}`)), 30_000);
        consumer.run({
          eachRecord: (r) => {
            got.push({ offset: r.offset, key: Buffer.from(r.key!).toString(), value: Buffer.from(r.value!) });
            if (got.length === count) {
              clearTimeout(timer);
              resolve();
            }
          },
          onError: reject,
        });
      });
      await consumer.close();
    } finally {
      await client.close();
    }
    expect(drops).toEqual([]);
    // The pushes went past the pause mark (1 MiB) and resumed: the queue's pause/drain path ran.
    expect(await pausedTotal()).toBeGreaterThan(pausedBefore);
    got.forEach((record, i) => {
      expect(record.offset).toBe(i);
      expect(record.key).toBe(`k${i}`);
      expect(record.value.equals(bigValue(i)), `value of record ${i}`).toBe(true);
    });
  }, 60_000);
});
