/**
 * Topic administration on a single broker: the shared checks of topic-admin.ts against a
 * cluster of one, then the local logs (LogManager) are created, grown or deleted at once.
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import type { LogManager } from '../storage/log-manager.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import { type NewTopic, type PlannedTopic, type TopicAdmin, planNewPartitions, planTopic } from './topic-admin.js';

export class LocalTopicAdmin implements TopicAdmin {
  constructor(
    private readonly logs: LogManager,
    private readonly metadata: ClusterMetadata,
    private readonly config: BrokerConfig,
  ) {}

  async createTopic(t: NewTopic, validateOnly: boolean): Promise<PlannedTopic & { topicId: string }> {
    const plan = planTopic(this.metadata, this.config, t);
    const topicId = validateOnly ? ZERO_UUID : this.logs.createTopic(t.name, plan.assignment.length, plan.configs).topicId;
    return { ...plan, topicId };
  }

  async createPartitions(topic: string, count: number, assignment: number[][] | null, validateOnly: boolean): Promise<void> {
    const t = this.metadata.topic(topic);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
    const current = Array.from({ length: t.partitionCount }, (_, p) => [...this.metadata.partition(topic, p)!.replicas]);
    planNewPartitions(current, count, assignment, this.metadata);
    this.logs.addPartitions(topic, count, validateOnly);
  }

  async alterTopicConfigs(topic: string, configs: Record<string, string | null>, validateOnly: boolean): Promise<void> {
    this.logs.alterTopicConfigs(topic, configs, validateOnly);
  }

  async deleteTopic(topic: string): Promise<void> {
    this.logs.deleteTopic(topic);
  }
}
