/**
 * Creating, growing and deleting topics (Kafka's ZkAdminManager / AdminZkClient): the one
 * interface CreateTopics, CreatePartitions, DeleteTopics, Metadata's auto-creation and
 * FindCoordinator use, whether the broker is alone (src/cluster/local-topic-admin.ts: its logs)
 * or in a ZooKeeper cluster (src/cluster/zk-topic-admin.ts). The checks are shared: a single
 * broker is a cluster of one live broker, so a replication factor of 2 fails there exactly as
 * it fails on a cluster of one.
 * Source: protocol guide CreateTopics / CreatePartitions; KIP-4, KIP-195; Kafka
 * AdminZkClient.validateReplicaAssignment.
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { INTERNAL_TOPIC_DEFAULTS, validateTopicConfigs } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { validateTopicName } from '../storage/log-manager.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import { assignReplicas } from './replica-assignment.js';

export interface NewTopic {
  name: string;
  /** Partition count; -1: `num.partitions` (or the manual assignment's length). */
  numPartitions: number;
  /** -1: `default.replication.factor` (or the manual assignment's). */
  replicationFactor: number;
  /** Manual assignment, partition → replica broker ids; null to assign across the live brokers. */
  assignment: number[][] | null;
  /** Topic config overrides (validated; internal topics get Kafka's defaults for them). */
  configs: Record<string, string | null>;
}

export interface PlannedTopic {
  name: string;
  /** partition → replica broker ids, the first being the preferred leader. */
  assignment: number[][];
  /** The validated overrides. */
  configs: Record<string, string>;
}

export interface TopicAdmin {
  /**
   * Validates and (unless `validateOnly`) creates a topic; in a cluster, waits up to
   * `timeoutMs` until every partition has a leader. Returns the plan and the topic id
   * (ZERO_UUID when only validated).
   * Errors (KafkaError): INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
   * INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST, INVALID_CONFIG,
   * REQUEST_TIMED_OUT.
   */
  createTopic(topic: NewTopic, validateOnly: boolean, timeoutMs: number): Promise<PlannedTopic & { topicId: string }>;
  /**
   * Grows `topic` to `count` partitions; `assignment` (optional) gives the new partitions'
   * replicas. Errors: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS,
   * INVALID_REPLICA_ASSIGNMENT, INVALID_REPLICATION_FACTOR, REQUEST_TIMED_OUT.
   */
  createPartitions(topic: string, count: number, assignment: number[][] | null, validateOnly: boolean, timeoutMs: number): Promise<void>;
  /**
   * Replaces a topic's config overrides (AlterConfigs semantics: an empty set resets every
   * config to the broker's); applied at once here, and in a cluster by every broker holding
   * the topic once ZooKeeper's change notification reaches it. With `validateOnly`, only
   * checks. Errors: UNKNOWN_TOPIC_OR_PARTITION; INVALID_CONFIG naming the key.
   */
  alterTopicConfigs(topic: string, configs: Record<string, string | null>, validateOnly: boolean): Promise<void>;
  /** Deletes `topic` (in a cluster: asks the controller to). Errors: UNKNOWN_TOPIC_OR_PARTITION. */
  deleteTopic(topic: string): Promise<void>;
}

const invalidAssignment = (why: string) => new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, why);

/**
 * Checks a manual assignment as Kafka does: every partition has replicas, none twice, all
 * partitions the same count (`replicationFactor` when given), every broker live.
 * Errors: INVALID_REPLICA_ASSIGNMENT.
 */
export function validateAssignment(assignment: readonly number[][], metadata: ClusterMetadata, replicationFactor = assignment[0]?.length ?? 0): void {
  assignment.forEach((replicas, p) => {
    if (replicas.length === 0) throw invalidAssignment(`partition ${p} has no replicas`);
    if (new Set(replicas).size !== replicas.length) throw invalidAssignment(`duplicate brokers in the assignment of partition ${p}: [${replicas}]`);
    if (replicas.length !== replicationFactor) throw invalidAssignment(`all partitions should have the same number of replicas (${replicationFactor}); partition ${p} has ${replicas.length}`);
    const unknown = replicas.filter((id) => !metadata.isAlive(id));
    if (unknown.length > 0) throw invalidAssignment(`unknown broker(s) in the assignment of partition ${p}: [${unknown}]`);
  });
}

/** Checks a new topic against the cluster's metadata; returns where its replicas go. */
export function planTopic(metadata: ClusterMetadata, config: BrokerConfig, t: NewTopic): PlannedTopic {
  validateTopicName(t.name);
  if (metadata.topic(t.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${t.name}" already exists`);
  let assignment: number[][];
  if (t.assignment !== null) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'both numPartitions or replicationFactor and replicasAssignments were set');
    }
    if (t.assignment.length === 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'a manual assignment needs at least one partition');
    validateAssignment(t.assignment, metadata);
    assignment = t.assignment;
  } else {
    const numPartitions = t.numPartitions === -1 ? config.numPartitions : t.numPartitions;
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${numPartitions}`);
    const replicationFactor = t.replicationFactor === -1 ? config.defaultReplicationFactor : t.replicationFactor;
    assignment = assignReplicas(numPartitions, replicationFactor, metadata.aliveBrokers().map((b) => b.id));
  }
  const configs = validateTopicConfigs({ ...INTERNAL_TOPIC_DEFAULTS[t.name], ...t.configs }, config);
  return { name: t.name, assignment, configs };
}

/**
 * The replicas of the partitions CreatePartitions adds to a topic assigned `current`
 * (Kafka AdminZkClient.addPartitions): the manual `assignment` when given, else Kafka's
 * rotation continued from the existing count, starting at partition 0's first replica.
 * Errors: INVALID_PARTITIONS (not more than now), INVALID_REPLICA_ASSIGNMENT.
 */
export function planNewPartitions(current: readonly number[][], count: number, assignment: number[][] | null, metadata: ClusterMetadata): number[][] {
  const existing = current.length;
  if (!Number.isInteger(count) || count <= existing) {
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${existing} partitions, which is higher than the requested ${count}.`);
  }
  const replicationFactor = current[0]!.length;
  if (assignment !== null) {
    if (assignment.length !== count - existing) throw invalidAssignment(`Increasing the number of partitions by ${count - existing} but ${assignment.length} assignments provided.`);
    validateAssignment(assignment, metadata, replicationFactor);
    return assignment;
  }
  const brokers = metadata.aliveBrokers().map((b) => b.id);
  const startIndex = Math.max(0, brokers.findIndex((id) => id >= current[0]![0]!));
  return assignReplicas(count - existing, replicationFactor, brokers, startIndex, Math.random, existing);
}
