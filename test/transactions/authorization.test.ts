/**
 * Every transaction API checks its ACL operation (docs/security.html "Operations and
 * Resources on Protocols"), on a SASL_PLAINTEXT broker with the ACL authorizer (admin is a
 * super user; alice may WRITE and DESCRIBE transactional id `alice-txn` and WRITE topic
 * `secure`, READ topic `secure` and group `alice-group`): FindCoordinator, InitProducerId, AddPartitionsToTxn (per partition
 * TOPIC_AUTHORIZATION_FAILED, the rest OPERATION_NOT_ATTEMPTED), AddOffsetsToTxn (READ on the
 * group), TxnOffsetCommit (WRITE on the id, READ on the group, READ on each topic), EndTxn,
 * WriteTxnMarkers (CLUSTER_ACTION), DescribeTransactions (DESCRIBE) and
 * ListTransactions (lists only what the session may DESCRIBE).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/network/kafka-client.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { API } from './txn-raw.js';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const PASSWORDS: Record<string, string> = { admin: 'admin-pw', alice: 'alice-pw' };

describe('transaction APIs under ACLs', () => {
  let t: TestBroker;
  let admin: KafkaClient;
  let alice: KafkaClient;
  const connect = (user: string) => KafkaClient.connect(`127.0.0.1:${t.broker.listeners[0]!.port}`, 5000, { tls: null, sasl: { mechanism: 'PLAIN', username: user, password: PASSWORDS[user]! } });
  const req = async (c: KafkaClient, apiKey: number, body: unknown, version?: number) => (await c.request<any>(apiKey, body, version)).response;

  beforeAll(async () => {
    t = await startTestBroker({
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
    t.broker.logs.createTopic('secure', 1);
    t.broker.logs.createTopic('denied', 1);
    admin = await connect('admin');
    alice = await connect('alice');
    const allow = (resourceType: number, resourceName: string, operation: number) => ({ resourceType, resourceName, resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionType.ALLOW });
    const created = await req(admin, 30, {
      creations: [allow(ResourceType.TRANSACTIONAL_ID, 'alice-txn', AclOperation.WRITE), allow(ResourceType.TRANSACTIONAL_ID, 'alice-txn', AclOperation.DESCRIBE), allow(ResourceType.TOPIC, 'secure', AclOperation.WRITE),
        allow(ResourceType.TOPIC, 'secure', AclOperation.READ), allow(ResourceType.GROUP, 'alice-group', AclOperation.READ)],
    });
    expect(created.results.every((r: { errorCode: number }) => r.errorCode === 0)).toBe(true);
    expect((await req(admin, API.FIND_COORDINATOR, { keyType: 1, coordinatorKeys: ['admin-txn'] })).coordinators[0].errorCode).toBe(0);
    expect((await req(admin, API.INIT_PRODUCER_ID, { transactionalId: 'admin-txn', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(0);
  });
  afterAll(async () => {
    admin?.close();
    alice?.close();
    await t?.stop();
  });

  it('FindCoordinator, InitProducerId, EndTxn and DescribeTransactions need the transactional id', async () => {
    const found = await req(alice, API.FIND_COORDINATOR, { keyType: 1, coordinatorKeys: ['alice-txn', 'admin-txn'] });
    expect(found.coordinators.map((x: { errorCode: number }) => x.errorCode)).toEqual([0, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);
    const init = (id: string) => req(alice, API.INIT_PRODUCER_ID, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect((await init('admin-txn')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await init('alice-txn')).errorCode).toBe(0);
    expect((await req(alice, API.END_TXN, { transactionalId: 'admin-txn', producerId: 0, producerEpoch: 0, committed: true })).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const described = await req(alice, API.DESCRIBE_TXNS, { transactionalIds: ['alice-txn', 'admin-txn'] });
    expect(described.transactionStates.map((s: { errorCode: number }) => s.errorCode)).toEqual([0, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);
  });

  it('AddPartitionsToTxn needs WRITE on each topic; AddOffsetsToTxn needs READ on the group', async () => {
    const { producerId, producerEpoch } = await req(alice, API.INIT_PRODUCER_ID, { transactionalId: 'alice-txn', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const added = await req(
      alice,
      API.ADD_PARTITIONS,
      { v3AndBelowTransactionalId: 'alice-txn', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: 'secure', partitions: [0] }, { name: 'denied', partitions: [0] }] },
      3,
    );
    const codes = Object.fromEntries(added.resultsByTopicV3AndBelow.map((r: { name: string; resultsByPartition: Array<{ partitionErrorCode: number }> }) => [r.name, r.resultsByPartition[0]!.partitionErrorCode]));
    expect(codes).toEqual({ secure: ErrorCode.OPERATION_NOT_ATTEMPTED, denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    const offsets = await req(alice, API.ADD_OFFSETS, { transactionalId: 'alice-txn', producerId, producerEpoch, groupId: 'some-group' });
    expect(offsets.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const batched = await req(alice, API.ADD_PARTITIONS, { transactions: [{ transactionalId: 'alice-txn', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'secure', partitions: [0] }] }] }, 4);
    expect(batched.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it('WriteTxnMarkers needs CLUSTER_ACTION; ListTransactions lists only what alice may describe', async () => {
    const written = await req(alice, API.WRITE_TXN_MARKERS, { markers: [{ producerId: 1, producerEpoch: 0, transactionResult: true, topics: [{ name: 'secure', partitionIndexes: [0] }], coordinatorEpoch: 0 }] });
    expect(written.markers[0].topics[0].partitions[0].errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(t.broker.logs.partition('secure', 0)!.logEndOffset).toBe(0);
    const listed = await req(alice, API.LIST_TXNS, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
    expect(listed.transactionStates.map((s: { transactionalId: string }) => s.transactionalId)).toEqual(['alice-txn']);
    const all = await req(admin, API.LIST_TXNS, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
    expect(all.transactionStates.map((s: { transactionalId: string }) => s.transactionalId).sort()).toEqual(['admin-txn', 'alice-txn']);
  });

  it('TxnOffsetCommit needs WRITE on the transactional id, READ on the group and READ on each topic', async () => {
    const { producerId, producerEpoch } = await req(alice, API.INIT_PRODUCER_ID, { transactionalId: 'alice-txn', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const commit = async (transactionalId: string, groupId: string, topics: string[]) => {
      const res = await req(alice, API.TXN_OFFSET_COMMIT, {
        transactionalId, groupId, producerId, producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
        topics: topics.map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] })),
      }, 3);
      return Object.fromEntries(res.topics.map((x: { name: string; partitions: Array<{ errorCode: number }> }) => [x.name, x.partitions[0]!.errorCode]));
    };
    expect(await commit('admin-txn', 'alice-group', ['secure'])).toEqual({ secure: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED });
    expect(await commit('alice-txn', 'some-group', ['secure'])).toEqual({ secure: ErrorCode.GROUP_AUTHORIZATION_FAILED });
    expect(await commit('alice-txn', 'alice-group', ['secure', 'denied'])).toEqual({ secure: 0, denied: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  });
});
