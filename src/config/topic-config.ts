/**
 * Topic-level configs (Kafka "Topic Configs", LogConfig.java): their names, types, valid
 * values and the broker properties they fall back to; validation of per-topic overrides
 * (INVALID_CONFIG naming the key), the effective settings a topic's logs run with, and the
 * entries DescribeConfigs reports (with sources and synonyms, KIP-226).
 *
 * Precedence (Kafka's): topic override (DYNAMIC_TOPIC_CONFIG) > the broker property, which
 * itself comes from a dynamic per-broker value > a dynamic cluster default > server.properties
 * (STATIC_BROKER_CONFIG) > Kafka's default (DEFAULT_CONFIG).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type BrokerConfig, defaultConfig } from './broker-config.js';
import { kafkaTopicConfig, kafkaTopicConfigNames } from './config-catalog.js';

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

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  type: number;
  source: number;
  readOnly: boolean;
  documentation: string;
  /** Where the value could come from, highest precedence first (DescribeConfigs v1+). */
  synonyms: ConfigSynonym[];
  /** A password: DescribeConfigs shows null and is_sensitive. */
  sensitive?: boolean;
}

/**
 * A topic's effective settings, parsed. Units: ms and bytes; a LONG of Long.MAX_VALUE (or any
 * value past 2^53) is Number.MAX_SAFE_INTEGER, i.e. "never".
 */
export interface TopicSettings {
  cleanupPolicy: { delete: boolean; compact: boolean };
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  segmentMs: number;
  indexIntervalBytes: number;
  maxMessageBytes: number;
  flushMessages: number;
  deleteRetentionMs: number;
  fileDeleteDelayMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  minInsyncReplicas: number;
  /** `message.timestamp.type` */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** `message.timestamp.before.max.ms`, or `difference.max.ms` when it is left at Long.MAX_VALUE (Kafka LogConfig). */
  messageTimestampBeforeMaxMs: number;
  /** `message.timestamp.after.max.ms`, or `difference.max.ms` when it is left at Long.MAX_VALUE. */
  messageTimestampAfterMaxMs: number;
  /** `compression.type` */
  compressionType: CompressionTypeName;
  /** `compression.gzip.level` (-1: zlib's default) */
  compressionGzipLevel: number;
  /** `compression.zstd.level` */
  compressionZstdLevel: number;
  /** `audit.enable`: the end-to-end audit counts this topic (when `gregor.audit.enable` is on). */
  auditEnable: boolean;
}

/** Where a broker-level value came from, for DescribeConfigs. */
export type BrokerValueSource = (brokerKey: string) => { value: string; source: number } | null;

interface TopicConfigDefinition {
  type: number;
  /** The broker property this topic config defaults to (its synonym), or null. */
  brokerKey: string | null;
  /** The broker-level default, as a string, from the effective broker config. */
  fallback: (c: BrokerConfig) => string;
  /** Checks a value; returns it normalized (trimmed). Throws a message (not naming the key). */
  check: (raw: string) => string;
  doc: string;
}

const LONG_MAX = 9223372036854775807n;
const INT_MAX = 2147483647n;

function invalid(raw: string, why: string): never {
  throw new Error(`Invalid value ${raw}: ${why}`);
}

function integer(min: bigint, max: bigint, typeName: 'INT' | 'LONG'): (raw: string) => string {
  return (raw) => {
    const text = raw.trim();
    if (!/^-?\d+$/.test(text)) invalid(raw, `Not a number of type ${typeName}`);
    const v = BigInt(text);
    if (v < min || v > max) invalid(raw, v < min ? `Value must be at least ${min}` : `Value must be no more than ${max}`);
    return String(v);
  };
}

const long = (min: bigint) => integer(min, LONG_MAX, 'LONG');
const int = (min: bigint, max = INT_MAX) => integer(min, max, 'INT');

function oneOf(...values: string[]): (raw: string) => string {
  return (raw) => {
    const v = raw.trim();
    if (!values.includes(v)) invalid(raw, `String must be one of: ${values.join(', ')}`);
    return v;
  };
}

