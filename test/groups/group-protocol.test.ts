/**
 * The classic group protocol at the wire level (raw client over a real socket): member ids
 * handed out with MEMBER_ID_REQUIRED (KIP-394), static membership and fencing (KIP-345),
 * error codes for bad input, and the guarantee that a stale or unknown member's commit never
 * moves an offset; a heartbeat storm from 1,000 fake members while a real group keeps
 * working; DeleteGroups, OffsetDelete, ListGroups filters; offset expiry (KIP-211).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  createHeartbeatRequest,
  createJoinGroupRequest,
  createLeaveGroupRequest,
  createOffsetCommitRequest,
  createOffsetFetchRequest,
  createSyncGroupRequest,
} from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

const OFFSET_COMMIT = 8;
const OFFSET_FETCH = 9;
const JOIN_GROUP = 11;
const HEARTBEAT = 12;
const LEAVE_GROUP = 13;
const SYNC_GROUP = 14;
const LIST_GROUPS = 16;
const DELETE_GROUPS = 42;
const OFFSET_DELETE = 47;

/** ConsumerProtocolSubscription v0 for `topics`. */
function subscription(topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(t.length);
    parts.push(len, Buffer.from(t));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff])); // null user data
  return Buffer.concat(parts);
}

describe('group protocol', () => {
  let t: TestBroker;
  let c: RawClient;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500 } });
    t.broker.logs.createTopic('gp', 2);
    c = await RawClient.connect(t.broker.port);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });

  const join = (client: RawClient, version: number, groupId: string, memberId = '', extra: object = {}) =>
    client.request(JOIN_GROUP, version, createJoinGroupRequest({ groupId, memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(['gp']) }], ...extra }));
  const sync = (client: RawClient, groupId: string, generationId: number, memberId: string, assignments: Array<{ memberId: string; assignment: Uint8Array }> = [], extra: object = {}) =>
    client.request(SYNC_GROUP, 5, createSyncGroupRequest({ groupId, generationId, memberId, assignments, ...extra }));
  const commit = (groupId: string, generationIdOrMemberEpoch: number, memberId: string, offset: number) =>
    c.request(OFFSET_COMMIT, 8, createOffsetCommitRequest({ groupId, generationIdOrMemberEpoch, memberId, topics: [{ name: 'gp', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'm' }] }] }));
  const committed = async (groupId: string) =>
    (await c.request(OFFSET_FETCH, 7, createOffsetFetchRequest({ groupId, topics: [{ name: 'gp', partitionIndexes: [0] }] }))).topics[0].partitions[0].committedOffset;

  /** A one-member group, Stable, at generation 1. */
  async function stableGroup(groupId: string, extra: object = {}): Promise<{ memberId: string; generationId: number }> {
    const first = await join(c, 9, groupId, '', extra);
    let memberId = first.memberId;
    let res = first;
    if (first.errorCode === ErrorCode.MEMBER_ID_REQUIRED) res = await join(c, 9, groupId, memberId, extra);
    expect(res.errorCode).toBe(0);
    memberId = res.memberId;
    expect(res.leader).toBe(memberId);
    const synced = await sync(c, groupId, res.generationId, memberId, [{ memberId, assignment: Buffer.from('plan') }], extra);
    expect(synced.errorCode).toBe(0);
    expect(Buffer.from(synced.assignment).toString()).toBe('plan');
    return { memberId, generationId: res.generationId };
  }

  it('v4+: a new member first gets MEMBER_ID_REQUIRED and its id; v3 joins at once', async () => {
    const first = await join(c, 4, 'kip394');
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^raw-client-/);
    const second = await join(c, 4, 'kip394', first.memberId);
    expect(second).toMatchObject({ errorCode: 0, memberId: first.memberId, leader: first.memberId, generationId: 1, protocolName: 'range' });
    expect(second.members.map((m: { memberId: string }) => m.memberId)).toEqual([first.memberId]);
    const v3 = await join(c, 3, 'old-join');
    expect(v3.errorCode).toBe(0);
    expect(v3.memberId).toMatch(/^raw-client-/);
  });

  it('commits from a stale generation or an unknown member move no offset', async () => {
    const { memberId, generationId } = await stableGroup('commits');
    expect((await commit('commits', generationId, memberId, 42)).topics[0].partitions[0].errorCode).toBe(0);
    expect(await committed('commits')).toBe(42);
    expect((await commit('commits', generationId - 1, memberId, 7)).topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await commit('commits', generationId + 5, memberId, 7)).topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await commit('commits', generationId, 'nobody', 7)).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // Generation -1 (no group management) is refused while the group has members.
    expect((await commit('commits', -1, '', 7)).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await committed('commits')).toBe(42);
    // A commit for a group that does not exist with a real generation: ILLEGAL_GENERATION, nothing created.
    expect((await commit('ghost', 3, 'm', 7)).topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(t.broker.groups.group('ghost')).toBeUndefined();
  });

  it('errors: invalid session timeout, empty group id, inconsistent protocols, unknown members', async () => {
    expect((await join(c, 5, 'bad', '', { sessionTimeoutMs: 100 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join(c, 5, 'bad', '', { sessionTimeoutMs: 1_800_001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join(c, 5, '')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await join(c, 5, 'bad', 'who-is-this')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await stableGroup('proto');
    expect((await join(c, 5, 'proto', '', { protocolType: 'connect' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(c, 5, 'proto', '', { protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const hb = await c.request(HEARTBEAT, 4, createHeartbeatRequest({ groupId: 'proto', generationId: 1, memberId: 'nobody' }));
    expect(hb.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync(c, 'proto', 1, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('static membership: a rejoin with the same group.instance.id fences the old member id (KIP-345)', async () => {
    const instance = { groupInstanceId: 'instance-a' };
    const { memberId: oldId, generationId } = await stableGroup('static', instance);
    const rejoined = await join(c, 9, 'static', '', instance);
    expect(rejoined.errorCode).toBe(0);
    expect(rejoined.memberId).not.toBe(oldId);
    // Stable and unchanged: no rebalance, same generation, the leader is told to skip assigning.
    expect(rejoined.generationId).toBe(generationId);
    expect(rejoined.skipAssignment).toBe(true);
    const oldHb = await c.request(HEARTBEAT, 4, createHeartbeatRequest({ groupId: 'static', generationId, memberId: oldId, groupInstanceId: 'instance-a' }));
    expect(oldHb.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const newHb = await c.request(HEARTBEAT, 4, createHeartbeatRequest({ groupId: 'static', generationId, memberId: rejoined.memberId, groupInstanceId: 'instance-a' }));
    expect(newHb.errorCode).toBe(0);
    const synced = await sync(c, 'static', generationId, rejoined.memberId, [], instance);
    expect(Buffer.from(synced.assignment).toString()).toBe('plan');
    // Leave by instance id alone (v3+ batch leave).
    const left = await c.request(LEAVE_GROUP, 5, createLeaveGroupRequest({ groupId: 'static', members: [{ memberId: '', groupInstanceId: 'instance-a', reason: 'test' }] }));
    expect(left.members[0].errorCode).toBe(0);
    expect(t.broker.groups.group('static')!.state).toBe('Empty');
  });

  it('a huge member metadata blob is handled and the coordinator stays responsive', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 7);
    const other = await RawClient.connect(t.broker.port);
    const protocols = [{ name: 'range', metadata: huge }];
    const first = await join(other, 5, 'huge', '', { protocols });
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const res = await join(other, 5, 'huge', first.memberId, { protocols });
    expect(res.errorCode).toBe(0);
    expect(res.members[0].metadata.byteLength).toBe(huge.byteLength);
    // Storing 5 MiB of group metadata exceeds message.max.bytes: the sync fails cleanly, with
    // UNKNOWN_SERVER_ERROR as Kafka answers a group metadata append that is too large
    // (GroupMetadataManager.appendGroupMetadataErrorToResponseError).
    const synced = await sync(other, 'huge', res.generationId, res.memberId, [{ memberId: res.memberId, assignment: Buffer.from('x') }]);
    expect(synced.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    other.close();
    const ok = await stableGroup('after-huge');
    expect(ok.generationId).toBe(1);
  });

  it('a heartbeat storm from 1,000 fake members gets UNKNOWN_MEMBER_ID while a real group works', async () => {
    const { memberId, generationId } = await stableGroup('storm-real');
    const attacker = await RawClient.connect(t.broker.port);
    const storm = Array.from({ length: 1000 }, (_, i) =>
      attacker.request(HEARTBEAT, 4, createHeartbeatRequest({ groupId: i % 2 ? 'storm-real' : `storm-${i}`, generationId: 1, memberId: `fake-${i}` })),
    );
    const real = await c.request(HEARTBEAT, 4, createHeartbeatRequest({ groupId: 'storm-real', generationId, memberId }));
    const answers = await Promise.all(storm);
    expect(answers.every((a) => a.errorCode === ErrorCode.UNKNOWN_MEMBER_ID)).toBe(true);
    expect(real.errorCode).toBe(0);
    expect((await commit('storm-real', generationId, memberId, 9)).topics[0].partitions[0].errorCode).toBe(0);
    expect(t.broker.groups.group('storm-real')!.size).toBe(1);
    attacker.close();
  });

  it('DeleteGroups, OffsetDelete and ListGroups filters', async () => {
    const { memberId, generationId } = await stableGroup('busy');
    expect((await commit('busy', generationId, memberId, 5)).topics[0].partitions[0].errorCode).toBe(0);
    expect((await commit('idle', -1, '', 11)).topics[0].partitions[0].errorCode).toBe(0);
    const listed = await c.request(LIST_GROUPS, 5, { statesFilter: ['Empty'], typesFilter: [] });
    expect(listed.groups.map((g: { groupId: string }) => g.groupId)).toContain('idle');
    expect(listed.groups.map((g: { groupId: string }) => g.groupId)).not.toContain('busy');
    const offDel = await c.request(OFFSET_DELETE, 0, { groupId: 'busy', topics: [{ name: 'gp', partitions: [{ partitionIndex: 0 }] }] });
    expect(offDel.topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    expect(await committed('busy')).toBe(5);
    const offDelIdle = await c.request(OFFSET_DELETE, 0, { groupId: 'idle', topics: [{ name: 'gp', partitions: [{ partitionIndex: 0 }] }] });
    expect(offDelIdle.topics[0].partitions[0].errorCode).toBe(0);
    expect(await committed('idle')).toBe(-1);
    const del = await c.request(DELETE_GROUPS, 2, { groupsNames: ['busy', 'idle', 'never'] });
    expect(del.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.NON_EMPTY_GROUP, 0, ErrorCode.GROUP_ID_NOT_FOUND]);
  });

  it('offsets of a group empty longer than offsets.retention.minutes expire, then the group goes', async () => {
    expect((await commit('expiring', -1, '', 3)).topics[0].partitions[0].errorCode).toBe(0);
    const groups = t.broker.groups;
    expect(groups.expireOffsets(Date.now())).toBe(0);
    expect(await committed('expiring')).toBe(3);
    const aWeekLater = Date.now() + 7 * 24 * 3_600_000 + 1000;
    expect(groups.expireOffsets(aWeekLater)).toBeGreaterThanOrEqual(1);
    expect(await committed('expiring')).toBe(-1);
    expect(groups.group('expiring')).toBeUndefined();
  });
});
