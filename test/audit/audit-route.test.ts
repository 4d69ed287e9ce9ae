/**
 * `GET /audit/report.json` on the gateway's HTTP port (src/audit/audit-route.ts): 404 while the
 * audit is off; with `gregor.websocket.authentication=jwt`, the same access as /metrics — 401
 * without a valid bearer JWT, 403 for a principal that may not DESCRIBE the cluster, 200 with
 * the rows otherwise; 400 for a bad `sinceMs`. In-process broker, real HTTP.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclAuthorizer } from '../../src/security/acl/acl-authorizer.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('/audit/report.json with the audit off', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'gregor.websocket.host': '127.0.0.1' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('is 404 with a message naming gregor.audit.enable', async () => {
    const res = await fetch(`http://127.0.0.1:${t.broker.websocketPort}/audit/report.json`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('gregor.audit.enable');
  });
});

describe('/audit/report.json with gregor.websocket.authentication=jwt', () => {
  const dir = makeTempDir('gregor-audit-jwt-');
  let t: TestBroker;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  const token = (sub: string) => new SignJWT({ aud: 'gregor', sub }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(Math.floor(Date.now() / 1000) + 300).sign(keys.privateKey);

  beforeAll(async () => {
    keys = await generateKeyPair('ES256', { extractable: true });
    const pem = join(dir.path, 'jwt.pem');
    writeFileSync(pem, await exportSPKI(keys.publicKey));
    t = await startTestBroker({
      properties: {
        'gregor.websocket.host': '127.0.0.1',
        'gregor.audit.enable': true,
        'gregor.websocket.authentication': 'jwt',
        'gregor.sasl.oauthbearer.public.key.location': pem,
        'sasl.oauthbearer.expected.audience': 'gregor',
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
        'allow.everyone.if.no.acl.found': true,
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    dir.remove();
  });

  it('needs a bearer JWT whose principal may DESCRIBE the cluster', async () => {
    const url = `http://127.0.0.1:${t.broker.websocketPort}/audit/report.json`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(url, { headers: { authorization: 'Bearer not-a-jwt' } })).status).toBe(401);
    await (t.broker.authorizer as AclAuthorizer).create([
      { resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', patternType: PatternType.LITERAL, principal: 'User:ops', host: '*', operation: AclOperation.DESCRIBE, permissionType: AclPermissionType.ALLOW },
    ]);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await token('alice')}` } })).status).toBe(403);
    const headers = { authorization: `Bearer ${await token('ops')}` };
    const ok = await fetch(`${url}?topic=none`, { headers });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(await ok.json()).toEqual({ bucketMs: 600_000, graceMs: 600_000, rows: [] });
    expect((await fetch(`${url}?sinceMs=yesterday`, { headers })).status).toBe(400);
  });
});
