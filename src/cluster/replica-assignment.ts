/**
 * Replica assignment as Kafka does it without racks (AdminUtils.assignReplicasToBrokers,
 * rack-unaware): partition p's first replica is broker (p + start) mod n over the sorted
 * live brokers, the others follow at a shift that grows every n partitions, so leaders and
 * followers spread evenly. `start` and the initial shift are random unless fixed (tests).
 * Errors: INVALID_REPLICATION_FACTOR if replicationFactor > live brokers or < 1.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

export function assignReplicas(
  numPartitions: number,
  replicationFactor: number,
  brokerIds: number[],
  fixedStartIndex = -1,
  random: () => number = Math.random,
  /** For CreatePartitions: the id of the first new partition (the rotation continues from it). */
  startPartitionId = 0,
): number[][] {
  const brokers = [...brokerIds].sort((a, b) => a - b);
  const n = brokers.length;
  if (replicationFactor < 1) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be at least 1, got ${replicationFactor}`);
  if (replicationFactor > n) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor: ${replicationFactor} larger than available brokers: ${n}`);
  }
  const startIndex = fixedStartIndex >= 0 ? fixedStartIndex : Math.floor(random() * n);
  let nextReplicaShift = fixedStartIndex >= 0 ? fixedStartIndex : Math.floor(random() * n);
  const out: number[][] = [];
  for (let p = startPartitionId; p < startPartitionId + numPartitions; p++) {
    if (p > 0 && p % n === 0) nextReplicaShift++;
    const first = (p + startIndex) % n;
    const replicas = [brokers[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) {
      const shift = 1 + ((nextReplicaShift + j) % (n - 1));
      replicas.push(brokers[(first + shift) % n]!);
    }
    out.push(replicas);
  }
  return out;
}

/** A live broker as the assignment sees it: its id and `broker.rack` (null: none). */
export interface RackedBroker {
  id: number;
  rack: string | null;
}

/**
 * Kafka's getRackAlternatedBrokerList: the brokers ordered by alternating racks (racks sorted
 * by name, each rack's brokers by id): rack1's first, rack2's first, …, rack1's second, ….
 */
export function rackAlternatedBrokerList(brokers: readonly RackedBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) byRack.set(b.rack!, [...(byRack.get(b.rack!) ?? []), b.id]);
  const racks = [...byRack.keys()].sort();
  const queues = racks.map((r) => byRack.get(r)!.sort((a, b) => a - b));
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i = (i + 1) % racks.length) {
    const next = queues[i]!.shift();
    if (next !== undefined) out.push(next);
  }
  return out;
}

/**
 * Replica assignment as Kafka's AdminUtils.assignReplicasToBrokers does it: rack-unaware
 * when no broker has a rack; rack-aware when every broker has one (the leaders walk the
 * rack-alternated list; each further replica goes to the next broker whose rack has no
 * replica yet, unless every rack has one, and that has none itself, unless every broker
 * has one), so a partition's replicas span as many racks as they can.
 * Errors: INVALID_REPLICATION_FACTOR (more replicas than brokers); UNKNOWN_SERVER_ERROR when
 * only some brokers have a rack (Kafka's AdminOperationException).
 */
export function assignReplicasToBrokers(
  numPartitions: number,
  replicationFactor: number,
  brokers: readonly RackedBroker[],
  fixedStartIndex = -1,
  random: () => number = Math.random,
  startPartitionId = 0,
): number[][] {
  const withRack = brokers.filter((b) => b.rack !== null).length;
  if (withRack === 0) return assignReplicas(numPartitions, replicationFactor, brokers.map((b) => b.id), fixedStartIndex, random, startPartitionId);
  if (withRack < brokers.length) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Not all brokers have rack information for replica rack aware assignment.');
  if (replicationFactor < 1) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be at least 1, got ${replicationFactor}`);
  if (replicationFactor > brokers.length) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}`);
  }
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack!]));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokerList(brokers);
  const n = arranged.length;
  const startIndex = fixedStartIndex >= 0 ? fixedStartIndex : Math.floor(random() * n);
  let nextReplicaShift = fixedStartIndex >= 0 ? fixedStartIndex : Math.floor(random() * n);
  const out: number[][] = [];
  for (let p = Math.max(0, startPartitionId); p < startPartitionId + numPartitions; p++) {
    if (p > 0 && p % n === 0) nextReplicaShift++;
    const first = (p + startIndex) % n;
    const leader = arranged[first]!;
    const replicas = [leader];
    const racksWithReplicas = new Set([rackOf.get(leader)!]);
    const brokersWithReplicas = new Set([leader]);
    let k = 0;
    for (let r = 0; r < replicationFactor - 1; r++) {
      for (;;) {
        const shift = 1 + ((nextReplicaShift * numRacks + k) % (n - 1));
        const broker = arranged[(first + shift) % n]!;
        const rack = rackOf.get(broker)!;
        k++;
        if ((!racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks) && (!brokersWithReplicas.has(broker) || brokersWithReplicas.size === n)) {
          replicas.push(broker);
          racksWithReplicas.add(rack);
          brokersWithReplicas.add(broker);
          break;
        }
      }
    }
    out.push(replicas);
  }
  return out;
}
