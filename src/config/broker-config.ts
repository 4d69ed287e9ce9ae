/**
 * Broker configuration with Kafka's property names (docs: Kafka "Broker Configs").
 * Values come from a server.properties file, then CLI flags / library options on top.
 * An unknown key or a value of the wrong type or range is a start-up error
 * ({@link ConfigError}) naming the key, the value and the bound.
 */
import { readFileSync } from 'node:fs';
import { parse as parseProperties } from 'dot-properties';

export type EngineKind = 'js' | 'wasm';

export interface BrokerConfig {
  /** `node.id` (alias `broker.id`): this broker's id, >= 0. */
  nodeId: number;
  /** `listeners`: where the Kafka protocol listener binds, e.g. PLAINTEXT://:9092. */
  listeners: Listener[];
  /** `advertised.listeners`: what Metadata tells clients; defaults to `listeners`. */
  advertisedListeners: Listener[];
  /** `log.dirs` (alias `log.dir`): partition directories live here; the first is used. */
  logDirs: string[];
  /** `num.partitions`: partitions of auto-created topics and CreateTopics with -1. */
  numPartitions: number;
  /** `log.segment.bytes`: a segment rolls before it would exceed this many bytes. */
  logSegmentBytes: number;
  /** `log.roll.ms` (or `log.roll.hours`): a segment rolls when its first record is this old. */
  logRollMs: number;
  /** `log.index.interval.bytes`: bytes of log between two offset-index entries. */
  logIndexIntervalBytes: number;
  /** `log.flush.interval.messages`: fsync after this many records (default: never, page cache). */
  logFlushIntervalMessages: number;
  /** `log.flush.interval.ms`: fsync a partition whose oldest unflushed record is this old (ms); -1 = never. */
  logFlushIntervalMs: number;
  /** `auto.create.topics.enable`: Metadata/Produce to an unknown topic creates it. */
  autoCreateTopicsEnable: boolean;
  /** `message.max.bytes`: largest record batch accepted, in bytes. */
  messageMaxBytes: number;
  /** `socket.request.max.bytes`: largest request frame, in bytes; larger ones close the connection unread. */
  socketRequestMaxBytes: number;
  /** `default.replication.factor`: replication factor reported for topics (1 on a single broker). */
  defaultReplicationFactor: number;
  /** `group.min.session.timeout.ms`: smallest session timeout a member may ask for (ms). */
  groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms`: largest session timeout a member may ask for (ms). */
  groupMaxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms`: wait for more members before an empty group's first rebalance (ms, KIP-134). */
  groupInitialRebalanceDelayMs: number;
  /** `group.max.size`: most members a group may have. */
  groupMaxSize: number;
  /** `offsets.topic.num.partitions`: partitions of `__consumer_offsets` when it is created. */
  offsetsTopicNumPartitions: number;
  /** `offsets.retention.minutes`: committed offsets of a group empty this long expire (stored in ms). */
  offsetsRetentionMs: number;
  /** `offsets.retention.check.interval.ms`: how often offset expiry runs (ms). */
  offsetsRetentionCheckIntervalMs: number;
  /** `offset.metadata.max.bytes`: largest metadata string of a committed offset (bytes). */
  offsetMetadataMaxBytes: number;
  /** `gregor.engine`: the hot-path core, `wasm` (default) or `js` (the TypeScript twin). */
  engine: EngineKind;
  /** `cluster.id`: reported in Metadata; generated once and kept in `meta.properties`. */
  clusterId: string | null;
}

