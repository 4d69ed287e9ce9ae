/**
 * Owns every partition log under `log.dirs`: loads them at start-up (with recovery), creates
 * and deletes topics, and keeps the topic table (name ↔ topic id ↔ partitions).
 *
 * On disk (Kafka's layout):
 *   <log.dir>/meta.properties                   version, broker.id, cluster.id
 *   <log.dir>/<topic>-<partition>/              one directory per partition
 *   <log.dir>/<topic>-<partition>/partition.metadata   version: 0, topic_id: <base64 uuid>
 *   <log.dir>/<topic>-<partition>/topic.properties     the topic's config overrides
 *   <log.dir>/log-start-offset-checkpoint        each partition's log start offset
 *
 * Retention runs every `log.retention.check.interval.ms` over every partition (see
 * PartitionLog.deleteOldSegments); the log start offsets are checkpointed whenever they move.
 *
 * Each topic's partitions share one LogConfig object built from its effective settings
 * (overrides over broker defaults); altering the topic's configs updates it in place.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import {
  INTERNAL_TOPIC_DEFAULTS,
  type TopicSettings,
  logConfigFields,
  resolveTopicSettings,
  validateTopicConfigs,
} from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type Checkpoint, partitionKey, readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import { type CleanableLog, LogCleaner } from './cleaner/log-cleaner.js';
import { type LogConfig, PartitionLog } from './log.js';
import { readTopicConfigFile, writeTopicConfigFile } from './topic-config-file.js';
import { timerMs } from './timer-ms.js';

export interface TopicState {
  name: string;
  /** Kafka Uuid.toString(): 22 chars of base64url. */
  topicId: string;
  partitions: PartitionLog[];
  /** The topic's config overrides (DYNAMIC_TOPIC_CONFIG), Kafka names → validated values. */
  configs: Record<string, string>;
  /** Effective settings: overrides over the broker's values. */
  settings: TopicSettings;
  /** Shared by the topic's partitions; updated in place when configs change. */
  logConfig: LogConfig;
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
export function newTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ') return id;
  }
}

export interface LogManagerOptions {
  logDir: string;
  nodeId: number;
  clusterId: string | null;
  /** Engine and tail capacity for every log; its other fields are replaced per topic. */
  logConfig: LogConfig;
  /** The broker's live config (topic configs fall back to it); read again on reconfigure(). */
  brokerConfig: BrokerConfig;
  logger: Logger;
  /** Cluster mode: this broker holds only some partitions of a topic (gaps allowed). */
  clustered?: boolean;
}

const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';

/** The partitions of `topic` held on this broker (in a cluster, `partitions` has gaps). */
export function localLogs(topic: TopicState): PartitionLog[] {
  return topic.partitions.filter((log): log is PartitionLog => log !== undefined);
}

/** Closes a log and removes its directory, renamed `<dir>.<random>-delete` first (as Kafka does). */
function removeLogDir(log: PartitionLog): void {
  log.close();
  const doomed = `${log.dir}.${randomBytes(8).toString('hex')}-delete`;
  renameSync(log.dir, doomed);
  rmSync(doomed, { recursive: true, force: true });
}

export class LogManager {
  private readonly topics = new Map<string, TopicState>();
  private readonly topicsById = new Map<string, TopicState>();
  clusterId: string;
  /** True if this start created meta.properties (a new log dir: it may adopt the cluster's id). */
  private freshClusterId = false;
  private retentionTimer: NodeJS.Timeout | null = null;
  /** Compacts the logs of topics with cleanup.policy=compact (runs if log.cleaner.enable). */
  readonly cleaner: LogCleaner;
  /** Told of every partition log created after start-up (createTopic, addPartitions, ensurePartition). */
  private readonly createdListeners: Array<(log: PartitionLog) => void> = [];

  private constructor(private readonly options: LogManagerOptions) {
    mkdirSync(options.logDir, { recursive: true });
    this.clusterId = this.loadMetaProperties();
    this.cleaner = new LogCleaner(() => this.cleanableLogs(), { logDir: options.logDir, brokerConfig: options.brokerConfig, logger: options.logger.child({ component: 'log-cleaner' }) });
  }

  /** Opens `logDir`, recovering every partition found there, and starts the retention timer. */
  static open(options: LogManagerOptions): LogManager {
    const manager = new LogManager(options);
    manager.loadPartitions();
    manager.retentionTimer = setInterval(() => manager.enforceRetention(), timerMs(options.brokerConfig.logRetentionCheckIntervalMs));
    manager.retentionTimer.unref();
    if (options.brokerConfig.logCleanerEnable) manager.cleaner.start();
    return manager;
  }

