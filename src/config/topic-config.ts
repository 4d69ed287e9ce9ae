/**
 * Topic-level configs (Kafka "Topic Configs") and the broker defaults they fall back to.
 * DescribeConfigs reports them; CreateTopics accepts their names. Per-topic overrides,
 * AlterConfigs and persistence come with retention and compaction.
 */
import type { BrokerConfig } from './broker-config.js';

/** DescribeConfigs ConfigType (KIP-569). */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;
/** DescribeConfigs ConfigSource. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

export interface ConfigEntry {
  name: string;
  value: string | null;
  type: number;
  source: number;
  readOnly: boolean;
  documentation: string;
}

interface TopicConfigDefinition {
  type: number;
  /** The broker property it defaults to, and how to read it from the broker config. */
  brokerKey: string | null;
  value: (c: BrokerConfig) => string;
  doc: string;
}

const LONG_MAX = '9223372036854775807';

const TOPIC_CONFIGS: Record<string, TopicConfigDefinition> = {
  'cleanup.policy': { type: ConfigType.LIST, brokerKey: 'log.cleanup.policy', value: () => 'delete', doc: 'delete or compact' },
  'compression.type': { type: ConfigType.STRING, brokerKey: 'compression.type', value: () => 'producer', doc: 'batches are stored as the producer compressed them' },
  'delete.retention.ms': { type: ConfigType.LONG, brokerKey: 'log.cleaner.delete.retention.ms', value: () => '86400000', doc: 'how long tombstones are kept on compacted topics (ms)' },
  'file.delete.delay.ms': { type: ConfigType.LONG, brokerKey: 'log.segment.delete.delay.ms', value: () => '60000', doc: 'delay before a deleted segment file is removed (ms)' },
  'flush.messages': { type: ConfigType.LONG, brokerKey: 'log.flush.interval.messages', value: (c) => (c.logFlushIntervalMessages >= Number.MAX_SAFE_INTEGER ? LONG_MAX : String(c.logFlushIntervalMessages)), doc: 'fsync after this many records' },
  'flush.ms': { type: ConfigType.LONG, brokerKey: 'log.flush.interval.ms', value: (c) => (c.logFlushIntervalMs < 0 ? LONG_MAX : String(c.logFlushIntervalMs)), doc: 'fsync after this long (ms)' },
  'index.interval.bytes': { type: ConfigType.INT, brokerKey: 'log.index.interval.bytes', value: (c) => String(c.logIndexIntervalBytes), doc: 'bytes between offset index entries' },
  'max.message.bytes': { type: ConfigType.INT, brokerKey: 'message.max.bytes', value: (c) => String(c.messageMaxBytes), doc: 'largest record batch accepted (bytes)' },
  'message.timestamp.type': { type: ConfigType.STRING, brokerKey: 'log.message.timestamp.type', value: () => 'CreateTime', doc: 'CreateTime or LogAppendTime' },
  'min.cleanable.dirty.ratio': { type: ConfigType.DOUBLE, brokerKey: 'log.cleaner.min.cleanable.ratio', value: () => '0.5', doc: 'dirty ratio that makes a log cleanable' },
  'min.compaction.lag.ms': { type: ConfigType.LONG, brokerKey: 'log.cleaner.min.compaction.lag.ms', value: () => '0', doc: 'minimum age of a record before compaction (ms)' },
  'min.insync.replicas': { type: ConfigType.INT, brokerKey: 'min.insync.replicas', value: () => '1', doc: 'replicas that must acknowledge an acks=all write' },
  'retention.bytes': { type: ConfigType.LONG, brokerKey: 'log.retention.bytes', value: () => '-1', doc: 'largest partition size before old segments are deleted (bytes); -1 = no limit' },
  'retention.ms': { type: ConfigType.LONG, brokerKey: 'log.retention.ms', value: () => '604800000', doc: 'age after which old segments are deleted (ms)' },
  'segment.bytes': { type: ConfigType.INT, brokerKey: 'log.segment.bytes', value: (c) => String(c.logSegmentBytes), doc: 'segment size before a roll (bytes)' },
  'segment.index.bytes': { type: ConfigType.INT, brokerKey: 'log.index.size.max.bytes', value: () => '10485760', doc: 'largest index file (bytes)' },
  'segment.ms': { type: ConfigType.LONG, brokerKey: 'log.roll.ms', value: (c) => String(c.logRollMs), doc: 'segment age before a roll (ms)' },
  'unclean.leader.election.enable': { type: ConfigType.BOOLEAN, brokerKey: 'unclean.leader.election.enable', value: () => 'false', doc: 'allow out-of-sync replicas to become leader' },
};

/** True if `name` is a topic-level config Kafka defines. */
export function isTopicConfig(name: string): boolean {
  return Object.hasOwn(TOPIC_CONFIGS, name);
}

/** Every topic config with its effective value for a topic (broker defaults for now). */
export function describeTopicConfigs(config: BrokerConfig): ConfigEntry[] {
  return Object.entries(TOPIC_CONFIGS).map(([name, def]) => ({
    name,
    value: def.value(config),
    type: def.type,
    source: ConfigSource.DEFAULT_CONFIG,
    readOnly: false,
    documentation: def.doc,
  }));
}

/** The broker's own configs, as DescribeConfigs(BROKER) reports them. */
export function describeBrokerConfigs(config: BrokerConfig): ConfigEntry[] {
  const entry = (name: string, value: string, type: number): ConfigEntry => ({
    name,
    value,
    type,
    source: ConfigSource.STATIC_BROKER_CONFIG,
    readOnly: true,
    documentation: '',
  });
  const listener = (l: { name: string; host: string; port: number }) => `${l.name}://${l.host}:${l.port}`;
  return [
    entry('node.id', String(config.nodeId), ConfigType.INT),
    entry('broker.id', String(config.nodeId), ConfigType.INT),
    entry('listeners', config.listeners.map(listener).join(','), ConfigType.STRING),
    entry('advertised.listeners', config.advertisedListeners.map(listener).join(','), ConfigType.STRING),
    entry('log.dirs', config.logDirs.join(','), ConfigType.STRING),
    entry('num.partitions', String(config.numPartitions), ConfigType.INT),
    entry('log.segment.bytes', String(config.logSegmentBytes), ConfigType.INT),
    entry('log.roll.ms', String(config.logRollMs), ConfigType.LONG),
    entry('log.index.interval.bytes', String(config.logIndexIntervalBytes), ConfigType.INT),
    entry('auto.create.topics.enable', String(config.autoCreateTopicsEnable), ConfigType.BOOLEAN),
    entry('message.max.bytes', String(config.messageMaxBytes), ConfigType.INT),
    entry('socket.request.max.bytes', String(config.socketRequestMaxBytes), ConfigType.INT),
    entry('default.replication.factor', String(config.defaultReplicationFactor), ConfigType.INT),
    entry('gregor.engine', config.engine, ConfigType.STRING),
  ];
}
