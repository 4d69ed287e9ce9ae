/**
 * REST proxy access with `gregor.websocket.authentication=sasl`: HTTP Basic with the SASL
 * users (a SCRAM credential, a PLAIN user), under the same ACLs as Kafka clients. No or wrong
 * credentials are 401 with a challenge and nothing written; a principal without WRITE on a
 * topic is 403 (40301); topics it may not DESCRIBE are left out of GET /topics. An
 * unauthenticated client sending a large body is refused without the broker reading it, and
 * the broker keeps serving.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclAuthorizer } from '../../src/security/acl/acl-authorizer.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { credentialFromPassword } from '../../src/security/sasl/scram-credential.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { setScramCredential } from '../helpers/scram-users.js';

const BINARY = 'application/vnd.kafka.binary.v2+json';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('REST proxy authentication and ACLs', () => {
  let t: TestBroker;
  let base: string;
  const call = async (method: string, path: string, authorization?: string, body?: unknown) => {
    const headers: Record<string, string> = { Accept: 'application/vnd.kafka.v2+json' };
    if (authorization) headers['Authorization'] = authorization;
    if (body !== undefined) headers['Content-Type'] = BINARY;
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> };
  };
  const one = { records: [{ value: Buffer.from('hello').toString('base64') }] };

  beforeAll(async () => {
    t = await startTestBroker({
      properties: {
        'gregor.websocket.authentication': 'sasl',
        'listener.name.websocket.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
        'listener.name.websocket.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";',
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      },
    });
    base = `http://127.0.0.1:${t.broker.websocketPort}`;
    await setScramCredential(t.broker, 'alice', 'SCRAM-SHA-512', credentialFromPassword('SCRAM-SHA-512', 'alice-secret', 4096));
    t.broker.logs.createTopic('a', 1);
    t.broker.logs.createTopic('b', 1);
    const allow = (principal: string, topic: string, operation: AclOperation) => ({ resourceType: ResourceType.TOPIC, resourceName: topic, patternType: PatternType.LITERAL, principal, host: '*', operation, permissionType: AclPermissionType.ALLOW });
    await (t.broker.authorizer as AclAuthorizer).create([allow('User:alice', 'a', AclOperation.WRITE), allow('User:bob', 'b', AclOperation.DESCRIBE)]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('no credentials, a wrong password or an unknown user: 401 with a Basic challenge, nothing written', async () => {
    for (const auth of [undefined, basic('alice', 'wrong'), basic('mallory', 'alice-secret'), 'Basic !!!', 'Bearer not.a.jwt']) {
      const res = await call('POST', '/topics/a', auth, one);
      expect(res.status).toBe(401);
      expect(res.body['error_code']).toBe(40101);
      expect(res.challenge).toMatch(/^Basic realm=/);
    }
    expect(t.broker.logs.partition('a', 0)!.logEndOffset).toBe(0);
  });

  it('a SCRAM user writes where her ACLs allow and gets 40301 elsewhere', async () => {
    const ok = await call('POST', '/topics/a', basic('alice', 'alice-secret'), one);
    expect(ok).toMatchObject({ status: 200, body: { offsets: [{ partition: 0, offset: 0, error_code: null }] } });
    const denied = await call('POST', '/topics/b', basic('alice', 'alice-secret'), one);
    expect(denied).toMatchObject({ status: 403, body: { error_code: 40301 } });
    expect(t.broker.logs.partition('b', 0)!.logEndOffset).toBe(0);
  });

  it('a PLAIN user sees only the topics it may DESCRIBE', async () => {
    expect((await call('GET', '/topics', basic('bob', 'bob-secret'))).body).toEqual(['b']);
    expect(await call('GET', '/topics/a', basic('bob', 'bob-secret'))).toMatchObject({ status: 403, body: { error_code: 40301 } });
    expect(await call('GET', '/topics/b', basic('bob', 'bob-secret'))).toMatchObject({ status: 200, body: { name: 'b' } });
  });

  it('an unauthenticated 50 MB upload is refused after a bounded read; the broker keeps serving', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(t.broker.websocketPort, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      setTimeout(() => reject(new Error(`no answer; got ${text}`)), 10_000).unref();
      socket.write(`POST /topics/a HTTP/1.1\r\nHost: x\r\nContent-Type: ${BINARY}\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 50 * 1024 * 1024 && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect((await call('GET', '/topics', basic('bob', 'bob-secret'))).status).toBe(200);
  });
});
