/**
 * The metadata of a single broker, a cluster of one: it is the only live broker and the
 * controller, and leads every partition of its logs at leader epoch 0 with an ISR of itself
 * (as src/replication/replica-manager.ts treats it).
 */
import type { LogManager, TopicState } from '../storage/log-manager.js';
import type { ClusterMetadata, PartitionMetadata, TopicMetadata } from './cluster-metadata.js';
import type { BrokerInfo } from './zk-paths.js';

const describe = (t: TopicState): TopicMetadata => ({ name: t.name, topicId: t.topicId, partitionCount: t.partitions.length });

export class LocalMetadata implements ClusterMetadata {
  /** `self` gives this broker's registration (its endpoints are known once it listens). */
  constructor(
    private readonly logs: LogManager,
    private readonly self: () => BrokerInfo,
  ) {}

  get controllerId(): number {
    return this.self().id;
  }

  aliveBrokers(): BrokerInfo[] {
    return [this.self()];
  }

  isAlive(brokerId: number): boolean {
    return brokerId === this.self().id;
  }

  topics(): TopicMetadata[] {
    return this.logs.allTopics().map(describe);
  }

  topic(name: string): TopicMetadata | undefined {
    const t = this.logs.topic(name);
    return t && describe(t);
  }

  topicById(topicId: string): TopicMetadata | undefined {
    const t = this.logs.topicById(topicId);
    return t && describe(t);
  }

  topicConfigs(name: string): Readonly<Record<string, string>> | undefined {
    return this.logs.topic(name)?.configs;
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    if (!this.logs.partition(topic, partition)) return undefined;
    const id = this.self().id;
    return { leader: id, leaderEpoch: 0, replicas: [id], isr: [id] };
  }
}