export interface Listener {
  name: string;
  host: string;
  port: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Parser = (key: string, raw: string) => unknown;

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser =>
  (key, raw) => {
    const v = Number(raw.trim());
    if (!Number.isInteger(v)) throw new ConfigError(`${key}: "${raw}" is not an integer`);
    if (v < min || v > max) throw new ConfigError(`${key}: ${v} is outside [${min}, ${max}]`);
    return v;
  };

const bool: Parser = (key, raw) => {
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError(`${key}: "${raw}" is not true or false`);
};

const list: Parser = (_key, raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const listeners: Parser = (key, raw) => {
  const out: Listener[] = [];
  for (const item of list(key, raw) as string[]) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(item);
    if (!m) throw new ConfigError(`${key}: "${item}" is not NAME://host:port`);
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`${key}: port ${port} is outside [0, 65535]`);
    out.push({ name: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0) throw new ConfigError(`${key}: no listener given`);
  return out;
};

const engine: Parser = (key, raw) => {
  const v = raw.trim();
  if (v !== 'js' && v !== 'wasm') throw new ConfigError(`${key}: "${raw}" is not js or wasm`);
  return v;
};

interface Definition {
  field: keyof BrokerConfig;
  parse: Parser;
  /** A value derived from another key (e.g. log.roll.hours → ms). */
  map?: (v: unknown) => unknown;
}

const INT32_MAX = 2 ** 31 - 1;

/** Every key we accept, with Kafka's name. Aliases map onto the same field. */
const DEFINITIONS: Record<string, Definition> = {
  'node.id': { field: 'nodeId', parse: int(0, INT32_MAX) },
  'broker.id': { field: 'nodeId', parse: int(0, INT32_MAX) },
  listeners: { field: 'listeners', parse: listeners },
  'advertised.listeners': { field: 'advertisedListeners', parse: listeners },
  'log.dirs': { field: 'logDirs', parse: list },
  'log.dir': { field: 'logDirs', parse: list },
  'num.partitions': { field: 'numPartitions', parse: int(1, 100_000) },
  // 14 bytes: the smallest segment that holds a header-only batch (Kafka's LegacyRecord.RECORD_OVERHEAD_V0).
  'log.segment.bytes': { field: 'logSegmentBytes', parse: int(14, INT32_MAX) },
  'log.roll.ms': { field: 'logRollMs', parse: int(1) },
  'log.roll.hours': { field: 'logRollMs', parse: int(1), map: (h) => (h as number) * 3_600_000 },
  'log.index.interval.bytes': { field: 'logIndexIntervalBytes', parse: int(0, INT32_MAX) },
  'log.flush.interval.messages': { field: 'logFlushIntervalMessages', parse: int(1) },
  'log.flush.interval.ms': { field: 'logFlushIntervalMs', parse: int(-1) },
  'auto.create.topics.enable': { field: 'autoCreateTopicsEnable', parse: bool },
  'message.max.bytes': { field: 'messageMaxBytes', parse: int(0, INT32_MAX) },
  'socket.request.max.bytes': { field: 'socketRequestMaxBytes', parse: int(1, INT32_MAX) },
  'default.replication.factor': { field: 'defaultReplicationFactor', parse: int(1, 1) },
  'group.min.session.timeout.ms': { field: 'groupMinSessionTimeoutMs', parse: int(0, INT32_MAX) },
  'group.max.session.timeout.ms': { field: 'groupMaxSessionTimeoutMs', parse: int(0, INT32_MAX) },
  'group.initial.rebalance.delay.ms': { field: 'groupInitialRebalanceDelayMs', parse: int(0, INT32_MAX) },
  'group.max.size': { field: 'groupMaxSize', parse: int(1, INT32_MAX) },
  'offsets.topic.num.partitions': { field: 'offsetsTopicNumPartitions', parse: int(1, 100_000) },
  'offsets.retention.minutes': { field: 'offsetsRetentionMs', parse: int(1, INT32_MAX), map: (m) => (m as number) * 60_000 },
  'offsets.retention.check.interval.ms': { field: 'offsetsRetentionCheckIntervalMs', parse: int(1, INT32_MAX) },
  'offset.metadata.max.bytes': { field: 'offsetMetadataMaxBytes', parse: int(0, INT32_MAX) },
  'gregor.engine': { field: 'engine', parse: engine },
  'cluster.id': { field: 'clusterId', parse: (_k, raw) => raw.trim() },
};

/** Kafka's defaults, except `log.dirs` (./data, as a new user expects). */
export function defaultConfig(): BrokerConfig {
  const plaintext = [{ name: 'PLAINTEXT', host: '', port: 9092 }];
  return {
    nodeId: 0,
    listeners: plaintext,
    advertisedListeners: plaintext,
    logDirs: ['./data'],
    numPartitions: 1,
    logSegmentBytes: 1024 * 1024 * 1024,
    logRollMs: 168 * 3_600_000,
    logIndexIntervalBytes: 4096,
    logFlushIntervalMessages: Number.MAX_SAFE_INTEGER,
    logFlushIntervalMs: -1,
    autoCreateTopicsEnable: true,
    // 1 MiB + 12 bytes of batch log overhead (Kafka's default).
    messageMaxBytes: 1024 * 1024 + 12,
    socketRequestMaxBytes: 100 * 1024 * 1024,
    defaultReplicationFactor: 1,
    groupMinSessionTimeoutMs: 6_000,
    groupMaxSessionTimeoutMs: 1_800_000,
    groupInitialRebalanceDelayMs: 3_000,
    groupMaxSize: 2_147_483_647,
    offsetsTopicNumPartitions: 50,
    offsetsRetentionMs: 10_080 * 60_000,
    offsetsRetentionCheckIntervalMs: 600_000,
    offsetMetadataMaxBytes: 4_096,
    engine: 'wasm',
    clusterId: null,
  };
}

/** The property names this broker understands, sorted (for help texts and the README). */
export function knownKeys(): string[] {
  return Object.keys(DEFINITIONS).sort();
}

/**
 * Applies `key=value` properties onto a config, in order.
 * Errors: ConfigError for an unknown key or an invalid value (message names both).
 */
export function applyProperties(
  config: BrokerConfig,
  props: Record<string, string | number | boolean>,
): BrokerConfig {
  const explicit = new Set<string>();
  for (const [key, value] of Object.entries(props)) {
    const def = DEFINITIONS[key];
    if (!def) throw new ConfigError(`unknown config key "${key}"`);
    let parsed = def.parse(key, String(value));
    if (def.map) parsed = def.map(parsed);
    if (def.field === 'logDirs' && (parsed as string[]).length === 0) {
      throw new ConfigError(`${key}: no directory given`);
    }
    (config as unknown as Record<string, unknown>)[def.field] = parsed;
    explicit.add(def.field);
  }
  if (explicit.has('listeners') && !explicit.has('advertisedListeners')) {
    config.advertisedListeners = config.listeners;
  }
  return config;
}

/**
 * Reads a Java-style server.properties file (comments, escapes, continuations handled by
 * dot-properties). Errors: ConfigError if the file cannot be read.
 */
export function readPropertiesFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseProperties(text) as Record<string, string>;
}

/** The Kafka-protocol listener (the first one) with its port overridden when given. */
export function kafkaListener(config: BrokerConfig): Listener {
  return config.listeners[0]!;
}
