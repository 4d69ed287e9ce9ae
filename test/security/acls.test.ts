/**
 * ACLs end to end on a broker whose only listener is SASL_PLAINTEXT (PLAIN users admin,
 * alice, bob; admin is a super user): ACLs made with `gregor acls` (kafka-acls.sh options),
 * enforced for kcat; PREFIXED WRITE, Metadata hiding, group READ, DENY over ALLOW, invalid ACL
 * requests, and ACLs that survive a restart in acls.json (mode 0600).
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/network/kafka-client.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { gregor } from '../helpers/gregor-cli.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { kcat } from '../helpers/kcat.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const PASSWORDS: Record<string, string> = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw' };

describe('ACLs', () => {
  const logs = makeTempDir('gregor-acls-');
  const work = makeTempDir('gregor-acls-work-');
  let t: TestBroker;
  let bootstrap: string;
  let adminConfig: string;

  const start = async () => {
    t = await startTestBroker({
      logDirs: logs.path,
      port: undefined,
      host: undefined,
      properties: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'advertised.listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN} required ${Object.entries(PASSWORDS).map(([u, p]) => `user_${u}="${p}"`).join(' ')};`,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
        'super.users': 'User:admin',
      },
    });
    bootstrap = `127.0.0.1:${t.broker.listeners[0]!.port}`;
  };
  const as = (user: string) => ['-b', bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${PASSWORDS[user]}`];
  const cli = (args: string[]) => gregor([...args, '--bootstrap-server', bootstrap, '--command-config', adminConfig]);
  const produce = (user: string, topic: string) => kcat(['-P', ...as(user), '-t', topic, '-X', 'message.timeout.ms=5000'], Buffer.from('one\ntwo\n'), 30_000);
  const topicsSeenBy = async (user: string) => {
    const r = await kcat(['-L', ...as(user), '-m', '5'], undefined, 20_000);
    return [...r.stdout.toString().matchAll(/topic "([^"]+)"/g)].map((m) => m[1]);
  };
  const adminClient = (user: string) => KafkaClient.connect(bootstrap, 5000, { tls: null, sasl: { mechanism: 'PLAIN', username: user, password: PASSWORDS[user]! } });

  beforeAll(async () => {
    await start();
    adminConfig = join(work.path, 'admin.properties');
    writeFileSync(adminConfig, `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=${PLAIN} required username="admin" password="admin-pw";\n`);
    for (const topic of ['orders-eu', 'payments']) expect((await cli(['topics', 'create', topic, '--partitions', '1'])).code).toBe(0);
  });
  afterAll(async () => {
    await t?.stop();
    logs.remove();
    work.remove();
  });

  it('adds and lists ACLs with kafka-acls.sh options', async () => {
    const added = await cli(['acls', 'add', '--allow-principal', 'User:alice', '--operation', 'Write', '--operation', 'Describe', '--topic', 'orders-', '--resource-pattern-type', 'prefixed']);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('Added 2 ACL(s)');
    expect((await cli(['acls', 'add', '--allow-principal', 'User:alice', '--consumer', '--topic', 'orders-', '--group', 'billing', '--resource-pattern-type', 'prefixed'])).code).toBe(0);
    const listed = await cli(['acls', 'list', '--topic', 'orders-', '--resource-pattern-type', 'prefixed']);
    expect(listed.stdout).toContain('ResourcePattern(resourceType=TOPIC, name=orders-, patternType=PREFIXED)');
    expect(listed.stdout).toContain('(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)');
    expect(listed.stdout).toContain('(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)');
  });

  it('WRITE on the prefix orders- lets alice produce there and nowhere else; Metadata hides the rest', async () => {
    const ok = await produce('alice', 'orders-eu');
    expect(ok.stderr).not.toMatch(/ERROR|failed/i);
    expect(ok.code).toBe(0);
    expect(t.broker.logs.partition('orders-eu', 0)!.logEndOffset).toBe(2);
    const denied = await produce('alice', 'payments');
    expect(denied.stderr).toMatch(/Topic authorization failed/i);
    expect(t.broker.logs.partition('payments', 0)!.logEndOffset).toBe(0);
    expect(await topicsSeenBy('alice')).toEqual(['orders-eu']);
    expect((await topicsSeenBy('admin')).sort()).toEqual(['orders-eu', 'payments']);
    expect(await topicsSeenBy('bob')).toEqual([]);
    const bob = await produce('bob', 'orders-eu');
    expect(bob.stderr).toMatch(/Topic authorization failed/i);
  });

  it('a group needs READ on it: alice may join billing but not another group', async () => {
    const alice = await adminClient('alice');
    try {
      const join = (groupId: string) => alice.request<{ errorCode: number }>(11, {
        groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: new Uint8Array(0) }], reason: null,
      }, 5);
      expect((await join('other')).response.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      expect((await join('billing')).response.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      const described = await alice.request<{ groups: Array<{ groupId: string; errorCode: number }> }>(15, { groups: ['other', 'billing'], includeAuthorizedOperations: false }, 5);
      expect(described.response.groups.map((g) => g.errorCode)).toEqual([ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.NONE]);
      const offsets = await alice.request<{ topics: Array<{ name: string; partitions: Array<{ errorCode: number }> }> }>(2, {
        replicaId: -1, isolationLevel: 0, topics: ['payments', 'orders-eu'].map((name) => ({ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] })), timeoutMs: 1000,
      }, 7);
      expect(offsets.response.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.NONE]);
    } finally {
      alice.close();
    }
  });

  it('reports authorized operations (KIP-430) and authorizes OffsetFetch and FindCoordinator per group and topic', async () => {
    const alice = await adminClient('alice');
    const admin = await adminClient('admin');
    try {
      type Meta = { topics: Array<{ name: string; topicAuthorizedOperations: number }>; clusterAuthorizedOperations: number };
      const metadata = (c: KafkaClient) => c.request<Meta>(3, { topics: [{ name: 'orders-eu', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true }, 9);
      const bits = (...ops: number[]) => ops.reduce((b, op) => b | (1 << op), 0);
      // alice: READ, WRITE, DESCRIBE on orders-* (acls above); admin is a super user.
      expect((await metadata(alice)).response).toMatchObject({ topics: [{ name: 'orders-eu', topicAuthorizedOperations: bits(3, 4, 8) }], clusterAuthorizedOperations: 0 });
      expect((await metadata(admin)).response).toMatchObject({ topics: [{ topicAuthorizedOperations: bits(3, 4, 5, 6, 7, 8, 10, 11) }], clusterAuthorizedOperations: bits(5, 7, 8, 9, 10, 11, 12) });
      const groups = await alice.request<{ groups: Array<{ authorizedOperations: number }> }>(15, { groups: ['billing'], includeAuthorizedOperations: true }, 5);
      expect(groups.response.groups[0]!.authorizedOperations).toBe(bits(3, 8));
      // OffsetFetch v8: the denied group fails alone; v7: the denied topic fails alone.
      const v8 = await alice.request<{ groups: Array<{ groupId: string; errorCode: number }> }>(9, { groups: [{ groupId: 'billing', topics: null }, { groupId: 'other', topics: null }], requireStable: false }, 8);
      expect(v8.response.groups.map((g) => [g.groupId, g.errorCode])).toEqual([['billing', ErrorCode.NONE], ['other', ErrorCode.GROUP_AUTHORIZATION_FAILED]]);
      const v7 = await alice.request<{ errorCode: number; topics: Array<{ name: string; partitions: Array<{ errorCode: number }> }> }>(9, { groupId: 'billing', topics: ['payments', 'orders-eu'].map((name) => ({ name, partitionIndexes: [0] })), requireStable: false }, 7);
      expect(v7.response.errorCode).toBe(ErrorCode.NONE);
      expect(Object.fromEntries(v7.response.topics.map((t) => [t.name, t.partitions[0]!.errorCode]))).toEqual({ 'orders-eu': ErrorCode.NONE, payments: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
      // FindCoordinator v4: each key on its own.
      const found = await alice.request<{ coordinators: Array<{ key: string; errorCode: number }> }>(10, { keyType: 0, coordinatorKeys: ['billing', 'other'] }, 4);
      expect(found.response.coordinators.map((c) => [c.key, c.errorCode])).toEqual([['billing', ErrorCode.NONE], ['other', ErrorCode.GROUP_AUTHORIZATION_FAILED]]);
    } finally {
      alice.close();
      admin.close();
    }
  });

  it('DENY beats ALLOW, and removing it restores the ALLOW', async () => {
    expect((await cli(['acls', 'add', '--deny-principal', 'User:alice', '--operation', 'Write', '--topic', 'orders-eu'])).code).toBe(0);
    expect((await produce('alice', 'orders-eu')).stderr).toMatch(/Topic authorization failed/i);
    const removed = await cli(['acls', 'remove', '--deny-principal', 'User:alice', '--operation', 'Write', '--topic', 'orders-eu']);
    expect(removed.stdout).toContain('Removed 1 ACL(s)');
    expect((await produce('alice', 'orders-eu')).code).toBe(0);
  });

  it('refuses invalid ACLs with INVALID_REQUEST and non-super users with CLUSTER_AUTHORIZATION_FAILED', async () => {
    const admin = await adminClient('admin');
    const alice = await adminClient('alice');
    try {
      const base = { resourceType: 2, resourceName: 'x', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 };
      const { response } = await admin.request<{ results: Array<{ errorCode: number; errorMessage: string | null }> }>(30, {
        creations: [{ ...base, principal: 'alice' }, { ...base, resourcePatternType: 4, resourceName: '*' }, { ...base, resourceType: 9 }, { ...base, operation: 1 }, { ...base, resourceName: 'valid-one' }],
      });
      expect(response.results.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.NONE]);
      const byAlice = await alice.request<{ results: Array<{ errorCode: number }> }>(30, { creations: [base] });
      expect(byAlice.response.results[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    } finally {
      admin.close();
      alice.close();
    }
  });

  it('keeps ACLs across a restart in acls.json, readable only by the broker', async () => {
    expect(statSync(join(logs.path, 'acls.json')).mode & 0o777).toBe(0o600);
    await t.broker.stop();
    await start();
    expect((await produce('alice', 'orders-eu')).code).toBe(0);
    expect((await produce('alice', 'payments')).stderr).toMatch(/Topic authorization failed/i);
    expect(await topicsSeenBy('alice')).toEqual(['orders-eu']);
  });
});
