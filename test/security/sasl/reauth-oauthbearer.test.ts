/**
 * Sessions (KIP-368) and OAUTHBEARER (KIP-255, RFC 7628) on a SASL_PLAINTEXT listener, through
 * a raw client and Gregor's KafkaClient:
 * - SaslAuthenticate v1+ reports the session lifetime (`connections.max.reauth.ms`); after it,
 *   a request other than SaslHandshake/SaslAuthenticate closes the connection; re-authenticating
 *   in time keeps the connection serving.
 * - KafkaJS (reauthenticationThreshold) re-authenticates on its connection and keeps producing.
 * - OAUTHBEARER with a JWT signed by the configured key authenticates as User:<sub> with a
 *   session no longer than the token's exp; a forged token gets `{"status":"invalid_token"}`,
 *   then the client's \x01, then SASL_AUTHENTICATION_FAILED.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../../src/network/kafka-client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { setScramCredential } from '../../helpers/scram-users.js';
import { credentialFromPassword } from '../../../src/security/sasl/scram-credential.js';
import { type TestBroker, startTestBroker } from '../../helpers/in-process.js';
import { RawClient } from '../../helpers/raw-client.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const METADATA = 3;
const REAUTH_MS = 1500;
const METADATA_BODY = { topics: null, allowAutoTopicCreation: false };

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

describe('re-authentication (KIP-368) and OAUTHBEARER', () => {
  const dir = makeTempDir();
  let t: TestBroker;
  let port: number;
  let keys: Keys;
  let stranger: Keys;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    stranger = await generateKeyPair('RS256', { extractable: true });
    const pem = join(dir.path, 'jwt.pub.pem');
    writeFileSync(pem, await exportSPKI(keys.publicKey));
    t = await startTestBroker({
      port: undefined,
      host: undefined,
      properties: {
        'gregor.websocket.port': -1,
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'advertised.listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
        'connections.max.reauth.ms': REAUTH_MS,
        'connection.failed.authentication.delay.ms': 10,
        'listener.name.sasl_plaintext.oauthbearer.gregor.sasl.oauthbearer.public.key.location': pem,
        'listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.expected.audience': 'gregor',
      },
    });
    await setScramCredential(t.broker, 'alice', 'SCRAM-SHA-256', credentialFromPassword('SCRAM-SHA-256', 'alice-secret'));
    port = t.broker.listeners[0]!.port;
  });
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  const token = (key: Keys['privateKey'], expSeconds: number, audience = 'gregor') =>
    new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('svc-1').setAudience(audience).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds).sign(key);

  it('SaslAuthenticate reports the session lifetime; a request after it closes; re-authentication keeps serving', async () => {
    const admin = await KafkaClient.connect(`127.0.0.1:${port}`, 5_000, { tls: null, sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' } });
    try {
      expect(admin.sessionExpiresAtMs).not.toBeNull();
      const lifetime = admin.sessionExpiresAtMs! - Date.now();
      expect(lifetime).toBeGreaterThan(0);
      expect(lifetime).toBeLessThanOrEqual(REAUTH_MS);
      // Re-authenticate on the same connection two thirds into the session, then use the
      // connection past the first session's end: the new session serves it.
      const firstExpiry = admin.sessionExpiresAtMs!;
      await new Promise((r) => setTimeout(r, REAUTH_MS * 2 / 3));
      await admin.authenticate('SCRAM-SHA-256', 'alice', 'alice-secret');
      expect(admin.sessionExpiresAtMs!).toBeGreaterThan(firstExpiry + REAUTH_MS / 3);
      await new Promise((r) => setTimeout(r, Math.max(0, firstExpiry - Date.now()) + 150));
      const { response } = await admin.request<{ brokers: unknown[] }>(METADATA, METADATA_BODY);
      expect(response.brokers).toHaveLength(1);
    } finally {
      admin.close();
    }
    const lapsed = await KafkaClient.connect(`127.0.0.1:${port}`, 5_000, { tls: null, sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' } });
    await new Promise((r) => setTimeout(r, REAUTH_MS + 200));
    await expect(lapsed.request(METADATA, METADATA_BODY)).rejects.toThrow(/closed/);
    lapsed.close();
  });

  it('KafkaJS re-authenticates on its connection before the session ends (reauthenticationThreshold)', async () => {
    const logs: string[] = [];
    const kafka = new Kafka({
      clientId: 'reauth-test',
      brokers: [`127.0.0.1:${port}`],
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' },
      reauthenticationThreshold: 1000,
      logLevel: logLevel.DEBUG,
      logCreator: () => ({ log }: { log: { message: string } }) => { logs.push(`${log.message} ${JSON.stringify(log)}`); },
    } as never);
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let i = 0; i < 6; i++) {
        await producer.send({ topic: 'reauth-topic', messages: [{ value: `v${i}` }] });
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await producer.disconnect();
    }
    // Every send after the first lands past the threshold: KafkaJS re-authenticates on the
    // same socket (had the broker refused, KafkaJS would reconnect for each send instead).
    expect(logs.filter((l) => l.startsWith('SASL SCRAM SHA256 authentication successful')).length).toBeGreaterThanOrEqual(4);
    expect(logs.filter((l) => l.startsWith('Connecting ')).length).toBeLessThanOrEqual(2);
  });

  it('re-authentication as another principal fails and closes', async () => {
    await setScramCredential(t.broker, 'bob', 'SCRAM-SHA-256', credentialFromPassword('SCRAM-SHA-256', 'bob-secret'));
    const admin = await KafkaClient.connect(`127.0.0.1:${port}`, 5_000, { tls: null, sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' } });
    await expect(admin.authenticate('SCRAM-SHA-256', 'bob', 'bob-secret')).rejects.toThrow(/SASL authentication failed/);
    admin.close();
  });

  it('OAUTHBEARER: a valid JWT authenticates with a session bounded by exp', async () => {
    const c = await RawClient.connect(port);
    const hs = await c.request(SASL_HANDSHAKE, 1, { mechanism: 'OAUTHBEARER' });
    expect(hs.errorCode).toBe(0);
    expect(hs.mechanisms).toContain('OAUTHBEARER');
    const jwt = await token(keys.privateKey, 1);
    const r = await c.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${jwt}\x01\x01`) });
    expect(r.errorCode).toBe(0);
    expect(r.sessionLifetimeMs).toBeGreaterThan(0);
    expect(r.sessionLifetimeMs).toBeLessThanOrEqual(1000);
    expect((await c.request(METADATA, 9, { ...METADATA_BODY, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).brokers).toHaveLength(1);
    c.close();
  });

  for (const [name, make] of [
    ['a token signed by another key', () => token(stranger.privateKey, 60)],
    ['an expired token', () => token(keys.privateKey, -120)],
    ['a token for another audience', () => token(keys.privateKey, 60, 'someone-else')],
    ['alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"svc-1","aud":"gregor","exp":9999999999}').toString('base64url')}.`],
  ] as const) {
    it(`OAUTHBEARER: ${name} gets invalid_token, then fails after the client's \\x01`, async () => {
      const c = await RawClient.connect(port);
      await c.request(SASL_HANDSHAKE, 1, { mechanism: 'OAUTHBEARER' });
      const first = await c.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${await make()}\x01\x01`) });
      expect(first.errorCode).toBe(0);
      expect(JSON.parse(Buffer.from(first.authBytes).toString())).toEqual({ status: 'invalid_token' });
      const second = await c.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from('\x01') });
      expect(second.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      await c.closed;
    });
  }

  it('OAUTHBEARER: a malformed client message fails and closes', async () => {
    const c = await RawClient.connect(port);
    await c.request(SASL_HANDSHAKE, 1, { mechanism: 'OAUTHBEARER' });
    const r = await c.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from('y,,\x01auth=Bearer x\x01\x01') });
    expect(r.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    await c.closed;
  });
});
