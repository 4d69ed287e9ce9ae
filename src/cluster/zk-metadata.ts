/**
 * The metadata of a broker in a ZooKeeper cluster: its watched view of /brokers, /controller
 * and the topics' assignments and partition states (src/cluster/metadata-cache.ts).
 */
import type { ClusterMetadata, PartitionMetadata, TopicMetadata } from './cluster-metadata.js';
import type { MetadataCache } from './metadata-cache.js';
import type { BrokerInfo } from './zk-paths.js';

export class ZkMetadata implements ClusterMetadata {
  constructor(private readonly cache: MetadataCache) {}

  get controllerId(): number {
    return this.cache.controllerId;
  }

  aliveBrokers(): BrokerInfo[] {
    return [...this.cache.brokers.values()].sort((a, b) => a.id - b.id);
  }

  isAlive(brokerId: number): boolean {
    return this.cache.brokers.has(brokerId);
  }

  topics(): TopicMetadata[] {
    return [...this.cache.topics].map(([name, a]) => ({ name, topicId: a.topicId, partitionCount: a.partitions.length }));
  }

  topic(name: string): TopicMetadata | undefined {
    const a = this.cache.topics.get(name);
    return a && { name, topicId: a.topicId, partitionCount: a.partitions.length };
  }

  topicById(topicId: string): TopicMetadata | undefined {
    for (const [name, a] of this.cache.topics) if (a.topicId === topicId) return { name, topicId, partitionCount: a.partitions.length };
    return undefined;
  }

  topicConfigs(name: string): Readonly<Record<string, string>> | undefined {
    return this.cache.topics.has(name) ? (this.cache.topicConfigs.get(name) ?? {}) : undefined;
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    const replicas = this.cache.topics.get(topic)?.partitions[partition];
    if (!replicas) return undefined;
    const state = this.cache.state(topic, partition);
    return { leader: state?.leader ?? -1, leaderEpoch: state?.leaderEpoch ?? -1, replicas, isr: state?.isr ?? [] };
  }
}
