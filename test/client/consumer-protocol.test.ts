/**
 * The embedded consumer protocol and the assignors, against the real thing: our
 * ConsumerProtocolSubscription / Assignment bytes equal KafkaJS 2.2.4's own encoder's
 * (AssignerProtocol), we read later versions as the Java client writes them (v3: owned
 * partitions, generation, rack), our RoundRobinAssigner deals partitions exactly as
 * KafkaJS's, and our range assignor gives the splits of Kafka's RangeAssignor javadoc.
 */
import { AssignerProtocol, PartitionAssigners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type GroupMember, rangeAssignor, roundRobinAssigner } from '../../src/client/assignors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../src/client/consumer-protocol.js';
import { Writer } from '../../src/protocol/primitives.js';

const bytes = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('consumer protocol encoding', () => {
  it('subscriptions and assignments are byte for byte what KafkaJS writes', () => {
    expect(bytes(encodeSubscription(['orders', 'payments', 'é-topic']))).toBe(bytes(AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['orders', 'payments', 'é-topic'], userData: Buffer.alloc(0) })));
    const ours = encodeAssignment([
      { topic: 'payments', partition: 1 },
      { topic: 'orders', partition: 2 },
      { topic: 'orders', partition: 0 },
    ]);
    expect(bytes(ours)).toBe(bytes(AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { orders: [0, 2], payments: [1] }, userData: Buffer.alloc(0) })));
    expect(AssignerProtocol.MemberAssignment.decode(Buffer.from(ours))).toEqual({ version: 0, assignment: { orders: [0, 2], payments: [1] }, userData: Buffer.alloc(0) });
    const theirs = decodeSubscription(AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['a', 'b'], userData: Buffer.from('xy') }));
    expect(theirs).toMatchObject({ version: 0, topics: ['a', 'b'], ownedPartitions: [] });
    expect(Buffer.from(theirs.userData!).toString()).toBe('xy');
  });

  it("reads the Java client's v3 subscription (user data null, owned partitions, generation, rack)", () => {
    const w = new Writer();
    w.writeInt16(3);
    w.writeInt32(1);
    w.writeString('orders');
    w.writeInt32(-1); // userData: null
    w.writeInt32(1); // ownedPartitions
    w.writeString('orders');
    w.writeInt32(2);
    w.writeInt32(0);
    w.writeInt32(3);
    w.writeInt32(7); // generationId
    w.writeString('rack-a');
    const encoded = Buffer.concat(w.finish());
    expect(decodeSubscription(encoded)).toEqual({ version: 3, topics: ['orders'], userData: null, ownedPartitions: [{ topic: 'orders', partitions: [0, 3] }] });
  });

  it('an empty assignment is no partitions; truncated data is INCONSISTENT_GROUP_PROTOCOL', () => {
    expect(decodeAssignment(new Uint8Array(0)).partitions).toEqual([]);
    const truncated = encodeAssignment([{ topic: 'orders', partition: 0 }]).subarray(0, 9);
    expect(() => decodeAssignment(truncated)).toThrow(expect.objectContaining({ type: 'INCONSISTENT_GROUP_PROTOCOL' }));
  });
});

describe('assignors', () => {
  const member = (memberId: string, topics: string[], groupInstanceId: string | null = null): GroupMember => ({ memberId, groupInstanceId, topics });
  const asObject = (m: Map<string, Array<{ topic: string; partition: number }>>) =>
    Object.fromEntries([...m].map(([id, tps]) => [id, tps.map((tp) => `${tp.topic}-${tp.partition}`).sort()]));

  it("RoundRobinAssigner deals partitions as KafkaJS's does", async () => {
    const partitionsPerTopic = new Map([
      ['alpha', 5],
      ['beta', 3],
    ]);
    const cluster = { findTopicPartitionMetadata: (topic: string) => Array.from({ length: partitionsPerTopic.get(topic)! }, (_, partitionId) => ({ partitionId })) };
    const kafkajs = PartitionAssigners.roundRobin({ cluster } as never);
    for (const ids of [['m-1'], ['m-2', 'm-1'], ['gregor-websocket-9', 'child-77-a', 'rdkafka-3'], ['d', 'c', 'b', 'a', 'e', 'f', 'g', 'h', 'i']]) {
      const members = ids.map((id) => member(id, ['alpha', 'beta']));
      const theirs = await kafkajs.assign({ members: ids.map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) })), topics: ['alpha', 'beta'] } as never);
      const expected = Object.fromEntries(
        (theirs as Array<{ memberId: string; memberAssignment: Buffer }>).map(({ memberId, memberAssignment }) => {
          const { assignment } = AssignerProtocol.MemberAssignment.decode(memberAssignment)!;
          return [memberId, Object.entries(assignment).flatMap(([topic, ps]) => (ps as number[]).map((p) => `${topic}-${p}`)).sort()];
        }),
      );
      expect(asObject(roundRobinAssigner.assign(members, partitionsPerTopic))).toEqual(expected);
    }
  });

  it("range gives the splits of Kafka's RangeAssignor", () => {
    // Javadoc: C0 and C1 subscribe t0 and t1 (3 partitions each) → C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2].
    const both = [member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])];
    expect(asObject(rangeAssignor.assign(both, new Map([['t0', 3], ['t1', 3]])))).toEqual({ C0: ['t0-0', 't0-1', 't1-0', 't1-1'], C1: ['t0-2', 't1-2'] });
    // Per topic, only its subscribers; group.instance.id orders before member ids.
    const mixed = [member('a', ['t0']), member('z', ['t0', 't1'], 'instance-1'), member('b', ['t1'])];
    expect(asObject(rangeAssignor.assign(mixed, new Map([['t0', 4], ['t1', 2], ['t2', 9]])))).toEqual({ z: ['t0-0', 't0-1', 't1-0'], a: ['t0-2', 't0-3'], b: ['t1-1'] });
  });
});
