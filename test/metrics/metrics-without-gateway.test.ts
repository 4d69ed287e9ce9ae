/**
 * `/metrics` without the WebSocket gateway (`gregor.websocket.port=-1`): the broker serves
 * Prometheus text on its own HTTP port (`gregor.metrics.port`, 0 here: any free port, read
 * back from `broker.metricsPort`), with the Kafka-side metrics (request latency by API,
 * log end offsets) after a KafkaJS produce; anything but /metrics is 404. With
 * `gregor.websocket.authentication=jwt` the same rule as the gateway's route applies: a bearer
 * JWT whose principal may DESCRIBE the cluster (401 without one, 403 without the ACL).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclAuthorizer } from '../../src/security/acl/acl-authorizer.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('/metrics with the gateway off', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1, properties: { 'gregor.metrics.port': 0, 'gregor.metrics.host': '127.0.0.1' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('serves Kafka-request metrics on gregor.metrics.port after a produce', async () => {
    expect(t.broker.gateway).toBeNull();
    expect(t.broker.websocketPort).toBe(-1);
    const kafka = new Kafka({ clientId: 'metrics-no-gateway', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'plain', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'plain', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();

    expect(t.broker.metricsPort).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${t.broker.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const count = (api: string) => Number(new RegExp(`^gregor_kafka_request_duration_seconds_count\\{api="${api}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('Produce')).toBeGreaterThanOrEqual(1);
    expect(count('CreateTopics')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^gregor_log_end_offset\{topic="plain",partition="0"\} 3$/m);
    expect(text).toMatch(/^gregor_kafka_connections \d+$/m);
    expect((await fetch(`http://127.0.0.1:${t.broker.metricsPort}/health`)).status).toBe(404);
  });
});

describe('/metrics with the gateway off and gregor.websocket.authentication=jwt', () => {
  const dir = makeTempDir('gregor-metrics-jwt-');
  let t: TestBroker;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  const token = (sub: string) => new SignJWT({ aud: 'gregor', sub }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(Math.floor(Date.now() / 1000) + 300).sign(keys.privateKey);

  beforeAll(async () => {
    keys = await generateKeyPair('ES256', { extractable: true });
    const pem = join(dir.path, 'jwt.pem');
    writeFileSync(pem, await exportSPKI(keys.publicKey));
    t = await startTestBroker({
      websocketPort: -1,
      properties: {
        'gregor.metrics.port': 0,
        'gregor.metrics.host': '127.0.0.1',
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
    const url = `http://127.0.0.1:${t.broker.metricsPort}/metrics`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(url, { headers: { authorization: 'Bearer not-a-jwt' } })).status).toBe(401);
    await (t.broker.authorizer as AclAuthorizer).create([
      { resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', patternType: PatternType.LITERAL, principal: 'User:ops', host: '*', operation: AclOperation.DESCRIBE, permissionType: AclPermissionType.ALLOW },
    ]);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await token('alice')}` } })).status).toBe(403);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${await token('ops')}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('gregor_kafka_connections');
  });
});
