/**
 * WebSocket authentication with JWTs (`gregor.websocket.authentication=jwt`): the first frame
 * carries a token verified like OAUTHBEARER's (local PEM key, pinned algorithms, exp, aud);
 * the principal User:<sub> then meets the same ACLs as a Kafka client. Expired, forged
 * (alg none, wrong key) and wrong-audience tokens are refused and the socket closed (1008); so
 * is any other frame first, an oversized pre-auth frame, a socket that never authenticates, a
 * refresh for another subject, and a session whose token expires.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { type TestBrowser, launchChromium } from '../helpers/chromium.js';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclAuthorizer } from '../../src/security/acl/acl-authorizer.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { RawSocket } from './raw-socket.js';

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('WebSocket authentication with JWTs', () => {
  const dir = makeTempDir('gregor-ws-jwt-');
  let t: TestBroker;
  let keys: Keys;
  let stranger: Keys;
  const open = () => RawSocket.open(t.broker.websocketPort);
  const token = (claims: Record<string, unknown>, expiresInS = 300, key: Keys['privateKey'] = keys.privateKey) =>
    new SignJWT({ aud: 'gregor', ...claims }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS).sign(key);

  beforeAll(async () => {
    keys = await generateKeyPair('ES256', { extractable: true });
    stranger = await generateKeyPair('ES256', { extractable: true });
    const pem = join(dir.path, 'jwt.pem');
    writeFileSync(pem, await exportSPKI(keys.publicKey));
    t = await startTestBroker({
      properties: {
        'gregor.websocket.authentication': 'jwt',
        'gregor.sasl.oauthbearer.public.key.location': pem,
        'sasl.oauthbearer.expected.audience': 'gregor',
        'sasl.oauthbearer.clock.skew.seconds': 0,
        'gregor.authentication.timeout.ms': 1500,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      },
    });
    t.broker.logs.createTopic('a', 1);
    t.broker.logs.createTopic('b', 1);
    const allow = (operation: AclOperation) => ({ resourceType: ResourceType.TOPIC, resourceName: 'a', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionType.ALLOW });
    await (t.broker.authorizer as AclAuthorizer).create([allow(AclOperation.WRITE), allow(AclOperation.READ)]);
  });
  afterAll(async () => {
    await t?.stop();
    dir.remove();
  });

  it('a valid token makes the socket User:<sub>, under its ACLs', async () => {
    const s = await open();
    expect(s.frames[0]).toMatchObject({ type: 'hello', authentication: 'jwt' });
    expect(await s.request('authenticate', { token: await token({ sub: 'alice' }) })).toMatchObject({ type: 'result', principal: 'User:alice' });
    expect(await s.request('produce', { topic: 'a', partition: 0, records: [{ value: 'hello' }] })).toMatchObject({ type: 'result' });
    expect(t.broker.logs.partition('a', 0)!.logEndOffset).toBe(1);
    expect(await s.request('subscribe', { topic: 'a', partition: 0, offset: -2, credit: 10 })).toMatchObject({ type: 'result' });
    expect(await s.request('produce', { topic: 'b', partition: 0, records: [{ value: 'x' }] })).toMatchObject({ name: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(await s.request('subscribe', { topic: 'b', partition: 0, offset: -2, credit: 10 })).toMatchObject({ name: 'TOPIC_AUTHORIZATION_FAILED' });
    // A refresh for the same subject keeps the session; another subject closes it.
    expect(await s.request('authenticate', { token: await token({ sub: 'alice' }, 600) })).toMatchObject({ type: 'result', principal: 'User:alice' });
    expect(await s.request('authenticate', { token: await token({ sub: 'mallory' }) })).toMatchObject({ name: 'SASL_AUTHENTICATION_FAILED' });
    expect(await s.closed).toBe(1008);
  });

  it('refuses expired, forged and wrong-audience tokens, and closes the socket', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const bad = [
      await token({ sub: 'alice' }, -60),
      await token({ sub: 'alice' }, 300, stranger.privateKey),
      `${b64({ alg: 'none' })}.${b64({ sub: 'alice', aud: 'gregor', exp: Math.floor(Date.now() / 1000) + 300 })}.`,
      await token({ sub: 'alice', aud: 'elsewhere' }),
      'not-a-jwt',
    ];
    for (const jwt of bad) {
      const s = await open();
      expect(await s.request('authenticate', { token: jwt })).toMatchObject({ type: 'error', name: 'SASL_AUTHENTICATION_FAILED' });
      expect(await s.closed).toBe(1008);
    }
    expect(t.broker.logs.partition('b', 0)!.logEndOffset).toBe(0);
  });

  it('closes a socket that sends anything else first, an oversized first frame, or nothing', async () => {
    const first = await open();
    expect(await first.request('produce', { topic: 'a', records: [{ value: 'sneaky' }] })).toMatchObject({ name: 'SASL_AUTHENTICATION_FAILED' });
    expect(await first.closed).toBe(1008);
    const big = await open();
    big.sendFrame({ op: 'authenticate', id: 1, token: 'x'.repeat(64 * 1024) });
    expect(await big.closed).toBe(1008);
    const silent = await open();
    expect(await silent.closed).toBe(1008);
    expect(t.broker.logs.partition('a', 0)!.logEndOffset).toBe(1);
  });

  it('/metrics needs a bearer JWT whose principal may DESCRIBE the cluster', async () => {
    const url = `http://127.0.0.1:${t.broker.websocketPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer not-a-jwt' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await token({ sub: 'alice' })}` } })).status).toBe(403);
    await (t.broker.authorizer as AclAuthorizer).create([{ resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', patternType: PatternType.LITERAL, principal: 'User:ops', host: '*', operation: AclOperation.DESCRIBE, permissionType: AclPermissionType.ALLOW }]);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${await token({ sub: 'ops' })}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('gregor_');
  });

  it('closes the session when its token expires', async () => {
    const s = await open();
    expect(await s.request('authenticate', { token: await token({ sub: 'alice' }, 2) })).toMatchObject({ type: 'result' });
    expect(await s.closed).toBe(1008);
  });
});

describe('a browser with a JWT', () => {
  const dir = makeTempDir('gregor-ws-jwt-browser-');
  let t: TestBroker;
  let keys: Keys;
  let browser: TestBrowser;
  let context: BrowserContext;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-browser.mjs')], { stdio: 'inherit' });
    keys = await generateKeyPair('ES256', { extractable: true });
    const pem = join(dir.path, 'jwt.pem');
    writeFileSync(pem, await exportSPKI(keys.publicKey));
    t = await startTestBroker({
      properties: {
        'gregor.websocket.authentication': 'jwt',
        'gregor.sasl.oauthbearer.public.key.location': pem,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      },
    });
    t.broker.logs.createTopic('a', 1);
    t.broker.logs.createTopic('b', 1);
    const allow = (operation: AclOperation) => ({ resourceType: ResourceType.TOPIC, resourceName: 'a', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionType.ALLOW });
    await (t.broker.authorizer as AclAuthorizer).create([allow(AclOperation.WRITE), allow(AclOperation.READ)]);
    browser = await launchChromium();
    context = browser.context;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    dir.remove();
  });

  // A string, not a function: vitest would rewrite a function's dynamic import for Node.
  const inPage = (page: Page, token: string) => page.evaluate(`(async () => {
    const { connect } = await import(location.origin + '/gregor-client.js');
    try {
      const client = await connect(location.origin.replace(/^http/, 'ws') + '/', { token: ${JSON.stringify(token)}, reconnect: false });
      const producer = client.producer();
      await producer.send({ topic: 'a', messages: [{ key: 'k', value: 'from the browser' }] });
      const fetched = await client.fetch({ topic: 'a', partition: 0, offset: 0 });
      const values = fetched.records.map((r) => new TextDecoder().decode(r.value));
      let wroteB = 'allowed';
      try {
        await producer.send({ topic: 'b', messages: [{ value: 'x' }] });
      } catch (err) {
        wroteB = err.type;
      }
      await client.close();
      return { values, wroteB };
    } catch (err) {
      return { error: err.type };
    }
  })()`);

  it('produces and consumes with a valid token; an expired or forged one is refused', async () => {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${t.broker.websocketPort}/`);
    const valid = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(keys.privateKey);
    expect(await inPage(page, valid)).toEqual({ values: ['from the browser'], wroteB: 'TOPIC_AUTHORIZATION_FAILED' });
    const expired = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(keys.privateKey);
    expect(await inPage(page, expired)).toEqual({ error: 'SASL_AUTHENTICATION_FAILED' });
    const forged = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign((await generateKeyPair('ES256')).privateKey);
    expect(await inPage(page, forged)).toEqual({ error: 'SASL_AUTHENTICATION_FAILED' });
    expect(t.broker.logs.partition('b', 0)!.logEndOffset).toBe(0);
    await page.close();
  });
});
