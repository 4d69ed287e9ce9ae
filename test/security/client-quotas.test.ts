/**
 * Client quotas: AlterClientQuotas / DescribeClientQuotas through the CLI and
 * @platformatic/kafka's admin, their validation errors, Kafka's precedence order, and the
 * acceptance test: a producer capped at 1 MB/s (producer_byte_rate=1048576 for its client id)
 * sends within ±20 % of that over 10 s and gets throttle_time_ms > 0 in its responses.
 */
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { anonymousSession } from '../../src/security/auth-session.js';
import { gregor } from '../helpers/gregor-cli.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../../src/protocol/generated/index.js';

describe('client quotas', () => {
  let t: TestBroker;
  let b: string[];
  beforeAll(async () => {
    t = await startTestBroker();
    b = ['-b', t.bootstrap];
  });
  afterAll(async () => {
    await t.stop();
  });

  it('alters and describes quotas with the CLI and @platformatic/kafka, in Kafka precedence order', async () => {
    let r = await gregor(['quotas', 'alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'producer_byte_rate=2048,request_percentage=50', ...b]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    r = await gregor(['quotas', 'alter', '--entity-type', 'users', '--entity-default', '--entity-type', 'clients', '--entity-name', 'app', '--add-config', 'producer_byte_rate=4096', ...b]);
    expect(r.code).toBe(0);
    r = await gregor(['quotas', 'alter', '--entity-type', 'clients', '--entity-default', '--add-config', 'consumer_byte_rate=8192,producer_byte_rate=16384', ...b]);
    expect(r.code).toBe(0);

    r = await gregor(['quotas', 'describe', ...b]);
    expect(r.stdout.trim().split('\n')).toEqual([
      'client-id=<default>\tconsumer_byte_rate=8192,producer_byte_rate=16384',
      'user=<default> client-id=app\tproducer_byte_rate=4096',
      'user=alice\tproducer_byte_rate=2048,request_percentage=50',
    ]);
    r = await gregor(['quotas', 'describe', '--entity-type', 'users', '--entity-name', 'alice', ...b]);
    expect(r.stdout).toBe('user=alice\tproducer_byte_rate=2048,request_percentage=50\n');

    const quotas = t.broker.clientQuotas!;
    expect(quotas.quotaFor('alice', 'app', 'producer_byte_rate')).toEqual({ bound: 2048, sensorUser: 'alice', sensorClient: '' });
    expect(quotas.quotaFor('bob', 'app', 'producer_byte_rate')).toEqual({ bound: 4096, sensorUser: 'bob', sensorClient: 'app' });
    expect(quotas.quotaFor('bob', 'other', 'producer_byte_rate')).toEqual({ bound: 16384, sensorUser: '', sensorClient: 'other' });
    expect(quotas.quotaFor('alice', 'app', 'consumer_byte_rate')).toEqual({ bound: 8192, sensorUser: '', sensorClient: 'app' });
    expect(quotas.quotaFor('bob', 'x', 'request_percentage')).toBeNull();
    expect(quotas.maxFetchBytes(anonymousSession('PLAINTEXT', 'PLAINTEXT', '127.0.0.1'), 'x')).toBe(8192 * 10);

    const admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [t.bootstrap] });
    try {
      await admin.alterClientQuotas({
        entries: [{ entities: [{ entityType: 'client-id', entityName: 'app' }], ops: [{ key: 'consumer_byte_rate', value: 1024, remove: false }] }],
      });
      const described = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 0, match: 'app' }], strict: false });
      expect(described.map((e) => ({ entity: e.entity, values: e.values }))).toEqual(
        expect.arrayContaining([
          { entity: [{ entityType: 'client-id', entityName: 'app' }], values: [{ key: 'consumer_byte_rate', value: 1024 }] },
          { entity: [{ entityType: 'user', entityName: null }, { entityType: 'client-id', entityName: 'app' }], values: [{ key: 'producer_byte_rate', value: 4096 }] },
        ]),
      );
      expect(described).toHaveLength(2);
    } finally {
      await admin.close();
    }

    // Remove everything again.
    for (const args of [
      ['--entity-type', 'users', '--entity-name', 'alice', '--delete-config', 'producer_byte_rate,request_percentage'],
      ['--entity-type', 'users', '--entity-default', '--entity-type', 'clients', '--entity-name', 'app', '--delete-config', 'producer_byte_rate'],
      ['--entity-type', 'clients', '--entity-default', '--delete-config', 'consumer_byte_rate,producer_byte_rate'],
      ['--entity-type', 'clients', '--entity-name', 'app', '--delete-config', 'consumer_byte_rate'],
    ]) {
      r = await gregor(['quotas', 'alter', ...args, ...b]);
      expect(r.code).toBe(0);
    }
    r = await gregor(['quotas', 'describe', ...b]);
    expect(r.stdout).toBe('');
  });

  it('refuses invalid entities and values with INVALID_REQUEST and stores nothing', async () => {
    const c = await RawClient.connect(t.broker.port);
    const entry = (entity: unknown[], ops: unknown[]) => ({ entity, ops });
    const user = { entityType: 'user', entityName: 'u' };
    const set = (key: string, value: number) => ({ key, value, remove: false });
    const res = await c.request(49, 1, {
      validateOnly: false,
      entries: [
        entry([{ entityType: 'topic', entityName: 'x' }], [set('producer_byte_rate', 1)]),
        entry([user, user], [set('producer_byte_rate', 1)]),
        entry([], [set('producer_byte_rate', 1)]),
        entry([{ entityType: 'client-id', entityName: '' }], [set('producer_byte_rate', 1)]),
        entry([user], [set('bogus_rate', 1)]),
        entry([user], [set('producer_byte_rate', 1.5)]),
        entry([user], [set('consumer_byte_rate', -1)]),
        entry([user], [set('request_percentage', 1), set('request_percentage', 2)]),
      ],
    });
    expect(res.entries.map((e: { errorCode: number }) => e.errorCode)).toEqual(Array(8).fill(ErrorCode.INVALID_REQUEST));
    const ok = await c.request(49, 1, { validateOnly: true, entries: [entry([user], [set('request_percentage', 12.5)])] });
    expect(ok.entries[0].errorCode).toBe(0);
    const described = await c.request(48, 1, { components: [], strict: false });
    expect(described).toMatchObject({ errorCode: 0, entries: [] });
    const bad = await c.request(48, 1, { components: [{ entityType: 'ip', matchType: 0, match: 'x' }], strict: false });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    c.close();
  });

  it('holds a producer at producer_byte_rate=1048576 within ±20% over 10 s, with throttle_time_ms in its responses', async () => {
    const r = await gregor(['quotas', 'alter', '--entity-type', 'clients', '--entity-name', 'raw-client', '--add-config', 'producer_byte_rate=1048576', ...b]);
    expect(r.code).toBe(0);
    const records = t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.alloc(16_000, 0x61) }]);
    const c = await RawClient.connect(t.broker.port);
    await c.request(19, 5, { topics: [{ name: 'capped', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const started = Date.now();
    let acked = 0;
    let throttled = 0;
    let maxThrottle = 0;
    // Send one batch at a time for 10 s; the broker stops reading while it throttles.
    for (let i = 0; i < 10_000 && Date.now() - started < 10_000; i++) {
      const res = await c.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'capped', partitionData: [{ index: 0, records }] }] });
      if (Date.now() - started > 10_000) break;
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      acked += records.byteLength;
      if (res.throttleTimeMs > 0) throttled++;
      maxThrottle = Math.max(maxThrottle, res.throttleTimeMs);
    }
    c.close();
    const rate = acked / 10;
    console.log(`producer quota 1048576 B/s: ${Math.round(rate)} B/s over 10 s, ${throttled} throttled responses, max throttle ${maxThrottle} ms`);
    expect(throttled).toBeGreaterThan(0);
    expect(rate).toBeGreaterThan(1048576 * 0.8);
    expect(rate).toBeLessThan(1048576 * 1.2);
  }, 30_000);

  it('caps a consumer fetch at consumer_byte_rate × (quota.window.num − 1) windows and throttles it', async () => {
    // 'capped' holds ~11 MB from the producer test above.
    const r = await gregor(['quotas', 'alter', '--entity-type', 'clients', '--entity-name', 'raw-client', '--add-config', 'consumer_byte_rate=16384', ...b]);
    expect(r.code).toBe(0);
    const c = await RawClient.connect(t.broker.port);
    let offset = 0;
    let throttleMs = 0;
    for (let i = 0; i < 20 && throttleMs === 0; i++) {
      const res = await c.request(1, 12, createFetchRequest({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 10 * 1024 * 1024,
        topics: [createFetchRequestFetchTopic({ topic: 'capped', partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: offset, partitionMaxBytes: 10 * 1024 * 1024 })] })],
      }));
      const p = res.responses[0].partitions[0];
      expect(p.errorCode).toBe(0);
      // 16384 B/s × 10 windows of 1 s = 163840 bytes at most (whole batches of ~16 KB).
      expect(p.records.byteLength).toBeGreaterThan(0);
      expect(p.records.byteLength).toBeLessThanOrEqual(163_840);
      offset += Math.max(1, Math.floor(p.records.byteLength / 16_100));
      throttleMs = res.throttleTimeMs;
    }
    c.close();
    expect(throttleMs).toBeGreaterThan(0);

    // A follower's fetch (replica id ≥ 0) is replication: never throttled, though this client
    // id has used up its quota. (A single broker is a cluster of one with no followers:
    // broker 7 is refused as not a replica, NOT_LEADER_OR_FOLLOWER.)
    const follower = await RawClient.connect(t.broker.port);
    const res = await follower.request(1, 12, createFetchRequest({
      replicaId: 7,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1024 * 1024,
      topics: [createFetchRequestFetchTopic({ topic: 'capped', partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 * 1024 })] })],
    }));
    follower.close();
    expect(res.throttleTimeMs).toBe(0);
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('throttles by request_percentage on handler time (KIP-124)', async () => {
    const r = await gregor(['quotas', 'alter', '--entity-type', 'users', '--entity-name', 'ANONYMOUS', '--add-config', 'request_percentage=0.001', ...b]);
    expect(r.code).toBe(0);
    const c = await RawClient.connect(t.broker.port);
    let throttleMs = 0;
    let requests = 0;
    while (requests < 500 && throttleMs === 0) {
      const res = await c.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      throttleMs = res.throttleTimeMs;
      requests++;
    }
    c.close();
    expect(throttleMs).toBeGreaterThan(0);
  });
});
