/**
 * Owns every partition log under `log.dirs`: loads them at start-up (with recovery), creates
 * and deletes topics, and keeps the topic table (name ↔ topic id ↔ partitions).
 *
 * On disk (Kafka's layout):
 *   <log.dir>/meta.properties                   version, broker.id, cluster.id
 *   <log.dir>/<topic>-<partition>/              one directory per partition
 *   <log.dir>/<topic>-<partition>/partition.metadata   version: 0, topic_id: <base64 uuid>
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type LogConfig, PartitionLog } from './log.js';

export interface TopicState {
  name: string;
  /** Kafka Uuid.toString(): 22 chars of base64url. */
  topicId: string;
  partitions: PartitionLog[];
}

/** 249 characters: Kafka's Topic.MAX_NAME_LENGTH (255 minus room for "-<partition>" suffixes). */
export const TOPIC_NAME_MAX_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a topic name as Kafka's Topic.validate does.
 * Errors: KafkaError INVALID_TOPIC_EXCEPTION naming the rule broken.
 */
export function validateTopicName(name: string): void {
  const fail = (why: string) => {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name "${name}" ${why}`);
  };
  if (name.length === 0) fail('is empty');
  if (name === '.' || name === '..') fail('cannot be "." or ".."');
  if (name.length > TOPIC_NAME_MAX_LENGTH) fail(`is longer than ${TOPIC_NAME_MAX_LENGTH} characters`);
  if (!LEGAL_TOPIC_NAME.test(name)) fail('has characters outside [a-zA-Z0-9._-]');
}

/** A random topic id in Kafka's string form, never starting with '-' (Uuid.randomUuid). */
function newTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ') return id;
  }
}

export interface LogManagerOptions {
  logDir: string;
  nodeId: number;
  clusterId: string | null;
  logConfig: LogConfig;
  logger: Logger;
}

export class LogManager {
  private readonly topics = new Map<string, TopicState>();
  private readonly topicsById = new Map<string, TopicState>();
  readonly clusterId: string;

  private constructor(private readonly options: LogManagerOptions) {
    mkdirSync(options.logDir, { recursive: true });
    this.clusterId = this.loadMetaProperties();
  }

  /** Opens `logDir`, recovering every partition found there. */
  static open(options: LogManagerOptions): LogManager {
    const manager = new LogManager(options);
    manager.loadPartitions();
    return manager;
  }

  private loadMetaProperties(): string {
    const path = join(this.options.logDir, 'meta.properties');
    if (existsSync(path)) {
      const props = Object.fromEntries(
        readFileSync(path, 'utf8')
          .split('\n')
          .filter((l) => l.includes('=') && !l.startsWith('#'))
          .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]),
      );
      const stored = props['cluster.id'];
      if (stored) {
        if (this.options.clusterId && this.options.clusterId !== stored) {
          throw new Error(`${path}: cluster.id ${stored} does not match the configured ${this.options.clusterId}`);
        }
        return stored;
      }
    }
    const clusterId = this.options.clusterId ?? newTopicId();
    writeFileSync(path, `#\n#${new Date().toISOString()}\nversion=0\nbroker.id=${this.options.nodeId}\ncluster.id=${clusterId}\n`);
    return clusterId;
  }

  private loadPartitions(): void {
    const { logDir, logger } = this.options;
    const byTopic = new Map<string, Array<{ partition: number; dir: string }>>();
    for (const name of readdirSync(logDir)) {
      const dir = join(logDir, name);
      const m = /^(.+)-(\d+)$/.exec(name);
      if (!m || !statSync(dir).isDirectory()) continue;
      const list = byTopic.get(m[1]!) ?? [];
      list.push({ partition: Number(m[2]), dir });
      byTopic.set(m[1]!, list);
    }
    for (const [name, dirs] of byTopic) {
      dirs.sort((a, b) => a.partition - b.partition);
      if (dirs.some((d, i) => d.partition !== i)) {
        logger.error({ topic: name, partitions: dirs.map((d) => d.partition) }, 'topic has missing partition directories; skipped');
        continue;
      }
      const topicId = this.readTopicId(dirs[0]!.dir) ?? newTopicId();
      const partitions = dirs.map(({ partition, dir }) => {
        this.writePartitionMetadata(dir, topicId);
        return PartitionLog.open(name, partition, dir, this.options.logConfig, logger);
      });
      this.register({ name, topicId, partitions });
    }
    logger.info({ logDir, topics: this.topics.size }, 'loaded logs');
  }

  private readTopicId(dir: string): string | null {
    const path = join(dir, 'partition.metadata');
    if (!existsSync(path)) return null;
    const m = /topic_id:\s*(\S+)/.exec(readFileSync(path, 'utf8'));
    return m ? m[1]! : null;
  }

  private writePartitionMetadata(dir: string, topicId: string): void {
    const path = join(dir, 'partition.metadata');
    if (this.readTopicId(dir) !== topicId) writeFileSync(path, `version: 0\ntopic_id: ${topicId}\n`);
  }

  private register(topic: TopicState): void {
    this.topics.set(topic.name, topic);
    this.topicsById.set(topic.topicId, topic);
  }

  /**
   * Creates a topic with `numPartitions` empty partitions.
   * Errors: INVALID_TOPIC_EXCEPTION (name), TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS (< 1).
   */
  createTopic(name: string, numPartitions: number): TopicState {
    validateTopicName(name);
    if (this.topics.has(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${name}" already exists`);
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${numPartitions}`);
    }
    const topicId = newTopicId();
    const partitions: PartitionLog[] = [];
    for (let p = 0; p < numPartitions; p++) {
      const dir = join(this.options.logDir, `${name}-${p}`);
      mkdirSync(dir, { recursive: true });
      this.writePartitionMetadata(dir, topicId);
      partitions.push(PartitionLog.open(name, p, dir, this.options.logConfig, this.options.logger));
    }
    const topic = { name, topicId, partitions };
    this.register(topic);
    this.options.logger.info({ topic: name, topicId, partitions: numPartitions }, 'created topic');
    return topic;
  }

  /**
   * Deletes a topic: closes its logs, renames each partition directory to
   * `<topic>-<partition>.<id>-delete` (as Kafka does) and removes it.
   * Errors: UNKNOWN_TOPIC_OR_PARTITION.
   */
  deleteTopic(name: string): void {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    this.topics.delete(name);
    this.topicsById.delete(topic.topicId);
    for (const log of topic.partitions) {
      log.close();
      const doomed = `${log.dir}.${randomBytes(8).toString('hex')}-delete`;
      renameSync(log.dir, doomed);
      rmSync(doomed, { recursive: true, force: true });
    }
    this.options.logger.info({ topic: name }, 'deleted topic');
  }

  topic(name: string): TopicState | undefined {
    return this.topics.get(name);
  }

  topicById(topicId: string): TopicState | undefined {
    return this.topicsById.get(topicId);
  }

  allTopics(): TopicState[] {
    return [...this.topics.values()];
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** fsyncs every partition's active segment. */
  flush(): void {
    for (const topic of this.topics.values()) for (const log of topic.partitions) log.flush();
  }

  /** Writes indexes and closes every log (graceful shutdown). */
  close(): void {
    for (const topic of this.topics.values()) for (const log of topic.partitions) log.close();
    this.topics.clear();
    this.topicsById.clear();
  }
}
