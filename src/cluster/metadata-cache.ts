/**
 * Every broker's view of the cluster, kept current by ZooKeeper watches (one-shot watches,
 * re-armed on each firing): live brokers (/brokers/ids), the controller (/controller), topic
 * assignments (/brokers/topics/<t>) and partition states (…/partitions/<p>/state).
 *
 * Events: 'brokers' (live set changed), 'topic' (name; assignment added or changed),
 * 'topic-removed' (name), 'state' (topic, partition, state | null), 'controller' (id).
 * After a session expiry the owner calls start() again: every topic and partition state is
 * read again and its watch re-armed (the expired session's watches are gone), and watches of
 * an older start are ignored (generation check), so no chain fires twice.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ZkClient } from './zk-client.js';
import {
  type BrokerInfo,
  type PartitionState,
  type TopicAssignment,
  ZK_PATHS,
  decodeBroker,
  decodeController,
  decodePartitionState,
  decodeTopicAssignment,
  decodeTopicConfig,
} from './zk-paths.js';

export interface CachedPartitionState extends PartitionState {
  /** The znode version the state was read at (for conditional writes). */
  zkVersion: number;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class MetadataCache extends EventEmitter {
  readonly brokers = new Map<number, BrokerInfo>();
  readonly topics = new Map<string, TopicAssignment>();
  /** Topic config overrides (/config/topics/<t>). */
  readonly topicConfigs = new Map<string, Record<string, string>>();
  private readonly states = new Map<string, CachedPartitionState>();
  private readonly watchedStates = new Set<string>();
  /** Topics whose assignment znode is watched in this generation. */
  private readonly watchedTopics = new Set<string>();
  controllerId = -1;
  private generation = 0;

  constructor(
    private readonly zk: ZkClient,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** (Re)reads everything and arms the watches. Resolves once the first full view is loaded. */
  async start(): Promise<void> {
    const gen = ++this.generation;
    this.watchedStates.clear();
    this.watchedTopics.clear();
    await Promise.all([this.loadBrokers(gen), this.loadController(gen), this.loadTopics(gen)]);
  }

  /** Stops reacting to watches (shutdown). */
  stop(): void {
    this.generation++;
  }

  state(topic: string, partition: number): CachedPartitionState | undefined {
    return this.states.get(key(topic, partition));
  }

  /** Every known partition state, as [topic, partition, state]. */
  *allStates(): Generator<[string, number, CachedPartitionState]> {
    for (const [topic, assignment] of this.topics) {
      for (let p = 0; p < assignment.partitions.length; p++) {
        const s = this.states.get(key(topic, p));
        if (s) yield [topic, p, s];
      }
    }
  }

  /** Records a topic's config overrides as just written or re-read after a change notification. */
  noteTopicConfigs(topic: string, configs: Record<string, string>): void {
    if (this.topics.has(topic)) this.topicConfigs.set(topic, configs);
  }

  /** Records a state this broker just wrote (before its own watch reports it). */
  noteState(topic: string, partition: number, state: CachedPartitionState): void {
    const previous = this.states.get(key(topic, partition));
    if (previous && previous.zkVersion >= state.zkVersion) return;
    this.states.set(key(topic, partition), state);
    this.emit('state', topic, partition, state);
  }

  private guard(gen: number, fn: () => Promise<void>): () => void {
    return () => {
      if (gen !== this.generation) return;
      fn().catch((err) => this.logger.warn({ err: (err as Error).message }, 'metadata refresh failed'));
    };
  }

  private async loadBrokers(gen: number): Promise<void> {
    const ids = (await this.zk.getChildren(ZK_PATHS.brokerIds, this.guard(gen, () => this.loadBrokers(gen)))).map(Number);
    const live = new Set(ids);
    for (const id of [...this.brokers.keys()]) if (!live.has(id)) this.brokers.delete(id);
    for (const id of ids) {
      const node = await this.zk.getData(ZK_PATHS.broker(id));
      if (node) this.brokers.set(id, decodeBroker(id, node.data));
    }
    if (gen === this.generation) this.emit('brokers', new Set(this.brokers.keys()));
  }

  private async loadController(gen: number): Promise<void> {
    const node = await this.zk.getData(ZK_PATHS.controller, this.guard(gen, () => this.loadController(gen)));
    this.controllerId = node ? decodeController(node.data) : -1;
    if (gen === this.generation) this.emit('controller', this.controllerId);
  }

  private async loadTopics(gen: number): Promise<void> {
    const names = await this.zk.getChildren(ZK_PATHS.topics, this.guard(gen, () => this.loadTopics(gen)));
    const present = new Set(names);
    for (const name of [...this.topics.keys()]) {
      if (present.has(name)) continue;
      const partitions = this.topics.get(name)!.partitions.length;
      this.topics.delete(name);
      this.topicConfigs.delete(name);
      this.watchedTopics.delete(name);
      for (let p = 0; p < partitions; p++) {
        this.states.delete(key(name, p));
        this.watchedStates.delete(key(name, p));
      }
      if (gen === this.generation) this.emit('topic-removed', name);
    }
    // Topics new to this generation: new ones, and after a session expiry every known one.
    await Promise.all(names.filter((n) => !this.watchedTopics.has(n)).map((n) => this.loadTopic(gen, n)));
  }

  private async loadTopic(gen: number, topic: string): Promise<void> {
    this.watchedTopics.add(topic);
    const node = await this.zk.getData(ZK_PATHS.topic(topic), this.guard(gen, () => this.loadTopic(gen, topic)));
    if (!node || gen !== this.generation) return;
    const config = await this.zk.getData(ZK_PATHS.topicConfig(topic));
    this.topicConfigs.set(topic, config ? decodeTopicConfig(config.data) : {});
    const assignment = decodeTopicAssignment(node.data);
    this.topics.set(topic, assignment);
    await Promise.all(
      assignment.partitions.map((_, p) => (this.watchedStates.has(key(topic, p)) ? Promise.resolve() : this.loadState(gen, topic, p))),
    );
    if (gen === this.generation) this.emit('topic', topic);
  }

  private async loadState(gen: number, topic: string, partition: number): Promise<void> {
    this.watchedStates.add(key(topic, partition));
    const node = await this.zk.getData(ZK_PATHS.partitionState(topic, partition), this.guard(gen, () => this.loadState(gen, topic, partition)));
    if (gen !== this.generation) return;
    if (!node) {
      this.states.delete(key(topic, partition));
      return;
    }
    const state = { ...decodePartitionState(node.data), zkVersion: node.version };
    const previous = this.states.get(key(topic, partition));
    if (previous && previous.zkVersion > state.zkVersion) return;
    this.states.set(key(topic, partition), state);
    this.emit('state', topic, partition, state);
  }
}
