/**
 * The gateway's group operations, frame by frame (a real broker, real sockets, frames built
 * by hand; the consumer-protocol bytes come from the client library's encoder and are
 * checked against KafkaJS's own decoder): KIP-394's two-step join, sync, heartbeat, commit
 * and fetch of offsets; the coordinator's errors as error frames (MEMBER_ID_REQUIRED with
 * the member id, ILLEGAL_GENERATION for a stale commit that moves nothing,
 * UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT,
 * INCONSISTENT_GROUP_PROTOCOL); and KafkaJS's admin client, over the Kafka protocol,
 * seeing the same group, members and offsets. Also /metrics: group lag and Kafka request
 * latency.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../src/client/consumer-protocol.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawSocket } from './raw-socket.js';

const TOPIC = 'group-ops';
const GROUP = 'raw-group';

describe('WebSocket gateway: group operations', () => {
  let t: TestBroker;
  let a: RawSocket;
  let b: RawSocket;
  let kafka: Kafka;
  const subscription = encodeSubscription([TOPIC]);
  const join = (s: RawSocket, fields: Record<string, unknown> = {}) =>
    s.request('joinGroup', { groupId: GROUP, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription }], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, clientId: 'raw-ws', ...fields }, 20_000);
  /** KIP-394: MEMBER_ID_REQUIRED hands out the id; the second join parks until the rebalance. */
  const memberIdOf = async (s: RawSocket) => {
    const first = await join(s);
    expect(first).toMatchObject({ type: 'error', code: 79, name: 'MEMBER_ID_REQUIRED' });
    expect(first.memberId).toMatch(/^raw-ws-/);
    return first.memberId as string;
  };
  let memberA = '';
  let generation = 0;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 } });
    a = await RawSocket.open(t.broker.websocketPort);
    b = await RawSocket.open(t.broker.websocketPort);
    expect(await a.request('createTopic', { topic: TOPIC, partitions: 2 })).toMatchObject({ type: 'result' });
    const produced = await a.request('produce', { topic: TOPIC, partition: 0, records: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
    expect(produced).toMatchObject({ type: 'result', partitions: [{ partition: 0, baseOffset: 0, recordCount: 10 }] });
    kafka = new Kafka({ clientId: 'group-ops-admin', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    await t.stop();
  });

  it('join (two steps), sync, heartbeat, commit and fetch offsets; KafkaJS admin sees the same group', async () => {
    memberA = await memberIdOf(a);
    const joined = await join(a, { memberId: memberA });
    expect(joined).toMatchObject({ type: 'result', memberId: memberA, leader: memberA, protocolType: 'consumer', protocolName: 'range', skipAssignment: false });
    generation = joined.generationId;
    expect(generation).toBeGreaterThan(0);
    expect(joined.members).toHaveLength(1);
    expect(Buffer.from(joined.members[0].metadata)).toEqual(Buffer.from(subscription));

    const assignment = encodeAssignment([
      { topic: TOPIC, partition: 1 },
      { topic: TOPIC, partition: 0 },
    ]);
    const synced = await a.request('syncGroup', { groupId: GROUP, generationId: generation, memberId: memberA, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: memberA, assignment }] });
    expect(synced).toMatchObject({ type: 'result', protocolType: 'consumer', protocolName: 'range' });
    expect(decodeAssignment(synced.assignment).partitions).toEqual([{ topic: TOPIC, partitions: [0, 1] }]);
    expect(await a.request('heartbeat', { groupId: GROUP, generationId: generation, memberId: memberA })).toMatchObject({ type: 'result' });

    const committed = await a.request('commitOffsets', { groupId: GROUP, generationId: generation, memberId: memberA, offsets: [{ topic: TOPIC, partition: 0, offset: 7, metadata: 'seven' }] });
    expect(committed).toEqual({ type: 'result', id: committed.id, partitions: [{ topic: TOPIC, partition: 0 }] });
    const fetched = await a.request('fetchOffsets', { groupId: GROUP, partitions: [{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }] });
    expect(fetched.offsets).toEqual([
      { topic: TOPIC, partition: 0, offset: 7, leaderEpoch: -1, metadata: 'seven' },
      { topic: TOPIC, partition: 1, offset: -1, leaderEpoch: -1, metadata: '' },
    ]);

    // The Kafka protocol's view of the same group.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([GROUP]);
      expect(groups[0]).toMatchObject({ groupId: GROUP, state: 'Stable', protocolType: 'consumer', protocol: 'range' });
      expect(groups[0]!.members).toHaveLength(1);
      expect(groups[0]!.members[0]).toMatchObject({ memberId: memberA, clientId: 'raw-ws', clientHost: '/127.0.0.1' });
      // KafkaJS's own decoder reads our ConsumerProtocolAssignment.
      const { AssignerProtocol } = await import('kafkajs');
      expect(AssignerProtocol.MemberAssignment.decode(groups[0]!.members[0]!.memberAssignment)).toEqual({ version: 0, assignment: { [TOPIC]: [0, 1] }, userData: Buffer.alloc(0) });
      expect(AssignerProtocol.MemberMetadata.decode(groups[0]!.members[0]!.memberMetadata)).toEqual({ version: 0, topics: [TOPIC], userData: Buffer.alloc(0) });
      const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      expect(offsets[0]!.partitions.sort((x, y) => x.partition - y.partition)).toEqual([
        { partition: 0, offset: '7', metadata: 'seven' },
        { partition: 1, offset: '-1', metadata: null },
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('a commit with a stale generation → ILLEGAL_GENERATION, and nothing moves', async () => {
    const stale = await a.request('commitOffsets', { groupId: GROUP, generationId: generation - 1, memberId: memberA, offsets: [{ topic: TOPIC, partition: 0, offset: 9 }] });
    expect(stale).toMatchObject({ type: 'error', code: 22, name: 'ILLEGAL_GENERATION' });
    const ahead = await a.request('commitOffsets', { groupId: GROUP, generationId: generation + 1, memberId: memberA, offsets: [{ topic: TOPIC, partition: 0, offset: 9 }, { topic: TOPIC, partition: 1, offset: 1 }] });
    expect(ahead).toMatchObject({ type: 'error', code: 22, name: 'ILLEGAL_GENERATION' });
    expect(await a.request('heartbeat', { groupId: GROUP, generationId: generation + 1, memberId: memberA })).toMatchObject({ code: 22, name: 'ILLEGAL_GENERATION' });
    const fetched = await a.request('fetchOffsets', { groupId: GROUP });
    expect(fetched.offsets).toEqual([{ topic: TOPIC, partition: 0, offset: 7, leaderEpoch: -1, metadata: 'seven' }]);
  });

  it('an unknown member → UNKNOWN_MEMBER_ID (heartbeat, commit, sync, join, leave)', async () => {
    const who = { groupId: GROUP, generationId: generation, memberId: 'nobody' };
    expect(await a.request('heartbeat', who)).toMatchObject({ type: 'error', code: 25, name: 'UNKNOWN_MEMBER_ID' });
    expect(await a.request('commitOffsets', { ...who, offsets: [{ topic: TOPIC, partition: 0, offset: 9 }] })).toMatchObject({ code: 25, name: 'UNKNOWN_MEMBER_ID' });
    expect(await a.request('syncGroup', who)).toMatchObject({ code: 25, name: 'UNKNOWN_MEMBER_ID' });
    expect(await join(a, { memberId: 'nobody' })).toMatchObject({ code: 25, name: 'UNKNOWN_MEMBER_ID' });
    expect(await a.request('leaveGroup', { groupId: GROUP, memberId: 'nobody' })).toMatchObject({ code: 25, name: 'UNKNOWN_MEMBER_ID' });
    // A commit outside group management (generation -1) is refused while the group has members.
    expect(await a.request('commitOffsets', { groupId: GROUP, offsets: [{ topic: TOPIC, partition: 0, offset: 9 }] })).toMatchObject({ code: 25, name: 'UNKNOWN_MEMBER_ID' });
    expect((await a.request('fetchOffsets', { groupId: GROUP })).offsets[0].offset).toBe(7);
  });

  it('a second member: the first learns REBALANCE_IN_PROGRESS from its heartbeat; both join the next generation', async () => {
    const memberB = await memberIdOf(b);
    const bJoined = join(b, { memberId: memberB });
    // b's join parks until a rejoins; a's heartbeat tells it to.
    let hb: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) {
      hb = await a.request('heartbeat', { groupId: GROUP, generationId: generation, memberId: memberA });
      if (hb['type'] === 'error') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(hb).toMatchObject({ type: 'error', code: 27, name: 'REBALANCE_IN_PROGRESS' });
    // Commits of the old generation still go through while the group prepares (as Kafka).
    expect(await a.request('commitOffsets', { groupId: GROUP, generationId: generation, memberId: memberA, offsets: [{ topic: TOPIC, partition: 0, offset: 8 }] })).toMatchObject({ type: 'result' });
    const [aJoined, bResult] = await Promise.all([join(a, { memberId: memberA }), bJoined]);
    expect(aJoined).toMatchObject({ type: 'result', generationId: generation + 1, leader: memberA });
    expect(bResult).toMatchObject({ type: 'result', generationId: generation + 1, leader: memberA, memberId: memberB, members: [] });
    expect(aJoined.members.map((m: { memberId: string }) => m.memberId).sort()).toEqual([memberA, memberB].sort());
    // Now the old generation is stale.
    expect(await a.request('commitOffsets', { groupId: GROUP, generationId: generation, memberId: memberA, offsets: [{ topic: TOPIC, partition: 0, offset: 9 }] })).toMatchObject({ code: 22, name: 'ILLEGAL_GENERATION' });
    generation += 1;
    const assignments = [
      { memberId: memberA, assignment: encodeAssignment([{ topic: TOPIC, partition: 0 }]) },
      { memberId: memberB, assignment: encodeAssignment([{ topic: TOPIC, partition: 1 }]) },
    ];
    const bSync = b.request('syncGroup', { groupId: GROUP, generationId: generation, memberId: memberB });
    const aSync = await a.request('syncGroup', { groupId: GROUP, generationId: generation, memberId: memberA, assignments });
    expect(decodeAssignment(aSync.assignment).partitions).toEqual([{ topic: TOPIC, partitions: [0] }]);
    expect(decodeAssignment((await bSync).assignment).partitions).toEqual([{ topic: TOPIC, partitions: [1] }]);

    // b leaves: a is told to rebalance; leaving twice → UNKNOWN_MEMBER_ID.
    expect(await b.request('leaveGroup', { groupId: GROUP, memberId: memberB })).toMatchObject({ type: 'result' });
    expect(await b.request('leaveGroup', { groupId: GROUP, memberId: memberB })).toMatchObject({ code: 25, name: 'UNKNOWN_MEMBER_ID' });
    expect(await a.request('heartbeat', { groupId: GROUP, generationId: generation, memberId: memberA })).toMatchObject({ code: 27, name: 'REBALANCE_IN_PROGRESS' });
    const again = await join(a, { memberId: memberA });
    expect(again).toMatchObject({ type: 'result', generationId: generation + 1, leader: memberA });
    expect(again.members).toHaveLength(1);
  });

  it("the coordinator's other refusals: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL", async () => {
    expect(await join(b, { groupId: '' })).toMatchObject({ type: 'error', code: 24, name: 'INVALID_GROUP_ID' });
    expect(await join(b, { sessionTimeoutMs: 10 })).toMatchObject({ code: 26, name: 'INVALID_SESSION_TIMEOUT' });
    expect(await join(b, { protocolType: 'connect' })).toMatchObject({ code: 23, name: 'INCONSISTENT_GROUP_PROTOCOL' });
    expect(await join(b, { protocols: [{ name: 'cooperative-sticky', metadata: subscription }] })).toMatchObject({ code: 23, name: 'INCONSISTENT_GROUP_PROTOCOL' });
    expect(await b.request('fetchOffsets', { groupId: '' })).toMatchObject({ code: 24, name: 'INVALID_GROUP_ID' });
  });

  it('findCoordinator: a single broker coordinates every group', async () => {
    const c = await b.request('findCoordinator', { groupId: 'any-group' });
    expect(c).toMatchObject({ type: 'result', nodeId: t.broker.config.nodeId, port: t.broker.port, websocketPort: t.broker.websocketPort });
  });

  it('/metrics: committed offset and lag per group and partition; Kafka request latency by API', async () => {
    const text = await (await fetch(`http://127.0.0.1:${t.broker.websocketPort}/metrics`)).text();
    expect(text).toMatch(new RegExp(`^gregor_consumer_group_committed_offset\\{group="${GROUP}",topic="${TOPIC}",partition="0"\\} 8$`, 'm'));
    expect(text).toMatch(new RegExp(`^gregor_consumer_group_lag_records\\{group="${GROUP}",topic="${TOPIC}",partition="0"\\} 2$`, 'm'));
    // KafkaJS's admin calls of the first test went through the Kafka listener.
    const count = (api: string) => Number(new RegExp(`^gregor_kafka_request_duration_seconds_count\\{api="${api}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('DescribeGroups')).toBeGreaterThanOrEqual(1);
    expect(count('OffsetFetch')).toBeGreaterThanOrEqual(1);
    expect(count('ApiVersions')).toBeGreaterThanOrEqual(1);
  });
});
