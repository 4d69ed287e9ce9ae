/**
 * Topic creation and deletion in a cluster (Kafka AdminZkClient): any broker writes the
 * topic's config (/config/topics/<t>) and replica assignment (/brokers/topics/<t>); the
 * controller then gives its partitions leaders, and creation waits (up to the request's
 * timeout) until every partition has one, so the client's next Metadata finds them.
 * Deletion writes /admin/delete_topics/<t> for the controller.
 * Errors (KafkaError): INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
 * INVALID_REPLICATION_FACTOR (more replicas than live brokers), INVALID_CONFIG,
 * UNKNOWN_TOPIC_OR_PARTITION (delete), REQUEST_TIMED_OUT (no leaders in time).
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { INTERNAL_TOPIC_DEFAULTS, validateTopicConfigs } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { newTopicId, validateTopicName } from '../storage/log-manager.js';
import type { ClusterManager } from './cluster-manager.js';
import { assignReplicas } from './replica-assignment.js';
import { ZkCode, ZkError } from './zk-client.js';
import { ZK_PATHS, decodeTopicAssignment, encodeTopicAssignment, encodeTopicConfig } from './zk-paths.js';

export interface NewTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string | null>;
}

/** Checks a new topic against the cluster; returns its assignment and validated configs. */
export function planTopic(cluster: ClusterManager, broker: BrokerConfig, t: NewTopic): { assignment: number[][]; configs: Record<string, string> } {
  validateTopicName(t.name);
  if (cluster.metadata.topics.has(t.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${t.name}" already exists`);
  if (!Number.isInteger(t.numPartitions) || t.numPartitions < 1) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${t.numPartitions}`);
  const configs = validateTopicConfigs({ ...INTERNAL_TOPIC_DEFAULTS[t.name], ...t.configs }, broker);
  const assignment = assignReplicas(t.numPartitions, t.replicationFactor, [...cluster.metadata.brokers.keys()]);
  return { assignment, configs };
}

/** Creates the topic in ZooKeeper and waits until every partition has a leader. Returns its id. */
export async function createTopicInCluster(cluster: ClusterManager, broker: BrokerConfig, t: NewTopic, timeoutMs: number): Promise<string> {
  const { assignment, configs } = planTopic(cluster, broker, t);
  const topicId = newTopicId();
  await cluster.zk.mkdirp(ZK_PATHS.topicConfigs);
  await cluster.zk.setData(ZK_PATHS.topicConfig(t.name), encodeTopicConfig(configs), -1).catch(async (err) => {
    if (err instanceof ZkError && err.code === ZkCode.NO_NODE) return cluster.zk.create(ZK_PATHS.topicConfig(t.name), encodeTopicConfig(configs));
    throw err;
  });
  try {
    await cluster.zk.create(ZK_PATHS.topic(t.name), encodeTopicAssignment({ topicId, partitions: assignment }));
  } catch (err) {
    if (err instanceof ZkError && err.code === ZkCode.NODE_EXISTS) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${t.name}" already exists`);
    throw err;
  }
  await waitForLeaders(cluster, t.name, t.numPartitions, timeoutMs);
  return topicId;
}

/** Resolves when every partition of `topic` has a leader in this broker's metadata. */
export function waitForLeaders(cluster: ClusterManager, topic: string, partitions: number, timeoutMs: number): Promise<void> {
  const ready = () => Array.from({ length: partitions }, (_, p) => cluster.metadata.state(topic, p)).every((s) => s !== undefined && s.leader >= 0);
  if (ready()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onState = () => {
      if (!ready()) return;
      clearTimeout(timer);
      cluster.metadata.off('state', onState);
      resolve();
    };
    const timer = setTimeout(() => {
      cluster.metadata.off('state', onState);
      reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `partitions of ${topic} got no leader within ${timeoutMs} ms`));
    }, Math.max(1, timeoutMs));
    cluster.metadata.on('state', onState);
  });
}

/** Asks the controller to delete `topic`. Errors: UNKNOWN_TOPIC_OR_PARTITION. */
export async function deleteTopicInCluster(cluster: ClusterManager, topic: string): Promise<void> {
  if (!cluster.metadata.topics.has(topic)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
  try {
    await cluster.zk.create(ZK_PATHS.deleteTopic(topic), Buffer.alloc(0));
  } catch (err) {
    if (!(err instanceof ZkError) || err.code !== ZkCode.NODE_EXISTS) throw err;
  }
}

/**
 * CreatePartitions in a cluster (Kafka AdminZkClient.addPartitions): the new partitions'
 * replicas continue Kafka's rotation from the existing count, starting at partition 0's
 * first replica; the assignment znode is rewritten conditionally on the version read; the
 * controller gives the new partitions leaders. Errors: UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_PARTITIONS (not more than now), INVALID_REPLICATION_FACTOR, REQUEST_TIMED_OUT,
 * CONCURRENT… (a lost race is INVALID_REQUEST: retry).
 */
export async function addPartitionsInCluster(cluster: ClusterManager, topic: string, count: number, validateOnly: boolean, timeoutMs: number): Promise<void> {
  const node = await cluster.zk.getData(ZK_PATHS.topic(topic));
  if (!node) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
  const current = decodeTopicAssignment(node.data);
  const existing = current.partitions.length;
  if (count <= existing) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${existing} partitions, which is higher than the requested ${count}.`);
  const brokers = [...cluster.metadata.brokers.keys()].sort((a, b) => a - b);
  const replicationFactor = current.partitions[0]!.length;
  const startIndex = Math.max(0, brokers.findIndex((id) => id >= current.partitions[0]![0]!));
  const added = assignReplicas(count - existing, replicationFactor, brokers, startIndex, Math.random, existing);
  if (validateOnly) return;
  try {
    await cluster.zk.setData(ZK_PATHS.topic(topic), encodeTopicAssignment({ topicId: current.topicId, partitions: [...current.partitions, ...added] }), node.version);
  } catch (err) {
    if (err instanceof ZkError && err.code === ZkCode.BAD_VERSION) throw new KafkaError(ErrorCode.INVALID_REQUEST, `the assignment of ${topic} changed concurrently; retry`);
    throw err;
  }
  await waitForLeaders(cluster, topic, count, timeoutMs);
}
