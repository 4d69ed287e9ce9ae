/**
 * What request handlers know of the cluster: live brokers, the controller, topics and each
 * partition's replicas, leader and ISR (Kafka's MetadataCache). A single broker is a cluster
 * of one (src/cluster/local-metadata.ts: it leads every partition at epoch 0, with an ISR of
 * itself); a broker in a ZooKeeper cluster answers from its watched view
 * (src/cluster/zk-metadata.ts). Handlers use this interface only, so one code path serves
 * both.
 */
import type { BrokerInfo } from './zk-paths.js';

export interface PartitionMetadata {
  /** The leader's broker id; -1 when the partition has none (offline). */
  readonly leader: number;
  /** -1 when the partition's state is not known yet. */
  readonly leaderEpoch: number;
  /** Replica broker ids, the first being the preferred leader. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly partitionCount: number;
}

export interface ClusterMetadata {
  /** The active controller's broker id (-1 while none is elected). */
  readonly controllerId: number;
  /** Live brokers, sorted by id. */
  aliveBrokers(): BrokerInfo[];
  isAlive(brokerId: number): boolean;
  /** Every topic, in no particular order. */
  topics(): TopicMetadata[];
  topic(name: string): TopicMetadata | undefined;
  topicById(topicId: string): TopicMetadata | undefined;
  /** A topic's config overrides; undefined when the topic does not exist. */
  topicConfigs(name: string): Readonly<Record<string, string>> | undefined;
  /** A partition's replicas and state; undefined when the topic or partition does not exist. */
  partition(topic: string, partition: number): PartitionMetadata | undefined;
}