  /** Every partition of every topic, with its topic's settings (the cleaner picks compacted ones). */
  private *cleanableLogs(): Generator<CleanableLog> {
    for (const topic of this.topics.values()) for (const log of localLogs(topic)) yield { log, settings: topic.settings };
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
    this.writeMetaProperties(clusterId);
    this.freshClusterId = this.options.clusterId === null;
    return clusterId;
  }

  private writeMetaProperties(clusterId: string): void {
    writeFileSync(join(this.options.logDir, 'meta.properties'), `#\n#${new Date().toISOString()}\nversion=0\nbroker.id=${this.options.nodeId}\ncluster.id=${clusterId}\n`);
  }

  /**
   * Cluster mode: takes the cluster's id (from ZooKeeper) for a log dir this start created;
   * a log dir that already belongs to another cluster is refused (Kafka's
   * InconsistentClusterIdException). Errors: Error naming both ids.
   */
  adoptClusterId(clusterId: string): void {
    if (clusterId === this.clusterId) return;
    if (!this.freshClusterId) {
      throw new Error(`the cluster id in ZooKeeper (${clusterId}) does not match this log dir's meta.properties (${this.clusterId})`);
    }
    this.clusterId = clusterId;
    this.writeMetaProperties(clusterId);
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
    const logStartOffsets = readCheckpoint(join(logDir, LOG_START_OFFSET_CHECKPOINT));
    for (const [name, dirs] of byTopic) {
      dirs.sort((a, b) => a.partition - b.partition);
      // In a cluster a broker holds only the partitions assigned to it: gaps are normal there.
      if (!this.options.clustered && dirs.some((d, i) => d.partition !== i)) {
        logger.error({ topic: name, partitions: dirs.map((d) => d.partition) }, 'topic has missing partition directories; skipped');
        continue;
      }
      const topicId = this.readTopicId(dirs[0]!.dir) ?? newTopicId();
      const configs = this.loadTopicConfigs(name, dirs.map((d) => d.dir));
      const topic = this.newTopicState(name, topicId, configs);
      for (const { partition, dir } of dirs) {
        this.writePartitionMetadata(dir, topicId);
        const logStartOffset = logStartOffsets.get(partitionKey(name, partition));
        topic.partitions[partition] = PartitionLog.open(name, partition, dir, topic.logConfig, logger, { logStartOffset });
      }
      this.register(topic);
    }
    logger.info({ logDir, topics: this.topics.size }, 'loaded logs');
  }