function boolean(raw: string): string {
  const v = raw.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') invalid(raw, 'Expected value to be either true or false');
  return v;
}

function cleanupPolicyValue(raw: string): string {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) invalid(raw, 'Empty list: expected delete, compact or both');
  for (const item of items) if (item !== 'delete' && item !== 'compact') invalid(raw, `Invalid value ${item}: String must be one of: compact, delete`);
  return [...new Set(items)].join(',');
}

function ratioValue(raw: string): string {
  const v = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(v)) invalid(raw, 'Not a number of type DOUBLE');
  if (v < 0 || v > 1) invalid(raw, 'Value must be in [0.0, 1.0]');
  return raw.trim();
}

/**
 * `leader|follower.replication.throttled.replicas` (Kafka ThrottledReplicaListValidator):
 * `*` or `partition:brokerId,…`; returned without blanks.
 */
function throttledReplicasValue(raw: string): string {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 1 && items[0] === '*') return '*';
  if (items.some((i) => !/^\d+\s*:\s*\d+$/.test(i))) {
    invalid(raw, 'must be the literal \'*\' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...');
  }
  return items.map((i) => i.replace(/\s+/g, '')).join(',');
}

/** `compression.type` values (Kafka BrokerCompressionType). */
export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export type CompressionTypeName = (typeof COMPRESSION_TYPES)[number];

/** `compression.gzip.level`: -1 (Deflater.DEFAULT_COMPRESSION) or 1..9 (Kafka CompressionType.GZIP). */
function gzipLevel(raw: string): string {
  if (raw.trim() === '-1') return '-1';
  return int(1n, 9n)(raw);
}

/**
 * A setting whose only value is what this broker does (others would be a lie): `raw`, parsed
 * as Kafka parses it (by default: trimmed), must be `value`.
 */
function fixedAt(value: string, parse: (raw: string) => string, why: string): (raw: string) => string {
  return (raw) => {
    if (parse(raw) !== value) invalid(raw, why);
    return value;
  };
}

const onlySupported = (value: string, why: string) => fixedAt(value, (raw) => raw.trim(), why);

const longString = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? String(LONG_MAX) : String(n));

