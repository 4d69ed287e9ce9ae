/**
 * `wss://` (gregor.websocket.ssl.enabled): the gateway serves TLS with the same PEM keystore
 * as the Kafka listeners (uWebSockets.js SSLApp). A client that trusts the test CA gets the
 * hello and can produce; one that does not trust it, or speaks plain ws://, gets nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { createFrameCodec } from '../../src/gateway/protocol.js';

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
});
