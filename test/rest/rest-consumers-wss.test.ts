/**
 * REST consumer instances when the gateway serves wss:// (gregor.websocket.ssl.enabled) with a
 * certificate of a test CA made by openssl: the instance connects to its own gateway over TLS on
 * loopback (trusting exactly the gateway's certificate), joins its group and hands out records
 * produced through the same HTTPS port — the whole exchange by Confluent's v2 shapes over HTTPS.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GregorClient } from '../../src/client/client.js';
import { loopbackPlatform, loopbackUrl } from '../../src/rest/consumers/loopback-platform.js';
import { type TestCertificates, makeCertificates } from '../helpers/certificates.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const V2 = 'application/vnd.kafka.v2+json';

describe('REST consumer instances behind a wss:// gateway', () => {
  const dir = makeTempDir('gregor-rest-wss-');
  let certs: TestCertificates;
  let t: TestBroker;

  /** An HTTPS call trusting the test CA; the answer's status and JSON body. */
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${t.broker.websocketPort}${path}`, { method, ca: certs.ca.certPem, headers: { Accept: V2, 'Content-Type': V2, ...headers } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  beforeAll(async () => {
    certs = makeCertificates(dir.path, ['other']);
    t = await startTestBroker({ properties: { 'gregor.websocket.ssl.enabled': 'true', 'listener.name.websocket.ssl.keystore.location': certs.server.keystorePath, 'group.initial.rebalance.delay.ms': '0' } });
    t.broker.logs.createTopic('tls-in', 2);
  });
  afterAll(async () => {
    await t?.stop();
    dir.remove();
  });

  it('creates an instance, subscribes and reads every record over TLS', async () => {
    const values = ['one', 'two', 'three', 'four'];
    const produced = await call('POST', '/topics/tls-in', { records: values.map((v, i) => ({ partition: i % 2, value: v })) }, { 'Content-Type': 'application/vnd.kafka.string.v2+json' });
    expect(produced.body.offsets.every((o: { error_code: number | null }) => o.error_code === null)).toBe(true);

    const created = await call('POST', '/consumers/tls-group', { name: 'tls-1', format: 'string', 'auto.offset.reset': 'earliest' });
    expect(created, JSON.stringify(created.body)).toMatchObject({ status: 200, body: { instance_id: 'tls-1' } });
    const inst = '/consumers/tls-group/instances/tls-1';
    try {
      expect((await call('POST', `${inst}/subscription`, { topics: ['tls-in'] })).status).toBe(204);
      const got: string[] = [];
      const deadline = Date.now() + 30_000;
      while (got.length < values.length && Date.now() < deadline) {
        const res = await call('GET', `${inst}/records?timeout=1000`, undefined, { Accept: 'application/vnd.kafka.string.v2+json' });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        got.push(...res.body.map((r: { value: string }) => r.value));
      }
      expect(got.sort()).toEqual([...values].sort());
      expect((await call('GET', `${inst}/assignments`)).body.partitions).toHaveLength(2);
    } finally {
      expect((await call('DELETE', inst)).status).toBe(204);
    }
  });

  it("the loopback connection trusts only the gateway's own certificate", async () => {
    const url = loopbackUrl(t.broker.websocketPort, certs.server.keystorePath);
    const own = await GregorClient.connect(url, await loopbackPlatform(certs.server.keystorePath), { reconnect: false });
    await own.close();
    // Another certificate of the same CA is not the gateway's: no connection, no credentials sent.
    await expect(GregorClient.connect(url, await loopbackPlatform(certs.clients['other']!.keystorePath), { reconnect: false })).rejects.toThrow();
  });
});