  /**
   * The overrides stored with a topic (the first partition directory that has the file),
   * validated; an invalid stored entry is logged and dropped, never fatal.
   */
  private loadTopicConfigs(name: string, dirs: string[]): Record<string, string> {
    // A topic stored without the file (created before configs were kept) gets what it would
    // get now: internal topics their Kafka defaults (e.g. __consumer_offsets is compacted).
    let stored: Record<string, string> = { ...INTERNAL_TOPIC_DEFAULTS[name] };
    for (const dir of dirs) {
      const found = readTopicConfigFile(dir);
      if (found) {
        stored = found;
        break;
      }
    }
    const valid: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) {
      try {
        Object.assign(valid, validateTopicConfigs({ ...valid, [key]: value }, this.options.brokerConfig));
      } catch (err) {
        this.options.logger.error({ topic: name, key, value, err: (err as Error).message }, 'ignored an invalid stored topic config');
      }
    }
    return valid;
  }

  private newTopicState(name: string, topicId: string, configs: Record<string, string>): TopicState {
    const settings = resolveTopicSettings(this.options.brokerConfig, configs);
    const logConfig: LogConfig = { ...this.options.logConfig, ...logConfigFields(settings) };
    return { name, topicId, partitions: [], configs, settings, logConfig };
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
   * Checks what createTopic would check, without creating anything; returns the validated
   * overrides (internal topics get Kafka's defaults for them, e.g. `__consumer_offsets` is
   * compacted). Errors: INVALID_TOPIC_EXCEPTION (name), TOPIC_ALREADY_EXISTS,
   * INVALID_PARTITIONS (< 1), INVALID_CONFIG (unknown name or bad value, naming the key).
   */
  validateNewTopic(name: string, numPartitions: number, configs: Record<string, string | null> = {}): Record<string, string> {
    validateTopicName(name);
    if (this.topics.has(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${name}" already exists`);
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${numPartitions}`);
    }
    return validateTopicConfigs({ ...INTERNAL_TOPIC_DEFAULTS[name], ...configs }, this.options.brokerConfig);
  }

  /**
   * Creates a topic with `numPartitions` empty partitions and the given config overrides
   * (persisted with it). Errors: as {@link validateNewTopic}.
   */
  createTopic(name: string, numPartitions: number, configs: Record<string, string | null> = {}): TopicState {
    const overrides = this.validateNewTopic(name, numPartitions, configs);
    const topic = this.newTopicState(name, newTopicId(), overrides);
    for (let p = 0; p < numPartitions; p++) {
      const dir = join(this.options.logDir, `${name}-${p}`);
      mkdirSync(dir, { recursive: true });
      this.writePartitionMetadata(dir, topic.topicId);
      writeTopicConfigFile(dir, overrides);
      topic.partitions.push(PartitionLog.open(name, p, dir, topic.logConfig, this.options.logger));
    }
    this.register(topic);
    for (const log of topic.partitions) this.announceCreated(log);
    this.options.logger.info({ topic: name, topicId: topic.topicId, partitions: numPartitions, configs: overrides }, 'created topic');
    return topic;
  }

  /**
   * Calls `listener` with each partition log created from now on (by createTopic,
   * addPartitions or ensurePartition), once the log is registered and before the call that
   * created it returns — so nothing is appended to it before the listener ran. Partitions
   * loaded at start-up are not announced: see {@link allTopics}.
   */
  onPartitionCreated(listener: (log: PartitionLog) => void): void {
    this.createdListeners.push(listener);
  }

  private announceCreated(log: PartitionLog): void {
    for (const listener of this.createdListeners) listener(log);
  }

  /**
   * CreatePartitions on a single broker: grows `name` to `count` partitions (new ones empty).
   * Errors: UNKNOWN_TOPIC_OR_PARTITION; INVALID_PARTITIONS unless `count` is above today's.
   */
  addPartitions(name: string, count: number, validateOnly = false): void {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    const existing = topic.partitions.length;
    if (!Number.isInteger(count) || count <= existing) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${existing} partitions, which is higher than the requested ${count}.`);
    }
    if (validateOnly) return;
    for (let p = existing; p < count; p++) this.ensurePartition(name, topic.topicId, p, topic.configs);
    this.options.logger.info({ topic: name, partitions: count }, 'added partitions');
  }

  /**
   * Cluster mode: the local log of one partition assigned to this broker, created (empty) if
   * missing. A local topic with another topic id is an older incarnation of a deleted topic:
   * its logs are removed first. `configs` are the topic's overrides from ZooKeeper.
   */
  ensurePartition(name: string, topicId: string, partition: number, configs: Record<string, string> = {}): PartitionLog {
    let topic = this.topics.get(name);
    if (topic && topic.topicId !== topicId) {
      this.options.logger.warn({ topic: name, localTopicId: topic.topicId, topicId }, 'removing the logs of an older topic with the same name');
      this.deleteTopic(name);
      topic = undefined;
    }
    if (!topic) {
      topic = this.newTopicState(name, topicId, configs);
      this.register(topic);
    }
    const existing = topic.partitions[partition];
    if (existing) return existing;
    const dir = join(this.options.logDir, `${name}-${partition}`);
    mkdirSync(dir, { recursive: true });
    this.writePartitionMetadata(dir, topicId);
    writeTopicConfigFile(dir, topic.configs);
    const log = PartitionLog.open(name, partition, dir, topic.logConfig, this.options.logger);
    topic.partitions[partition] = log;
    this.announceCreated(log);
    return log;
  }

  /**
   * Replaces a topic's config overrides with `configs` (AlterConfigs semantics; an empty
   * object resets every config to the broker's), persists them with the topic and applies
   * them to its logs at once. With `validateOnly`, only checks.
   * Errors: UNKNOWN_TOPIC_OR_PARTITION; INVALID_CONFIG naming the key.
   */
  alterTopicConfigs(name: string, configs: Record<string, string | null>, validateOnly = false): Record<string, string> {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    const overrides = validateTopicConfigs(configs, this.options.brokerConfig);
    if (validateOnly) return overrides;
    for (const log of localLogs(topic)) writeTopicConfigFile(log.dir, overrides);
    topic.configs = overrides;
    this.applySettings(topic);
    this.options.logger.info({ topic: name, configs: overrides }, 'altered topic configs');
    return overrides;
  }

  /** Re-resolves every topic's settings after the broker's (dynamic) config changed. */
  reconfigure(): void {
    for (const topic of this.topics.values()) this.applySettings(topic);
  }

  private applySettings(topic: TopicState): void {
    topic.settings = resolveTopicSettings(this.options.brokerConfig, topic.configs);
    Object.assign(topic.logConfig, logConfigFields(topic.settings));
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
    for (const log of localLogs(topic)) removeLogDir(log);
    this.checkpointLogStartOffsets();
    this.options.logger.info({ topic: name }, 'deleted topic');
  }

  /**
   * Cluster mode: deletes this broker's replica of one partition (reassigned away: Kafka's
   * StopReplica with deletion); the topic goes when its last local partition does. Nothing
   * happens if the partition is not held here.
   */
  deletePartition(name: string, partition: number): void {
    const topic = this.topics.get(name);
    const log = topic?.partitions[partition];
    if (!topic || !log) return;
    delete topic.partitions[partition];
    removeLogDir(log);
    if (localLogs(topic).length === 0) {
      this.topics.delete(name);
      this.topicsById.delete(topic.topicId);
    }
    this.checkpointLogStartOffsets();
    this.options.logger.info({ topic: name, partition }, 'deleted a partition replica');
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

  /**
   * One retention pass over every partition (what the timer runs): time and size retention
   * where the topic's cleanup.policy has `delete`, and segments below the log start offset
   * everywhere; idle idempotent producers are forgotten (producer.id.expiration.ms). Checkpoints the log start offsets if any moved. Returns segments deleted.
   */
  enforceRetention(now = Date.now()): number {
    let deleted = 0;
    for (const topic of this.topics.values()) {
      const s = topic.settings;
      const policy = { deleteEnabled: s.cleanupPolicy.delete, retentionMs: s.retentionMs, retentionBytes: s.retentionBytes, fileDeleteDelayMs: s.fileDeleteDelayMs, now };
      for (const log of localLogs(topic)) {
        try {
          log.expireProducers(now, this.options.brokerConfig.producerIdExpirationMs);
          deleted += log.deleteOldSegments(policy);
        } catch (err) {
          this.options.logger.error({ topic: topic.name, partition: log.partition, err }, 'retention failed');
        }
      }
    }
    if (deleted > 0) this.checkpointLogStartOffsets();
    return deleted;
  }

  /**
   * DeleteRecords for one partition: moves its log start offset to `offset` (-1: the high
   * watermark) and checkpoints it. Returns the new low watermark.
   * Errors: UNKNOWN_TOPIC_OR_PARTITION; OFFSET_OUT_OF_RANGE (offset above the high watermark
   * or below -1); POLICY_VIOLATION on a compact-only topic (Kafka refuses it there).
   */
  deleteRecords(topicName: string, partition: number, offset: number): number {
    const topic = this.topics.get(topicName);
    const log = topic?.partitions[partition];
    if (!topic || !log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topicName}-${partition} does not exist`);
    if (!topic.settings.cleanupPolicy.delete) {
      throw new KafkaError(ErrorCode.POLICY_VIOLATION, `Records of partition ${topicName}-${partition} can not be deleted due to the configured policy`);
    }
    return this.advanceLogStartOffset(topicName, partition, offset === -1 ? log.highWatermark : offset);
  }

  /**
   * Moves a partition's log start offset up to `offset` (never down), deletes the segments
   * wholly below it and checkpoints it; no cleanup.policy check (a follower following its
   * leader's, Kafka LeaderOffsetIncremented). Returns the new log start offset.
   * Errors: UNKNOWN_TOPIC_OR_PARTITION; OFFSET_OUT_OF_RANGE (negative or above the high watermark).
   */
  advanceLogStartOffset(topicName: string, partition: number, offset: number): number {
    const topic = this.topics.get(topicName);
    const log = topic?.partitions[partition];
    if (!topic || !log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topicName}-${partition} does not exist`);
    const before = log.logStartOffset;
    const low = log.deleteRecordsBefore(offset, topic.settings.fileDeleteDelayMs);
    if (low !== before) this.checkpointLogStartOffsets();
    return low;
  }

  private checkpointLogStartOffsets(): void {
    const entries: Checkpoint = new Map();
    for (const topic of this.topics.values()) {
      for (const log of localLogs(topic)) if (log.logStartOffset > 0) entries.set(partitionKey(topic.name, log.partition), log.logStartOffset);
    }
    writeCheckpoint(join(this.options.logDir, LOG_START_OFFSET_CHECKPOINT), entries);
  }

  /** fsyncs every partition's active segment. */
  flush(): void {
    for (const topic of this.topics.values()) for (const log of localLogs(topic)) log.flush();
  }

  /** Stops the retention timer, checkpoints, writes indexes and closes every log (graceful shutdown). */
  close(): void {
    this.cleaner.stop();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    this.checkpointLogStartOffsets();
    for (const topic of this.topics.values()) for (const log of localLogs(topic)) log.close();
    this.topics.clear();
    this.topicsById.clear();
  }
}
