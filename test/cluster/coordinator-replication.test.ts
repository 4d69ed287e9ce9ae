/**
 * The group coordinator answers a write only once it is replicated: two broker processes on a
 * real ZooKeeper, `__consumer_offsets` with replication factor 2. With the follower of the
 * group's partition paused (SIGSTOP, well inside replica.lag.time.max.ms so it stays in the
 * ISR), the high watermark cannot pass the coordinator's write: SyncGroup (the group metadata
 * write that completes a rebalance), OffsetCommit, OffsetDelete and DeleteGroups are not
 * answered until the follower resumes, and fail with COORDINATOR_NOT_AVAILABLE when it does not resume within
 * offsets.commit.timeout.ms (Kafka GroupMetadataManager.appendGroupMetadataErrorToResponseError).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  createFindCoordinatorRequest,
  createJoinGroupRequest,
  createMetadataRequest,
  createOffsetCommitRequest,
  createOffsetFetchRequest,
  createSyncGroupRequest,
} from '../../src/protocol/generated/index.js';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitForAsync } from '../helpers/wait.js';

const OFFSET_COMMIT = 8;
const OFFSET_FETCH = 9;
const FIND_COORDINATOR = 10;
const JOIN_GROUP = 11;
const SYNC_GROUP = 14;
const DELETE_GROUPS = 42;
const OFFSET_DELETE = 47;
const GROUP = 'replicated-group';
const TOPIC = 'rg';
/** offsets.commit.timeout.ms for these brokers. */
const COMMIT_TIMEOUT_MS = 2_000;
/** How long an answer must stay away while the follower is paused. */
const HELD_MS = 1_000;

describe('cluster: coordinator writes wait for the ISR of __consumer_offsets', () => {
  let cluster: ProcessCluster;
  let client: RawClient;
  let follower: BrokerProcess;

  beforeAll(async () => {
    cluster = await ProcessCluster.start([1, 2], [
      'zookeeper.session.timeout.ms=15000', 'replica.lag.time.max.ms=30000', 'replica.fetch.wait.max.ms=100', 'group.initial.rebalance.delay.ms=0', 'offsets.topic.num.partitions=1', 'offsets.topic.replication.factor=2', `offsets.commit.timeout.ms=${COMMIT_TIMEOUT_MS}`, 'group.min.session.timeout.ms=1000',
    ], 'gregor-cr');
    const kafka = new Kafka({ clientId: 'cr', brokers: cluster.bootstrap(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 2 }] });
    await admin.disconnect();

    // FindCoordinator creates __consumer_offsets; wait until its one partition has both replicas in sync.
    let coordinatorId = -1;
    await waitForAsync(async () => {
      const c = await RawClient.connect(cluster.portOf(1));
      try {
        const found = await c.request(FIND_COORDINATOR, 3, createFindCoordinatorRequest({ key: GROUP, keyType: 0 }));
        if (found.errorCode !== ErrorCode.NONE) return false;
        coordinatorId = found.nodeId;
        const meta = await c.request(3, 12, createMetadataRequest({ topics: [{ name: '__consumer_offsets', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
        const p = meta.topics[0].partitions[0];
        return p.leaderId === coordinatorId && p.isrNodes.length === 2;
      } finally {
        c.close();
      }
    }, 20_000, 'the coordinator with a full ISR of __consumer_offsets');
    follower = cluster.node(coordinatorId === 1 ? 2 : 1).proc!;
    client = await RawClient.connect(cluster.portOf(coordinatorId));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  const pause = async () => {
    follower.child.kill('SIGSTOP');
    // A follower fetch parked on the leader would still be answered into the stopped process's
    // socket buffer: wait until such fetches have timed out (replica.fetch.wait.max.ms).
    await new Promise((r) => setTimeout(r, 400));
  };
  const resume = () => follower.child.kill('SIGCONT');
  /** 'pending' if `answer` has not settled within `ms`. */
  const within = <T>(answer: Promise<T>, ms: number) =>
    Promise.race([answer, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

  const join = (memberId: string) =>
    client.request(JOIN_GROUP, 9, createJoinGroupRequest({ groupId: GROUP, memberId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('sub') }] }));
  const sync = (generationId: number, memberId: string) =>
    client.request(SYNC_GROUP, 5, createSyncGroupRequest({ groupId: GROUP, generationId, memberId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: Buffer.from('plan') }] }));
  const commit = (generationId: number, memberId: string, offset: number, groupId = GROUP) =>
    client.request(OFFSET_COMMIT, 8, createOffsetCommitRequest({ groupId, generationIdOrMemberEpoch: generationId, memberId, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }] }));
  const committed = async (groupId = GROUP) =>
    (await client.request(OFFSET_FETCH, 7, createOffsetFetchRequest({ groupId, topics: [{ name: TOPIC, partitionIndexes: [0] }] }))).topics[0].partitions[0].committedOffset as number;

  let member = '';
  /** Joins (or rejoins as the group's one member): the member leads the new generation. */
  async function joined(): Promise<{ memberId: string; generationId: number }> {
    if (member === '') {
      const first = await join('');
      expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      member = first.memberId;
    }
    const res = await join(member);
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(res.leader).toBe(res.memberId);
    return { memberId: res.memberId, generationId: res.generationId };
  }

  it('SyncGroup and OffsetCommit are answered only once the follower has the write', async () => {
    const { memberId, generationId } = await joined();
    await pause();
    const synced = sync(generationId, memberId);
    expect(await within(synced, HELD_MS)).toBe('pending');
    resume();
    const s = await synced;
    expect(s.errorCode).toBe(ErrorCode.NONE);
    expect(Buffer.from(s.assignment).toString()).toBe('plan');

    await pause();
    const committing = commit(generationId, memberId, 42);
    expect(await within(committing, HELD_MS)).toBe('pending');
    resume();
    expect((await committing).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect(await committed()).toBe(42);
  });

  it('a write the follower does not get within offsets.commit.timeout.ms fails with COORDINATOR_NOT_AVAILABLE', async () => {
    const { memberId, generationId } = await joined();
    await pause();
    try {
      const s = await sync(generationId, memberId);
      expect(s.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } finally {
      resume();
    }
    const again = await joined();
    expect((await sync(again.generationId, again.memberId)).errorCode).toBe(ErrorCode.NONE);

    await pause();
    try {
      const c = await commit(again.generationId, again.memberId, 77);
      expect(c.topics[0].partitions[0].errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } finally {
      resume();
    }
    // Not acknowledged, so not applied: the previous commit still stands.
    expect(await committed()).toBe(42);
  });

  it('OffsetDelete and DeleteGroups are answered only once the follower has the tombstones', async () => {
    const manual = 'manually-assigned';
    expect((await commit(-1, '', 5, manual)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    await pause();
    const deleting = client.request(OFFSET_DELETE, 0, { groupId: manual, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] });
    expect(await within(deleting, HELD_MS)).toBe('pending');
    resume();
    const deleted = await deleting;
    expect(deleted.errorCode).toBe(ErrorCode.NONE);
    expect(deleted.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect(await committed(manual)).toBe(-1);

    expect((await commit(-1, '', 6, manual)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    await pause();
    const dropping = client.request(DELETE_GROUPS, 2, { groupsNames: [manual] });
    expect(await within(dropping, HELD_MS)).toBe('pending');
    resume();
    expect((await dropping).results.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.NONE]);
  });
});
