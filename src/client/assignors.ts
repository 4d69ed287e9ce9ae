/**
 * Partition assignors a group leader runs (JoinGroup protocol names, the embedded
 * "consumer" protocol). The group picks one every member offers (the most voted), so a
 * WebSocket consumer offers assignors other clients also know:
 *   - `range` — Kafka's RangeAssignor (the Java client's default; librdkafka's first):
 *     per topic, the members subscribed to it in order, each a contiguous range; the first
 *     `partitions % members` get one more.
 *   - `RoundRobinAssigner` — KafkaJS 2.2.4's only built-in assigner, under its name: every
 *     partition (topics sorted, partitions ascending) in turn to the members sorted by
 *     member id, skipping members not subscribed to the topic (Kafka's RoundRobinAssignor;
 *     the same split as KafkaJS when members subscribe alike).
 * Member order is Kafka's MemberInfo order: members with a group.instance.id first, by it;
 * then by member id (UTF-16 code units, as Java's String.compareTo).
 * Source: Kafka RangeAssignor.java, RoundRobinAssignor.java, AbstractPartitionAssignor.java;
 * kafkajs/src/consumer/assigners/roundRobinAssigner/index.js.
 */
import type { TopicPartition } from './records.js';

/** A group member as the leader sees it (from its JoinGroup metadata). */
export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  /** Subscribed topics. */
  topics: string[];
}

export interface Assignor {
  /** The JoinGroup protocol name. */
  readonly name: string;
  /**
   * Assigns the partitions of `partitionsPerTopic` (topic → partition count; topics no
   * member subscribes to are ignored) to `members`. Returns each member's partitions
   * (members that get nothing may be missing).
   */
  assign(members: GroupMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]>;
}

/** Kafka's MemberInfo ordering. */
export function compareMembers(a: GroupMember, b: GroupMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function add(out: Map<string, TopicPartition[]>, memberId: string, tp: TopicPartition): void {
  const list = out.get(memberId);
  if (list) list.push(tp);
  else out.set(memberId, [tp]);
}

/** Kafka's RangeAssignor ("range"). */
export const rangeAssignor: Assignor = {
  name: 'range',
  assign(members, partitionsPerTopic) {
    const out = new Map<string, TopicPartition[]>();
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => compareStrings(a, b))) {
      const consumers = members.filter((m) => m.topics.includes(topic)).sort(compareMembers);
      if (consumers.length === 0) continue;
      const per = Math.floor(count / consumers.length);
      const extra = count % consumers.length;
      consumers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) add(out, m.memberId, { topic, partition: p });
      });
    }
    return out;
  },
};

/** KafkaJS's RoundRobinAssigner, under its name (Kafka's round robin). */
export const roundRobinAssigner: Assignor = {
  name: 'RoundRobinAssigner',
  assign(members, partitionsPerTopic) {
    const out = new Map<string, TopicPartition[]>();
    const sorted = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
    if (sorted.length === 0) return out;
    let next = 0;
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => compareStrings(a, b))) {
      if (!sorted.some((m) => m.topics.includes(topic))) continue;
      for (let p = 0; p < count; p++) {
        while (!sorted[next % sorted.length]!.topics.includes(topic)) next++;
        add(out, sorted[next % sorted.length]!.memberId, { topic, partition: p });
        next++;
      }
    }
    return out;
  },
};

/** What a consumer offers by default, in order of preference. */
export const DEFAULT_ASSIGNORS: readonly Assignor[] = [rangeAssignor, roundRobinAssigner];
