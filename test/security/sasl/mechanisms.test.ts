/**
 * The SASL mechanisms driven end to end in process: the real server classes against the real
 * client classes (no sockets here; the listener tests cover the wire). RFC 7677 §3's
 * SCRAM-SHA-256 example is checked byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { parseJaasConfig, plainUsers } from '../../../src/security/sasl/jaas.js';
import { InMemoryScramCredentials } from '../../../src/security/sasl/memory-credentials.js';
import { PlainSaslServer } from '../../../src/security/sasl/plain.js';
import { PlainSaslClient, ScramSaslClient } from '../../../src/security/sasl/sasl-client.js';
import type { SaslServer } from '../../../src/security/sasl/sasl-server.js';
import { ScramSaslServer } from '../../../src/security/sasl/scram.js';
import { credentialFromPassword } from '../../../src/security/sasl/scram-credential.js';
import { type ScramMechanism } from '../../../src/security/sasl/scram-mechanism.js';
import { ConfigError } from '../../../src/config/broker-config.js';

const FAILED = /Authentication failed/;

function store(): InMemoryScramCredentials {
  const s = new InMemoryScramCredentials();
  for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as ScramMechanism[]) s.set('alice', m, credentialFromPassword(m, 'alice-secret', 4096));
  return s;
}

async function scramExchange(mechanism: ScramMechanism, user: string, password: string, credentials = store()): Promise<SaslServer> {
  const server = new ScramSaslServer(mechanism, credentials);
  const client = new ScramSaslClient(mechanism, user, password);
  const serverFirst = await server.evaluate(await client.start());
  const serverFinal = await server.evaluate((await client.evaluate(serverFirst))!);
  expect(await client.evaluate(serverFinal)).toBeNull();
  expect(client.complete).toBe(true);
  return server;
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect((err as Error).name).toBe('SaslAuthenticationError');
    return (err as Error).message;
  }
  throw new Error('expected a SaslAuthenticationError');
}

describe('SCRAM', () => {
  it('RFC 7677 §3 test vector (SCRAM-SHA-256): server-first salt/iterations and server-final signature', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const credentials = new InMemoryScramCredentials();
    credentials.set('user', 'SCRAM-SHA-256', credentialFromPassword('SCRAM-SHA-256', 'pencil', 4096, salt));
    const server = new ScramSaslServer('SCRAM-SHA-256', credentials);
    const client = new ScramSaslClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    expect(Buffer.from(await client.start()).toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const serverFirst = Buffer.from(await server.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'))).toString();
    expect(serverFirst).toMatch(/^r=rOprNGfwEbeRWgbNEkqO[^,]+,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096$/);
    // The RFC's messages use the RFC's server nonce; check the client computes its proof.
    const rfcClient = new ScramSaslClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    await rfcClient.start();
    const final = Buffer.from((await rfcClient.evaluate(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')))!).toString();
    expect(final).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(await rfcClient.evaluate(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toBeNull();
    expect(rfcClient.complete).toBe(true);
    // And the server, given the same exchange, accepts our client and signs.
    const done = await scramExchange('SCRAM-SHA-256', 'user', 'pencil', credentials);
    expect(done.complete).toBe(true);
    expect(done.authorizationId).toBe('user');
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as ScramMechanism[])('%s authenticates with the right password and verifies the server', async (m) => {
    const server = await scramExchange(m, 'alice', 'alice-secret');
    expect(server.complete).toBe(true);
    expect(server.authorizationId).toBe('alice');
  });

  it('wrong password and unknown user fail with the same message; the unknown user still gets a stable salt', async () => {
    const wrong = await errorOf(scramExchange('SCRAM-SHA-512', 'alice', 'nope'));
    const unknown = await errorOf(scramExchange('SCRAM-SHA-512', 'mallory', 'nope'));
    expect(wrong).toMatch(FAILED);
    expect(unknown).toBe(wrong);
    const first = async () => Buffer.from(await new ScramSaslServer('SCRAM-SHA-512', store()).evaluate(Buffer.from('n,,n=mallory,r=abc'))).toString();
    const [a, b] = [await first(), await first()];
    expect(a.split(',').slice(1)).toEqual(b.split(',').slice(1));
    expect(a).toMatch(/,i=4096$/);
  });

  it('a replayed client-final (another session\'s nonce) fails', async () => {
    const credentials = store();
    const s1 = new ScramSaslServer('SCRAM-SHA-256', credentials);
    const c1 = new ScramSaslClient('SCRAM-SHA-256', 'alice', 'alice-secret', 'fixednonce');
    const final1 = (await c1.evaluate(await s1.evaluate(await c1.start())))!;
    await s1.evaluate(final1);
    expect(s1.complete).toBe(true);
    const s2 = new ScramSaslServer('SCRAM-SHA-256', credentials);
    await s2.evaluate(Buffer.from('n,,n=alice,r=fixednonce'));
    expect(await errorOf(s2.evaluate(final1))).toMatch(FAILED);
    expect(s2.complete).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['no gs2 header', 'n=alice,r=abc'],
    ['channel binding y', 'y,,n=alice,r=abc'],
    ['channel binding p', 'p=tls-unique,,n=alice,r=abc'],
    ['authzid of another user', 'n,a=bob,n=alice,r=abc'],
    ['mandatory extension', 'n,,m=x,n=alice,r=abc'],
    ['bad saslname', 'n,,n=al=ice,r=abc'],
    ['nonce with comma space', 'n,,n=alice,r='],
    ['binary garbage', '\u0000\u00ff\u0001,,,'],
    ['tokenauth extension', 'n,,n=alice,r=abc,tokenauth=true'],
  ])('malformed client-first (%s) fails cleanly', async (_name, text) => {
    expect(await errorOf(new ScramSaslServer('SCRAM-SHA-256', store()).evaluate(Buffer.from(text)))).toMatch(FAILED);
  });

  it.each([
    ['no proof', (n: string) => `c=biws,r=${n}`],
    ['bad base64 proof', (n: string) => `c=biws,r=${n},p=!!!`],
    ['short proof', (n: string) => `c=biws,r=${n},p=AAAA`],
    ['wrong channel binding', (n: string) => `c=eSws,r=${n},p=${Buffer.alloc(32).toString('base64')}`],
    ['altered nonce', (n: string) => `c=biws,r=${n}x,p=${Buffer.alloc(32).toString('base64')}`],
    ['garbage', () => '\u0000\u0000'],
  ])('malformed client-final (%s) fails cleanly', async (_name, make) => {
    const server = new ScramSaslServer('SCRAM-SHA-256', store());
    const first = Buffer.from(await server.evaluate(Buffer.from('n,,n=alice,r=abc'))).toString();
    const nonce = first.split(',')[0]!.slice(2);
    expect(await errorOf(server.evaluate(Buffer.from(make(nonce))))).toMatch(FAILED);
    expect(server.complete).toBe(false);
    // Nothing more is accepted after a failure.
    expect(await errorOf(server.evaluate(Buffer.from('x')))).toMatch(FAILED);
  });

  it('the client refuses a server that does not know the password (mutual authentication)', async () => {
    const impostor = new InMemoryScramCredentials();
    impostor.set('alice', 'SCRAM-SHA-256', credentialFromPassword('SCRAM-SHA-256', 'other', 4096));
    const server = new ScramSaslServer('SCRAM-SHA-256', impostor);
    const client = new ScramSaslClient('SCRAM-SHA-256', 'alice', 'alice-secret');
    const final = (await client.evaluate(await server.evaluate(await client.start())))!;
    await expect(server.evaluate(final)).rejects.toThrow(FAILED);
    await expect(client.evaluate(Buffer.from('v=AAAA'))).rejects.toThrow(/server signature/);
  });
});

describe('PLAIN', () => {
  const users = new Map([['alice', 'alice-secret']]);
  const server = () => new PlainSaslServer((u) => users.get(u));

  it('authenticates, with an empty authzid or one equal to the user', async () => {
    const s = server();
    await s.evaluate(await new PlainSaslClient('alice', 'alice-secret').start());
    expect(s.complete).toBe(true);
    expect(s.authorizationId).toBe('alice');
    const s2 = server();
    await s2.evaluate(Buffer.from('alice\u0000alice\u0000alice-secret'));
    expect(s2.authorizationId).toBe('alice');
  });

  it('wrong password and unknown user fail alike; another authzid and malformed messages fail', async () => {
    const wrong = await errorOf(server().evaluate(Buffer.from('\u0000alice\u0000nope')));
    expect(await errorOf(server().evaluate(Buffer.from('\u0000mallory\u0000nope')))).toBe(wrong);
    expect(await errorOf(server().evaluate(Buffer.from('bob\u0000alice\u0000alice-secret')))).toMatch(FAILED);
    expect(await errorOf(server().evaluate(Buffer.from('alice-secret')))).toMatch(FAILED);
    expect(await errorOf(server().evaluate(Buffer.from('\u0000alice\u0000alice-secret\u0000x')))).toMatch(FAILED);
  });
});

describe('JAAS', () => {
  it('parses Kafka\'s syntax, quoted and bare values, escapes', () => {
    const e = parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a\\"b;c" user_admin="a\\"b;c" user_alice=secret;', 'sasl.jaas.config');
    expect(e.flag).toBe('required');
    expect(e.options.get('password')).toBe('a"b;c');
    expect([...plainUsers(e)]).toEqual([['admin', 'a"b;c'], ['alice', 'secret']]);
  });

  it.each([
    ['an unknown login module (CVE-2023-25194)', 'com.sun.security.auth.module.JndiLoginModule required user.provider.url="ldap://evil";'],
    ['no flag', 'org.apache.kafka.common.security.plain.PlainLoginModule user_a="b";'],
    ['no semicolon', 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b"'],
    ['unterminated quote', 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b;'],
    ['two entries', 'org.apache.kafka.common.security.plain.PlainLoginModule required; org.apache.kafka.common.security.scram.ScramLoginModule required;'],
    ['missing value', 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a=;'],
  ])('%s is a ConfigError naming the key', (_name, text) => {
    expect(() => parseJaasConfig(text, 'listener.name.sasl_ssl.plain.sasl.jaas.config')).toThrow(ConfigError);
    expect(() => parseJaasConfig(text, 'listener.name.sasl_ssl.plain.sasl.jaas.config')).toThrow(/listener\.name\.sasl_ssl\.plain\.sasl\.jaas\.config/);
  });
});
