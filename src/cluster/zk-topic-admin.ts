/**
 * Topic administration in a ZooKeeper cluster (Kafka AdminZkClient): any broker writes the
 * topic's config (/config/topics/<t>) and replica assignment (/brokers/topics/<t>); the
 * controller then gives its partitions leaders, and creation waits (up to the request's
 * timeout) until every partition has one, so the client's next Metadata finds them.
 * CreatePartitions rewrites the assignment conditionally on the version read. Deletion
 * writes /admin/delete_topics/<t> for the controller. Config changes rewrite
 * /config/topics/<t> and add a change notification (/config/changes) that every broker
 * applies (topic-config-changes.ts); this broker applies them at once.
 * Errors (KafkaError): those of topic-admin.ts's checks, REQUEST_TIMED_OUT (no leaders in
 * time), INVALID_REQUEST (the assignment changed concurrently: retry).
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { validateTopicConfigs } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { newTopicId } from '../storage/log-manager.js';
import type { ClusterManager } from './cluster-manager.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import { type NewTopic, type PlannedTopic, type TopicAdmin, planNewPartitions, planTopic } from './topic-admin.js';
import { ZkCode, ZkError } from './zk-client.js';
import { ZK_PATHS, decodeTopicAssignment, encodeTopicAssignment, encodeTopicConfig } from './zk-paths.js';

export class ZkTopicAdmin implements TopicAdmin {
  constructor(
    private readonly cluster: ClusterManager,
    private readonly metadata: ClusterMetadata,
    private readonly config: BrokerConfig,
    /** Applies a topic's new overrides on this broker (its local logs, if it holds any). */
    private readonly applyTopicConfigs: (topic: string, configs: Record<string, string>) => void,
  ) {}

  async createTopic(t: NewTopic, validateOnly: boolean, timeoutMs: number): Promise<PlannedTopic & { topicId: string }> {
    const plan = planTopic(this.metadata, this.config, t);
    if (validateOnly) return { ...plan, topicId: ZERO_UUID };
    const { zk } = this.cluster;
    const topicId = newTopicId();
    await this.writeTopicConfig(t.name, plan.configs);
    try {
      await zk.create(ZK_PATHS.topic(t.name), encodeTopicAssignment({ topicId, partitions: plan.assignment }));
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkCode.NODE_EXISTS) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${t.name}" already exists`);
      throw err;
    }
    await this.waitForLeaders(t.name, plan.assignment.length, timeoutMs);
    return { ...plan, topicId };
  }

  async createPartitions(topic: string, count: number, assignment: number[][] | null, validateOnly: boolean, timeoutMs: number): Promise<void> {
    const node = await this.cluster.zk.getData(ZK_PATHS.topic(topic));
    if (!node) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
    const current = decodeTopicAssignment(node.data);
    const added = planNewPartitions(current.partitions, count, assignment, this.metadata);
    if (validateOnly) return;
    try {
      await this.cluster.zk.setData(ZK_PATHS.topic(topic), encodeTopicAssignment({ topicId: current.topicId, partitions: [...current.partitions, ...added] }), node.version);
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkCode.BAD_VERSION) throw new KafkaError(ErrorCode.INVALID_REQUEST, `the assignment of ${topic} changed concurrently; retry`);
      throw err;
    }
    await this.waitForLeaders(topic, count, timeoutMs);
  }

  async alterTopicConfigs(topic: string, configs: Record<string, string | null>, validateOnly: boolean): Promise<void> {
    if (!this.metadata.topic(topic)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
    const overrides = validateTopicConfigs(configs, this.config);
    if (validateOnly) return;
    await this.writeTopicConfig(topic, overrides);
    this.cluster.metadata.noteTopicConfigs(topic, overrides);
    this.applyTopicConfigs(topic, overrides);
    await this.cluster.configChanges.notify(`topics/${topic}`);
  }

  async deleteTopic(topic: string): Promise<void> {
    if (!this.metadata.topic(topic)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
    try {
      await this.cluster.zk.create(ZK_PATHS.deleteTopic(topic), Buffer.alloc(0));
    } catch (err) {
      if (!(err instanceof ZkError) || err.code !== ZkCode.NODE_EXISTS) throw err;
    }
  }

  /** Writes /config/topics/<topic> (creating it if missing). */
  private async writeTopicConfig(topic: string, configs: Record<string, string>): Promise<void> {
    const { zk } = this.cluster;
    await zk.mkdirp(ZK_PATHS.topicConfigs);
    await zk.setData(ZK_PATHS.topicConfig(topic), encodeTopicConfig(configs), -1).catch(async (err) => {
      if (err instanceof ZkError && err.code === ZkCode.NO_NODE) return zk.create(ZK_PATHS.topicConfig(topic), encodeTopicConfig(configs));
      throw err;
    });
  }

  /** Resolves when every partition of `topic` has a leader in this broker's metadata. Errors: REQUEST_TIMED_OUT. */
  private waitForLeaders(topic: string, partitions: number, timeoutMs: number): Promise<void> {
    const cache = this.cluster.metadata;
    const ready = () => Array.from({ length: partitions }, (_, p) => cache.state(topic, p)).every((s) => s !== undefined && s.leader >= 0);
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onState = () => {
        if (!ready()) return;
        clearTimeout(timer);
        cache.off('state', onState);
        resolve();
      };
      const timer = setTimeout(() => {
        cache.off('state', onState);
        reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `partitions of ${topic} got no leader within ${timeoutMs} ms`));
      }, Math.max(1, timeoutMs));
      cache.on('state', onState);
    });
  }
}
