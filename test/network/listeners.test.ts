/**
 * Several listeners (docs/security.html "Listener Configuration"): each binds its own port,
 * Metadata and FindCoordinator answer with the advertised endpoint of the listener the client
 * came in on, and SASL requests on a listener without SASL get ILLEGAL_SASL_STATE while the
 * connection stays usable. Bad listener settings stop start-up with a message naming the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/broker-config.js';
import { Broker } from '../../src/broker.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { kcat } from '../helpers/kcat.js';
import { RawClient } from '../helpers/raw-client.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const METADATA = 3;
const FIND_COORDINATOR = 10;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

describe('several listeners', () => {
  let t: TestBroker;
  let internal: number;
  let external: number;

  beforeAll(async () => {
    t = await startTestBroker({
      port: undefined,
      host: undefined,
      properties: {
        listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
        'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
        'advertised.listeners': 'INTERNAL://127.0.0.1:0,EXTERNAL://gregor.example.test:19092',
        'inter.broker.listener.name': 'INTERNAL',
      },
    });
    [internal, external] = t.broker.listeners.map((l) => l.port) as [number, number];
  });
  afterAll(() => t.stop());

  it('binds one port per listener', () => {
    expect(t.broker.listeners.map((l) => l.name)).toEqual(['INTERNAL', 'EXTERNAL']);
    expect(internal).toBeGreaterThan(0);
    expect(external).toBeGreaterThan(0);
    expect(internal).not.toBe(external);
  });

  it('Metadata and FindCoordinator answer with the endpoint of the listener the client uses', async () => {
    for (const [port, host, advertisedPort] of [
      [internal, '127.0.0.1', internal],
      [external, 'gregor.example.test', 19092],
    ] as const) {
      const c = await RawClient.connect(port);
      const metadata = await c.request(METADATA, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(metadata.brokers).toEqual([{ nodeId: 0, host, port: advertisedPort, rack: null }]);
      const coordinator = await c.request(FIND_COORDINATOR, 4, { keyType: 0, coordinatorKeys: ['g'] });
      expect(coordinator.coordinators[0]).toMatchObject({ errorCode: 0, host, port: advertisedPort });
      c.close();
    }
  });

  it('kcat lists the broker under the advertised address of its listener', async () => {
    const r = await kcat(['-L', '-b', `127.0.0.1:${internal}`]);
    expect(r.stderr + r.stdout.toString()).toContain(`broker 0 at 127.0.0.1:${internal}`);
  });

  it('SaslHandshake and SaslAuthenticate on a PLAINTEXT listener get ILLEGAL_SASL_STATE; the connection stays open', async () => {
    const c = await RawClient.connect(internal);
    const handshake = await c.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
    expect(handshake.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    const auth = await c.request(SASL_AUTHENTICATE, 2, { authBytes: new Uint8Array([0, 97, 0, 98]) });
    expect(auth.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    const metadata = await c.request(METADATA, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(metadata.brokers).toHaveLength(1);
    c.close();
  });
});

describe('listener settings that stop start-up', () => {
  it.each([
    [{ listeners: 'A://127.0.0.1:0' }, /listener.security.protocol.map: no security protocol for the listener A/],
    [{ listeners: 'PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0' }, /the listener name PLAINTEXT is used twice/],
    [{ listeners: 'PLAINTEXT://127.0.0.1:0', 'advertised.listeners': 'OTHER://h:1' }, /advertised.listeners: OTHER is not one of the listeners/],
    [{ listeners: 'PLAINTEXT://127.0.0.1:0', 'inter.broker.listener.name': 'INTERNAL' }, /inter.broker.listener.name: there is no listener named INTERNAL/],
    [{ 'listener.security.protocol.map': 'A:KERBEROS' }, /"KERBEROS" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/],
    [{ listeners: 'SSL://127.0.0.1:0' }, /listener SSL uses TLS but has no keystore/],
    [{ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': '/nonexistent' }, /ssl.keystore.type: JKS is not supported/],
    [{ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': '/nonexistent/server.pem' }, /ssl.keystore.location: cannot read \/nonexistent\/server.pem/],
    [{ 'listener.name.plaintext.ssl.bogus': 'x' }, /unknown config key "listener.name.plaintext.ssl.bogus"/],
  ])('refuses %o', async (properties, message) => {
    const dir = makeTempDir();
    try {
      const started = Broker.start({ logDirs: dir.path, websocketPort: -1, properties: properties as Record<string, string> });
      await expect(started).rejects.toThrow(ConfigError);
      await expect(started).rejects.toThrow(message);
    } finally {
      dir.remove();
    }
  });
});