const TOPIC_CONFIGS: Record<string, TopicConfigDefinition> = {
  'audit.enable': { type: ConfigType.BOOLEAN, brokerKey: null, fallback: () => 'true', check: boolean, doc: 'Gregor: the end-to-end audit counts this topic\'s records (only while the broker has gregor.audit.enable=true; docs/audit.md)' },
  'cleanup.policy': { type: ConfigType.LIST, brokerKey: 'log.cleanup.policy', fallback: (c) => c.logCleanupPolicy.join(','), check: cleanupPolicyValue, doc: 'delete (retention), compact (keep the latest record per key) or both' },
  'compression.gzip.level': { type: ConfigType.INT, brokerKey: 'compression.gzip.level', fallback: (c) => String(c.compressionGzipLevel), check: gzipLevel, doc: 'gzip level the leader recompresses with when compression.type is gzip (-1: zlib\'s default, else 1..9)' },
  'compression.type': { type: ConfigType.STRING, brokerKey: 'compression.type', fallback: (c) => c.compressionType, check: oneOf(...COMPRESSION_TYPES), doc: 'the codec the leader stores batches with (uncompressed, gzip, snappy, lz4, zstd), recompressing as needed; producer: as the producer compressed them' },
  'compression.zstd.level': { type: ConfigType.INT, brokerKey: 'compression.zstd.level', fallback: (c) => String(c.compressionZstdLevel), check: int(-131072n, 22n), doc: 'zstd level the leader recompresses with when compression.type is zstd' },
  'delete.retention.ms': { type: ConfigType.LONG, brokerKey: 'log.cleaner.delete.retention.ms', fallback: (c) => longString(c.logCleanerDeleteRetentionMs), check: long(0n), doc: 'how long tombstones are kept on compacted topics (ms)' },
  'file.delete.delay.ms': { type: ConfigType.LONG, brokerKey: 'log.segment.delete.delay.ms', fallback: (c) => longString(c.logSegmentDeleteDelayMs), check: long(0n), doc: 'delay before a deleted segment\'s .deleted files are removed (ms)' },
  'flush.messages': { type: ConfigType.LONG, brokerKey: 'log.flush.interval.messages', fallback: (c) => longString(c.logFlushIntervalMessages), check: long(1n), doc: 'fsync after this many records' },
  'flush.ms': { type: ConfigType.LONG, brokerKey: 'log.flush.interval.ms', fallback: (c) => (c.logFlushIntervalMs < 0 ? String(LONG_MAX) : String(c.logFlushIntervalMs)), check: onlySupported(String(LONG_MAX), 'per-topic flush.ms is not supported; set log.flush.interval.ms on the broker'), doc: 'fsync after this long (ms); broker-wide only' },
  'follower.replication.throttled.replicas': { type: ConfigType.LIST, brokerKey: null, fallback: () => '', check: throttledReplicasValue, doc: 'replicas (partition:brokerId, or *) whose fetching, on the follower, follower.replication.throttled.rate limits' },
  'index.interval.bytes': { type: ConfigType.INT, brokerKey: 'log.index.interval.bytes', fallback: (c) => String(c.logIndexIntervalBytes), check: int(0n), doc: 'bytes between offset index entries' },
  'leader.replication.throttled.replicas': { type: ConfigType.LIST, brokerKey: null, fallback: () => '', check: throttledReplicasValue, doc: 'replicas (partition:brokerId, or *) whose serving, on the leader, leader.replication.throttled.rate limits' },
  'max.compaction.lag.ms': { type: ConfigType.LONG, brokerKey: 'log.cleaner.max.compaction.lag.ms', fallback: (c) => longString(c.logCleanerMaxCompactionLagMs), check: long(1n), doc: 'a record is compacted at the latest this long after it was written (ms)' },
  'max.message.bytes': { type: ConfigType.INT, brokerKey: 'message.max.bytes', fallback: (c) => String(c.messageMaxBytes), check: int(0n), doc: 'largest record batch accepted (bytes)' },
  'message.timestamp.after.max.ms': { type: ConfigType.LONG, brokerKey: 'log.message.timestamp.after.max.ms', fallback: (c) => longString(c.logMessageTimestampAfterMaxMs), check: long(0n), doc: 'CreateTime: records timestamped more than this after the broker\'s clock get INVALID_TIMESTAMP (ms; KIP-937)' },
  'message.timestamp.before.max.ms': { type: ConfigType.LONG, brokerKey: 'log.message.timestamp.before.max.ms', fallback: (c) => longString(c.logMessageTimestampBeforeMaxMs), check: long(0n), doc: 'CreateTime: records timestamped more than this before the broker\'s clock get INVALID_TIMESTAMP (ms; KIP-937)' },
  'message.timestamp.difference.max.ms': { type: ConfigType.LONG, brokerKey: 'log.message.timestamp.difference.max.ms', fallback: (c) => longString(c.logMessageTimestampDifferenceMaxMs), check: long(0n), doc: '[deprecated] before.max.ms and after.max.ms when those are left at their default (ms)' },
  'message.timestamp.type': { type: ConfigType.STRING, brokerKey: 'log.message.timestamp.type', fallback: (c) => c.logMessageTimestampType, check: oneOf('CreateTime', 'LogAppendTime'), doc: 'CreateTime (the producer\'s timestamps are kept) or LogAppendTime (the leader stamps each batch with its clock)' },
  'min.cleanable.dirty.ratio': { type: ConfigType.DOUBLE, brokerKey: 'log.cleaner.min.cleanable.ratio', fallback: (c) => String(c.logCleanerMinCleanableRatio), check: ratioValue, doc: 'dirty bytes ÷ total bytes that make a log cleanable' },
  'min.compaction.lag.ms': { type: ConfigType.LONG, brokerKey: 'log.cleaner.min.compaction.lag.ms', fallback: (c) => longString(c.logCleanerMinCompactionLagMs), check: long(0n), doc: 'minimum age of a record before compaction (ms)' },
  'min.insync.replicas': { type: ConfigType.INT, brokerKey: 'min.insync.replicas', fallback: (c) => String(c.minInsyncReplicas), check: int(1n), doc: 'replicas that must be in sync for an acks=all write (1 replica here)' },
  preallocate: { type: ConfigType.BOOLEAN, brokerKey: 'log.preallocate', fallback: () => 'false', check: onlySupported('false', 'preallocation is not supported'), doc: 'preallocate segment files' },
  'retention.bytes': { type: ConfigType.LONG, brokerKey: 'log.retention.bytes', fallback: (c) => longString(c.logRetentionBytes), check: long(-(2n ** 63n)), doc: 'largest partition size before old segments are deleted (bytes); -1 = no limit' },
  'retention.ms': { type: ConfigType.LONG, brokerKey: 'log.retention.ms', fallback: (c) => longString(c.logRetentionMs), check: long(-1n), doc: 'age after which old segments are deleted (ms); -1 = no limit' },
  'segment.bytes': { type: ConfigType.INT, brokerKey: 'log.segment.bytes', fallback: (c) => String(c.logSegmentBytes), check: int(14n), doc: 'segment size before a roll (bytes)' },
  'segment.index.bytes': { type: ConfigType.INT, brokerKey: 'log.index.size.max.bytes', fallback: () => '10485760', check: int(4n), doc: 'largest index file (bytes); indexes here grow as needed' },
  'segment.jitter.ms': { type: ConfigType.LONG, brokerKey: 'log.roll.jitter.ms', fallback: () => '0', check: onlySupported('0', 'roll jitter is not supported'), doc: 'random jitter subtracted from segment.ms' },
  'segment.ms': { type: ConfigType.LONG, brokerKey: 'log.roll.ms', fallback: (c) => longString(c.logRollMs), check: long(1n), doc: 'segment age before a roll (ms)' },
  'unclean.leader.election.enable': { type: ConfigType.BOOLEAN, brokerKey: 'unclean.leader.election.enable', fallback: () => 'false', check: boolean, doc: 'allow out-of-sync replicas to become leader (one replica here)' },
};

