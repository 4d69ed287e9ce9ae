/**
 * WebSocket login with SASL (`gregor.websocket.authentication=sasl`): gregor/client runs PLAIN
 * or SCRAM-SHA-256/512 against the same users as the Kafka listeners (SCRAM credentials in the
 * broker's store, PLAIN users in the websocket listener's JAAS entry), in Node and in headless
 * Chromium (Web Crypto); the principal meets the same ACLs. Wrong passwords, unknown users,
 * unknown mechanisms, out-of-order steps and frames before login are refused and the socket
 * closed; a session with `connections.max.reauth.ms` re-authenticates in-band.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/node.js';
import { AclAuthorizer } from '../../src/security/acl/acl-authorizer.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { ScramSaslClient } from '../../src/security/sasl/sasl-client.js';
import { credentialFromPassword } from '../../src/security/sasl/scram-credential.js';
import { type TestBrowser, launchChromium } from '../helpers/chromium.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { setScramCredential } from '../helpers/scram-users.js';
import { RawSocket } from './raw-socket.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('WebSocket login with SASL PLAIN and SCRAM', () => {
  let t: TestBroker;
  const url = () => `ws://127.0.0.1:${t.broker.websocketPort}/`;
  const errorName = (p: Promise<unknown>) => p.then(() => 'connected', (err: { type?: string; name?: string }) => err.type ?? err.name);

  beforeAll(async () => {
    t = await startTestBroker({
      properties: {
        'gregor.websocket.authentication': 'sasl',
        'listener.name.websocket.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        'listener.name.websocket.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";',
        'listener.name.websocket.connections.max.reauth.ms': 60_000,
        'gregor.authentication.timeout.ms': 1500,
        'connection.failed.authentication.delay.ms': 50,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      },
    });
    for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) await setScramCredential(t.broker, 'alice', m, credentialFromPassword(m, 'alice-secret', 4096));
    t.broker.logs.createTopic('a', 1);
    t.broker.logs.createTopic('b', 1);
    const allow = (principal: string, operation: AclOperation) => ({ resourceType: ResourceType.TOPIC, resourceName: 'a', patternType: PatternType.LITERAL, principal, host: '*', operation, permissionType: AclPermissionType.ALLOW });
    await (t.broker.authorizer as AclAuthorizer).create([allow('User:alice', AclOperation.WRITE), allow('User:alice', AclOperation.READ), allow('User:bob', AclOperation.READ)]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('the hello names the mode and the mechanisms', async () => {
    const s = await RawSocket.open(t.broker.websocketPort);
    expect(s.frames[0]).toMatchObject({ type: 'hello', authentication: 'sasl', saslMechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    s.close();
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('gregor/client logs in with %s and is User:alice under her ACLs', async (mechanism) => {
    const before = t.broker.logs.partition('a', 0)!.logEndOffset;
    const client = await connect(url(), { sasl: { mechanism, username: 'alice', password: 'alice-secret' }, reconnect: false });
    const producer = client.producer();
    await producer.send({ topic: 'a', messages: [{ key: 'k', value: `via ${mechanism}` }] });
    const fetched = await client.fetch({ topic: 'a', partition: 0, offset: before });
    expect(fetched.records.map((r) => Buffer.from(r.value!).toString())).toEqual([`via ${mechanism}`]);
    await expect(producer.send({ topic: 'b', messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await client.close();
    expect(t.broker.logs.partition('b', 0)!.logEndOffset).toBe(0);
  });

  it('PLAIN logs bob in with READ only', async () => {
    const client = await connect(url(), { sasl: { mechanism: 'PLAIN', username: 'bob', password: 'bob-secret' }, reconnect: false });
    expect((await client.fetch({ topic: 'a', partition: 0, offset: 0 })).records.length).toBeGreaterThan(0);
    await expect(client.producer().send({ topic: 'a', messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await client.close();
  });

  it('a wrong password and an unknown user fail alike, for every mechanism', async () => {
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const user = mechanism === 'PLAIN' ? 'bob' : 'alice';
      expect(await errorName(connect(url(), { sasl: { mechanism, username: user, password: 'wrong' }, reconnect: false }))).toBe('SASL_AUTHENTICATION_FAILED');
      expect(await errorName(connect(url(), { sasl: { mechanism, username: 'mallory', password: 'wrong' }, reconnect: false }))).toBe('SASL_AUTHENTICATION_FAILED');
    }
  });

  it('refuses unknown mechanisms, steps out of order, malformed SCRAM and frames before login, and closes', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ mechanism: 'GSSAPI', token: new Uint8Array(1) }, 'UNSUPPORTED_SASL_MECHANISM'],
      [{ token: new Uint8Array([1, 2, 3]) }, 'ILLEGAL_SASL_STATE'],
      [{ mechanism: 'SCRAM-SHA-256', token: 'n,,n=alice' }, 'SASL_AUTHENTICATION_FAILED'],
      [{ mechanism: 'SCRAM-SHA-256', token: 42 }, 'SASL_AUTHENTICATION_FAILED'],
    ];
    for (const [fields, name] of cases) {
      const s = await RawSocket.open(t.broker.websocketPort);
      expect(await s.request('authenticate', fields)).toMatchObject({ type: 'error', name });
      expect(await s.closed).toBe(1008);
    }
    // A produce in the middle of a SCRAM exchange: refused, closed, nothing written.
    const s = await RawSocket.open(t.broker.websocketPort);
    const client = new ScramSaslClient('SCRAM-SHA-256', 'alice', 'alice-secret');
    expect(await s.request('authenticate', { mechanism: 'SCRAM-SHA-256', token: await client.start() })).toMatchObject({ type: 'result', complete: false });
    const end = t.broker.logs.partition('a', 0)!.logEndOffset;
    expect(await s.request('produce', { topic: 'a', partition: 0, records: [{ value: 'early' }] })).toMatchObject({ name: 'SASL_AUTHENTICATION_FAILED' });
    expect(await s.closed).toBe(1008);
    expect(t.broker.logs.partition('a', 0)!.logEndOffset).toBe(end);
    // The broker keeps serving everyone else.
    const ok = await connect(url(), { sasl: { mechanism: 'PLAIN', username: 'bob', password: 'bob-secret' }, reconnect: false });
    await ok.close();
  });

  it('re-authentication must keep the mechanism and the principal', async () => {
    const s = await RawSocket.open(t.broker.websocketPort);
    const login = async (mechanism: string, user: string, password: string) => {
      const text = mechanism === 'PLAIN' ? `\u0000${user}\u0000${password}` : '';
      return s.request('authenticate', { mechanism, token: new TextEncoder().encode(text) });
    };
    expect(await login('PLAIN', 'bob', 'bob-secret')).toMatchObject({ type: 'result', complete: true, principal: 'User:bob', mechanism: 'PLAIN' });
    const result = (await login('PLAIN', 'bob', 'bob-secret')) as { expiresAtMs: number };
    expect(result.expiresAtMs).toBeGreaterThan(Date.now() + 50_000);
    expect(await s.request('authenticate', { mechanism: 'SCRAM-SHA-256', token: 'n,,n=alice,r=abcdef' })).toMatchObject({ name: 'UNSUPPORTED_SASL_MECHANISM' });
    expect(await s.closed).toBe(1008);
  });
});

describe('a session lifetime (connections.max.reauth.ms) with gregor/client', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({
      properties: {
        'gregor.websocket.authentication': 'sasl',
        'listener.name.websocket.connections.max.reauth.ms': 1200,
      },
    });
    await setScramCredential(t.broker, 'alice', 'SCRAM-SHA-512', credentialFromPassword('SCRAM-SHA-512', 'alice-secret', 4096));
    t.broker.logs.createTopic('a', 1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('the client re-authenticates in-band and keeps its connection past the lifetime; a raw socket that does not is closed', async () => {
    const raw = await RawSocket.open(t.broker.websocketPort);
    const scram = new ScramSaslClient('SCRAM-SHA-512', 'alice', 'alice-secret');
    const first = (await raw.request('authenticate', { mechanism: 'SCRAM-SHA-512', token: await scram.start() })) as { token: Uint8Array };
    expect(await raw.request('authenticate', { token: await scram.evaluate(first.token) })).toMatchObject({ complete: true, principal: 'User:alice' });
    const client = await connect(`ws://127.0.0.1:${t.broker.websocketPort}/`, { sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' }, reconnect: false });
    expect(await raw.closed).toBe(1008);
    await new Promise((r) => setTimeout(r, 1500));
    await client.producer().send({ topic: 'a', messages: [{ value: 'still here' }] });
    expect(t.broker.logs.partition('a', 0)!.logEndOffset).toBe(1);
    await client.close();
  });
});

describe('a browser logging in with SCRAM (Web Crypto)', () => {
  let t: TestBroker;
  let browser: TestBrowser;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-browser.mjs')], { stdio: 'inherit' });
    t = await startTestBroker({ properties: { 'gregor.websocket.authentication': 'sasl', 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' } });
    await setScramCredential(t.broker, 'alice', 'SCRAM-SHA-256', credentialFromPassword('SCRAM-SHA-256', 'alice-secret', 4096));
    t.broker.logs.createTopic('a', 1);
    const allow = (operation: AclOperation) => ({ resourceType: ResourceType.TOPIC, resourceName: 'a', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionType.ALLOW });
    await (t.broker.authorizer as AclAuthorizer).create([allow(AclOperation.WRITE), allow(AclOperation.READ)]);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  // A string, not a function: vitest would rewrite a function's dynamic import for Node.
  const inPage = (page: Page, password: string) => page.evaluate(`(async () => {
    const { connect } = await import(location.origin + '/gregor-client.js');
    try {
      const client = await connect(location.origin.replace(/^http/, 'ws') + '/', { sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: ${JSON.stringify(password)} }, reconnect: false });
      await client.producer().send({ topic: 'a', messages: [{ value: 'from the browser' }] });
      const fetched = await client.fetch({ topic: 'a', partition: 0, offset: 0 });
      await client.close();
      return { values: fetched.records.map((r) => new TextDecoder().decode(r.value)) };
    } catch (err) {
      return { error: err.type || err.message };
    }
  })()`);

  it('produces and consumes with the right password; a wrong one is refused', async () => {
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${t.broker.websocketPort}/`);
    expect(await inPage(page, 'alice-secret')).toEqual({ values: ['from the browser'] });
    expect(await inPage(page, 'wrong')).toEqual({ error: 'SASL_AUTHENTICATION_FAILED' });
    expect(t.broker.logs.partition('a', 0)!.logEndOffset).toBe(1);
    await page.close();
  });
});
