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