const NO_TIERED_STORAGE = 'tiered storage is not supported by this broker: the whole log stays local';

// Kafka topic configs for features Gregor does not implement (tiered storage, old message formats).
Object.assign(TOPIC_CONFIGS, {
  'local.retention.bytes': { type: ConfigType.LONG, brokerKey: 'log.local.retention.bytes', fallback: () => '-2', check: fixedAt('-2', long(-2n), `${NO_TIERED_STORAGE}; only -2 (retention.bytes) is accepted`), doc: 'local part of a tiered log (bytes); -2 = retention.bytes' },
  'local.retention.ms': { type: ConfigType.LONG, brokerKey: 'log.local.retention.ms', fallback: () => '-2', check: fixedAt('-2', long(-2n), `${NO_TIERED_STORAGE}; only -2 (retention.ms) is accepted`), doc: 'local part of a tiered log (ms); -2 = retention.ms' },
  'message.downconversion.enable': { type: ConfigType.BOOLEAN, brokerKey: 'log.message.downconversion.enable', fallback: () => 'true', check: fixedAt('true', boolean, 'only true is supported'), doc: 'serve older fetch versions' },
  'message.format.version': { type: ConfigType.STRING, brokerKey: 'log.message.format.version', fallback: () => '3.0-IV1', check: onlySupported('3.0-IV1', 'batches are always written in message format v2; only 3.0-IV1 is accepted'), doc: 'ignored since 3.0: always v2' },
  'remote.log.copy.disable': { type: ConfigType.BOOLEAN, brokerKey: null, fallback: () => 'false', check: fixedAt('false', boolean, `${NO_TIERED_STORAGE}; only false is accepted`), doc: 'stop copying segments to remote storage' },
  'remote.log.delete.on.disable': { type: ConfigType.BOOLEAN, brokerKey: null, fallback: () => 'false', check: fixedAt('false', boolean, `${NO_TIERED_STORAGE}; only false is accepted`), doc: 'delete remote data when tiered storage is turned off' },
  'remote.storage.enable': {
    type: ConfigType.BOOLEAN,
    brokerKey: null,
    fallback: () => 'false',
    check: fixedAt('false', boolean, 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'),
    doc: 'tiered storage for this topic',
  },
} satisfies Record<string, TopicConfigDefinition>);

/**
 * Topic-config defaults Kafka gives its internal topics (GroupCoordinator offsetsTopicConfigs,
 * TransactionStateManager transactionTopicConfigs; `min.insync.replicas` of
 * `__transaction_state` comes from `transaction.state.log.min.isr` at creation).
 */
export const INTERNAL_TOPIC_DEFAULTS: Record<string, Record<string, string>> = {
  __consumer_offsets: { 'cleanup.policy': 'compact', 'segment.bytes': '104857600', 'compression.type': 'producer' },
  __transaction_state: { 'cleanup.policy': 'compact', 'segment.bytes': '104857600', 'compression.type': 'producer', 'unclean.leader.election.enable': 'false' },
};

/**
 * A topic config's definition: Gregor's, else — for a config Kafka defines that Gregor does not
 * implement — one that accepts only Kafka's default and falls back to it; undefined if Kafka has
 * no such topic config.
 */
function definitionOf(name: string): TopicConfigDefinition | undefined {
  if (Object.hasOwn(TOPIC_CONFIGS, name)) return TOPIC_CONFIGS[name];
  const kafka = kafkaTopicConfig(name);
  if (!kafka) return undefined;
  const kafkaDefault = kafka.defaultValue ?? '';
  return {
    type: kafka.type,
    brokerKey: kafka.synonyms[0] ?? null,
    fallback: () => kafkaDefault,
    check: onlySupported(kafkaDefault, `not supported by this broker; only Kafka's default (${kafkaDefault}) is accepted`),
    doc: '',
  };
}

/** Every topic config name (Kafka's full set), sorted. */
export function topicConfigNames(): string[] {
  return [...new Set([...Object.keys(TOPIC_CONFIGS), ...kafkaTopicConfigNames()])].sort();
}

/** True if `name` is a topic-level config Kafka defines (accepted, at least at Kafka's default). */
export function isTopicConfig(name: string): boolean {
  return definitionOf(name) !== undefined;
}

/** The config's type (ConfigType), or null if unknown. */
export function topicConfigType(name: string): number | null {
  return definitionOf(name)?.type ?? null;
}

/** The broker property a topic config falls back to (its synonym), or null. */
export function brokerSynonymOf(name: string): string | null {
  return definitionOf(name)?.brokerKey ?? null;
}

/**
 * Validates per-topic overrides (names and values) and returns them normalized; a null value
 * is dropped (it means "use the default").
 * Errors: KafkaError INVALID_CONFIG naming the key ("Unknown topic config name: x",
 * "Invalid value v for configuration k: why"), also when min.compaction.lag.ms exceeds
 * max.compaction.lag.ms in the resulting effective config.
 */
export function validateTopicConfigs(overrides: Record<string, string | null>, broker: BrokerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(overrides)) {
    const def = definitionOf(name);
    if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
    if (raw === null) continue;
    try {
      out[name] = def.check(raw);
    } catch (err) {
      const why = (err as Error).message.replace(/^Invalid value [^:]*: /, '');
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `Invalid value ${raw} for configuration ${name}: ${why}`);
    }
  }
  const settings = resolveTopicSettings(broker, out);
  if (settings.minCompactionLagMs > settings.maxCompactionLagMs) {
    throw new KafkaError(
      ErrorCode.INVALID_CONFIG,
      `conflict topic config setting min.compaction.lag.ms (${settings.minCompactionLagMs}) > max.compaction.lag.ms (${settings.maxCompactionLagMs})`,
    );
  }
  return out;
}

