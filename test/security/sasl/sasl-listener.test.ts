/**
 * SASL listeners over real sockets (docs/security.html "Authentication using SASL"):
 * kcat (librdkafka) with SASL_SSL and SCRAM-SHA-512, and with PLAIN, produces and consumes
 * 100,000 records byte for byte; a wrong password is an authentication error. Bad input on a
 * SASL_PLAINTEXT listener through a raw client: wrong password and unknown user (same message),
 * malformed SCRAM, a replayed nonce, requests before authentication, an oversized pre-auth
 * frame, a connection that never authenticates; after each, a real client is still served.
 * Gregor's own KafkaClient authenticates with SCRAM and PLAIN (the CLI and inter-broker path).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../../src/network/kafka-client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { setScramCredential } from '../../helpers/scram-users.js';
import { ScramSaslClient } from '../../../src/security/sasl/sasl-client.js';
import { credentialFromPassword } from '../../../src/security/sasl/scram-credential.js';
import { type ScramMechanism } from '../../../src/security/sasl/scram-mechanism.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certificates.js';
import { CONSUME_FORMAT, KCAT_PRODUCE_DELIMITERS, checkConsumedExactly, kcat, kcatInput, makeKcatRecords, parseConsumed } from '../../helpers/kcat.js';
import { type TestBroker, startTestBroker } from '../../helpers/in-process.js';
import { RawClient } from '../../helpers/raw-client.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const RECORDS = 100_000;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const METADATA = 3;
const API_VERSIONS = 18;
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';

describe('SASL listeners', () => {
  const dir = makeTempDir();
  let certs: TestCertificates;
  let t: TestBroker;
  let sslPort: number;
  let saslPort: number;

  beforeAll(async () => {
    certs = makeCertificates(dir.path);
    t = await startTestBroker({
      port: undefined,
      host: undefined,
      properties: {
        'gregor.websocket.port': -1,
        listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
        'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
        'num.partitions': 3,
        'sasl.jaas.config': PLAIN_JAAS,
        'connection.failed.authentication.delay.ms': 50,
        'gregor.authentication.timeout.ms': 1500,
        ...certs.listenerProperties('SASL_SSL'),
      },
    });
    for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as ScramMechanism[]) await setScramCredential(t.broker, 'alice', m, credentialFromPassword(m, 'alice-secret', 8192));
    sslPort = t.broker.listeners[1]!.port;
    saslPort = t.broker.listeners[2]!.port;
  });
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  const saslSslArgs = (mechanism: string, user: string, password: string) => [
    '-b', `127.0.0.1:${sslPort}`,
    '-X', 'security.protocol=SASL_SSL',
    '-X', `ssl.ca.location=${certs.ca.certPath}`,
    '-X', `sasl.mechanisms=${mechanism}`,
    '-X', `sasl.username=${user}`,
    '-X', `sasl.password=${password}`,
  ];

  /** A real client on the SASL_PLAINTEXT listener still works. */
  async function stillServes(): Promise<void> {
    const admin = await KafkaClient.connect(`127.0.0.1:${saslPort}`, 5_000, { tls: null, sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' } });
    try {
      const { response } = await admin.request<{ brokers: unknown[] }>(METADATA, { topics: null, allowAutoTopicCreation: false });
      expect(response.brokers.length).toBe(1);
    } finally {
      admin.close();
    }
  }

  for (const mechanism of ['SCRAM-SHA-512', 'PLAIN']) {
    it(`kcat over SASL_SSL with ${mechanism} produces and consumes ${RECORDS} records byte for byte`, async () => {
      const topic = `sasl-${mechanism.toLowerCase()}`;
      const records = makeKcatRecords(mechanism.length, RECORDS);
      const args = saslSslArgs(mechanism, 'alice', 'alice-secret');
      const produced = await kcat(['-P', ...args, '-t', topic, ...KCAT_PRODUCE_DELIMITERS, '-X', 'linger.ms=20'], kcatInput(records), 120_000);
      expect(produced.stderr).not.toMatch(/ERROR|Failed/i);
      expect(produced.code).toBe(0);
      const consumed = await kcat(['-C', ...args, '-t', topic, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 120_000);
      expect(consumed.code).toBe(0);
      expect(checkConsumedExactly(parseConsumed(consumed.stdout), records)).toBe(3);
      const listed = await kcat(['-L', ...args]);
      expect(listed.stdout.toString()).toContain(`broker 0 at 127.0.0.1:${sslPort}`);
    });
  }

  it('kcat with a wrong password fails with an authentication error (SCRAM and PLAIN)', async () => {
    for (const mechanism of ['SCRAM-SHA-512', 'PLAIN']) {
      const r = await kcat(['-L', ...saslSslArgs(mechanism, 'alice', 'wrong'), '-m', '2'], undefined, 20_000);
      expect(r.code).not.toBe(0);
      expect(r.stderr.toString()).toMatch(/Authentication failed|SASL authentication error/i);
    }
    await stillServes();
  });

  it('the handshake lists the enabled mechanisms; an unknown mechanism is UNSUPPORTED_SASL_MECHANISM and closes', async () => {
    const c = await RawClient.connect(saslPort);
    const r = await c.request(SASL_HANDSHAKE, 1, { mechanism: 'GSSAPI' });
    expect(r.errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    expect(r.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    await c.closed;
    await stillServes();
  });

  /** Runs a raw SCRAM exchange; returns the SaslAuthenticate error message of the failing step. */
  async function rawScram(user: string, password: string): Promise<{ errorCode: number; errorMessage: string | null }> {
    const c = await RawClient.connect(saslPort);
    try {
      expect((await c.request(SASL_HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(0);
      const client = new ScramSaslClient('SCRAM-SHA-256', user, password);
      const first = await c.request(SASL_AUTHENTICATE, 2, { authBytes: await client.start() });
      if (first.errorCode !== 0) return first;
      const final = await c.request(SASL_AUTHENTICATE, 2, { authBytes: await client.evaluate(first.authBytes) });
      if (final.errorCode !== 0) await c.closed;
      return final;
    } finally {
      c.close();
    }
  }

  it('wrong password and unknown user fail with the same SASL_AUTHENTICATION_FAILED message, then close', async () => {
    const wrong = await rawScram('alice', 'nope');
    const unknown = await rawScram('mallory', 'nope');
    expect(wrong.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(unknown.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(unknown.errorMessage).toBe(wrong.errorMessage);
    expect(wrong.errorMessage).not.toMatch(/mallory|alice|unknown|exist/i);
    expect((await rawScram('alice', 'alice-secret')).errorCode).toBe(0);
    await stillServes();
  });

  it('malformed SCRAM messages and a replayed nonce fail and close; the broker keeps serving', async () => {
    for (const bad of ['', 'garbage', 'y,,n=alice,r=abc', 'n,a=bob,n=alice,r=abc', '\u0000\u0001\u0002']) {
      const c = await RawClient.connect(saslPort);
      await c.request(SASL_HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' });
      const r = await c.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from(bad, 'binary') });
      expect(r.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      await c.closed;
    }
    // Replay: a client-final captured from one session, sent in another with the same client nonce.
    const first = await RawClient.connect(saslPort);
    await first.request(SASL_HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' });
    const client = new ScramSaslClient('SCRAM-SHA-256', 'alice', 'alice-secret', 'replayednonce');
    const sf = await first.request(SASL_AUTHENTICATE, 2, { authBytes: await client.start() });
    const captured = (await client.evaluate(sf.authBytes))!;
    expect((await first.request(SASL_AUTHENTICATE, 2, { authBytes: captured })).errorCode).toBe(0);
    first.close();
    const replay = await RawClient.connect(saslPort);
    await replay.request(SASL_HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' });
    await replay.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from('n,,n=alice,r=replayednonce') });
    const replayed = await replay.request(SASL_AUTHENTICATE, 2, { authBytes: captured });
    expect(replayed.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    await replay.closed;
    await stillServes();
  });

  it('SaslHandshake v0 then raw size-prefixed SCRAM tokens (no SaslAuthenticate) authenticates', async () => {
    const c = await RawClient.connect(saslPort);
    expect((await c.request(SASL_HANDSHAKE, 0, { mechanism: 'SCRAM-SHA-512' })).errorCode).toBe(0);
    const raw = async (token: Uint8Array): Promise<Buffer> => {
      const frame = Buffer.alloc(4 + token.length);
      frame.writeInt32BE(token.length);
      frame.set(token, 4);
      const reply = c.nextFrame();
      c.sendRaw(frame);
      return reply;
    };
    const client = new ScramSaslClient('SCRAM-SHA-512', 'alice', 'alice-secret');
    const serverFirst = await raw(await client.start());
    const serverFinal = await raw((await client.evaluate(serverFirst))!);
    expect(await client.evaluate(serverFinal)).toBeNull();
    expect(client.complete).toBe(true);
    const meta = await c.request(METADATA, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(meta.brokers.length).toBe(1);
    c.close();
  });

  it('a request other than ApiVersions/SaslHandshake before authentication closes the connection', async () => {
    const c = await RawClient.connect(saslPort);
    expect((await c.request(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    c.sendRaw(c.encode(METADATA, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
    await c.closed;
    expect(c.isClosed).toBe(true);
    await stillServes();
  });

  it('an oversized frame before authentication closes the connection unread (CVE-2022-34917)', async () => {
    const c = await RawClient.connect(saslPort);
    const header = Buffer.alloc(4);
    header.writeInt32BE(600_000);
    c.sendRaw(header);
    await c.closed;
    expect(c.isClosed).toBe(true);
    await stillServes();
  });

  it('a connection that never authenticates is closed after gregor.authentication.timeout.ms', async () => {
    const c = await RawClient.connect(saslPort);
    await c.request(SASL_HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' });
    const closedIn = await Promise.race([c.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 8_000))]);
    expect(closedIn).toBe('closed');
    await stillServes();
  });

  it('Gregor\'s KafkaClient authenticates with PLAIN over SASL_SSL, and refuses a wrong password', async () => {
    const tls = { ca: certs.ca.certPem };
    const admin = await KafkaClient.connect(`127.0.0.1:${sslPort}`, 5_000, { tls, sasl: { mechanism: 'PLAIN', username: 'bob', password: 'bob-secret' } });
    const { response } = await admin.request<{ brokers: Array<{ port: number }> }>(METADATA, { topics: null, allowAutoTopicCreation: false });
    expect(response.brokers[0]!.port).toBe(sslPort);
    admin.close();
    await expect(KafkaClient.connect(`127.0.0.1:${sslPort}`, 5_000, { tls, sasl: { mechanism: 'PLAIN', username: 'bob', password: 'x' } })).rejects.toThrow(/SASL authentication failed/);
  });
});
