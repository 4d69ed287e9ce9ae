/**
 * The controller role of a single broker, a cluster of one: always active; a controlled
 * shutdown has no other replica to move leadership to, so every partition the broker leads
 * remains with it (as Kafka's controller answers when no other ISR member exists); and every
 * partition is led by its only, preferred, replica, so no election is ever needed.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import type { ElectionResult, OngoingReassignment } from './controller.js';
import type { ElectionType } from './leader-election.js';

export interface ControllerRole {
  /** Whether this broker is the active controller. */
  readonly isActive: boolean;
  /**
   * Moves `brokerId`'s leaderships to other in-sync replicas (Kafka
   * KafkaController.doControlledShutdown); resolves to the count it still leads.
   */
  controlledShutdown(brokerId: number): Promise<number>;
  /**
   * ElectLeaders (KIP-460): a `type` election for each of `partitions` (null: all), one
   * result per partition (NONE, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
   * ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, NOT_CONTROLLER).
   */
  electLeaders(partitions: ReadonlyArray<[string, number]> | null, type: ElectionType): Promise<ElectionResult[]>;
  /** AlterPartitionReassignments (KIP-455): start (replicas) or cancel (null) reassignments; one result per partition. */
  alterPartitionReassignments(changes: ReadonlyArray<{ topic: string; partition: number; replicas: readonly number[] | null }>): Promise<ElectionResult[]>;
  /** Reassignments in progress, of `partitions` (null: all). */
  listPartitionReassignments(partitions: ReadonlyArray<[string, number]> | null): OngoingReassignment[];
}

export class LocalController implements ControllerRole {
  readonly isActive = true;

  constructor(private readonly metadata: ClusterMetadata) {}

  async controlledShutdown(brokerId: number): Promise<number> {
    let led = 0;
    for (const t of this.metadata.topics()) {
      for (let p = 0; p < t.partitionCount; p++) if (this.metadata.partition(t.name, p)?.leader === brokerId) led++;
    }
    return led;
  }

  async electLeaders(partitions: ReadonlyArray<[string, number]> | null): Promise<ElectionResult[]> {
    const wanted = partitions ?? this.metadata.topics().flatMap((t) => Array.from({ length: t.partitionCount }, (_, p): [string, number] => [t.name, p]));
    return wanted.map(([topic, partition]) =>
      this.metadata.partition(topic, partition)
        ? { topic, partition, errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: 'the only replica is the leader' }
        : { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `${topic}-${partition} does not exist` },
    );
  }

  /** The only broker already holds every replica: its own id is the only valid target, and nothing is ever in progress. */
  async alterPartitionReassignments(changes: ReadonlyArray<{ topic: string; partition: number; replicas: readonly number[] | null }>): Promise<ElectionResult[]> {
    return changes.map(({ topic, partition, replicas }) => {
      const p = this.metadata.partition(topic, partition);
      if (!p) return { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `${topic}-${partition} does not exist` };
      if (replicas === null) return { topic, partition, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, message: `no reassignment of ${topic}-${partition} is in progress` };
      const ok = replicas.length === 1 && replicas[0] === p.leader;
      return ok ? { topic, partition, errorCode: ErrorCode.NONE, message: null } : { topic, partition, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `[${replicas}] names brokers other than this one (${p.leader})` };
    });
  }

  listPartitionReassignments(): OngoingReassignment[] {
    return [];
  }
}