function effective(name: string, broker: BrokerConfig, overrides: Record<string, string>): string {
  return overrides[name] ?? definitionOf(name)!.fallback(broker);
}

function toNumber(text: string): number {
  const big = BigInt(text);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (big < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(big);
}

/** A KIP-937 bound: its own value unless left at Long.MAX_VALUE, then the deprecated difference.max.ms. */
function timestampBound(own: number, difference: number): number {
  return own >= Number.MAX_SAFE_INTEGER ? difference : own;
}

/** The settings a topic runs with: its (validated) overrides over the broker's values. */
export function resolveTopicSettings(broker: BrokerConfig, overrides: Record<string, string>): TopicSettings {
  const get = (name: string) => effective(name, broker, overrides);
  const num = (name: string) => toNumber(get(name));
  const policies = get('cleanup.policy').split(',');
  return {
    cleanupPolicy: { delete: policies.includes('delete'), compact: policies.includes('compact') },
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    indexIntervalBytes: num('index.interval.bytes'),
    maxMessageBytes: num('max.message.bytes'),
    flushMessages: num('flush.messages'),
    deleteRetentionMs: num('delete.retention.ms'),
    fileDeleteDelayMs: num('file.delete.delay.ms'),
    minCleanableDirtyRatio: Number(get('min.cleanable.dirty.ratio')),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    minInsyncReplicas: num('min.insync.replicas'),
    messageTimestampType: get('message.timestamp.type') as TopicSettings['messageTimestampType'],
    messageTimestampBeforeMaxMs: timestampBound(num('message.timestamp.before.max.ms'), num('message.timestamp.difference.max.ms')),
    messageTimestampAfterMaxMs: timestampBound(num('message.timestamp.after.max.ms'), num('message.timestamp.difference.max.ms')),
    compressionType: get('compression.type') as CompressionTypeName,
    compressionGzipLevel: num('compression.gzip.level'),
    compressionZstdLevel: num('compression.zstd.level'),
    auditEnable: get('audit.enable') === 'true',
  };
}

/**
 * Every topic config (Kafka's full set, by name) with its effective value and source for a topic
 * with `overrides`; `brokerSource` tells where the broker-level value came from (dynamic layers).
 * A config Kafka defines that Gregor does not implement shows Kafka's default (DEFAULT_CONFIG).
 */
export function describeTopicConfigs(broker: BrokerConfig, overrides: Record<string, string> = {}, brokerSource?: BrokerValueSource): ConfigEntry[] {
  const defaults = defaultConfig();
  return topicConfigNames().map((name): ConfigEntry => {
    const def = definitionOf(name)!;
    const synonyms: ConfigSynonym[] = [];
    if (overrides[name] !== undefined) synonyms.push({ name, value: overrides[name]!, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const fallback = def.fallback(broker);
    if (def.brokerKey) {
      const dynamic = brokerSource?.(def.brokerKey);
      if (dynamic) synonyms.push({ name: def.brokerKey, value: dynamic.value, source: dynamic.source });
      else if (fallback !== def.fallback(defaults)) synonyms.push({ name: def.brokerKey, value: fallback, source: ConfigSource.STATIC_BROKER_CONFIG });
    }
    synonyms.push({ name: def.brokerKey ?? name, value: def.fallback(defaults), source: ConfigSource.DEFAULT_CONFIG });
    const top = synonyms[0]!;
    return {
      name,
      value: overrides[name] ?? fallback,
      type: def.type,
      source: top.source,
      readOnly: false,
      documentation: def.doc,
      synonyms,
    };
  });
}

/** The fields of a log's LogConfig that come from its topic's settings. */
export function logConfigFields(s: TopicSettings): {
  segmentBytes: number;
  rollMs: number;
  maxBatchBytes: number;
  flushIntervalMessages: number;
  indexIntervalBytes: number;
  compacted: boolean;
  auditEnable: boolean;
} {
  return {
    auditEnable: s.auditEnable,
    compacted: s.cleanupPolicy.compact,
    segmentBytes: s.segmentBytes,
    // A compacted topic rolls at max.compaction.lag.ms at the latest, so its records become cleanable in time.
    rollMs: s.cleanupPolicy.compact ? Math.min(s.segmentMs, s.maxCompactionLagMs) : s.segmentMs,
    maxBatchBytes: s.maxMessageBytes,
    flushIntervalMessages: s.flushMessages,
    indexIntervalBytes: s.indexIntervalBytes,
  };
}
