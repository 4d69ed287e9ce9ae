/**
 * Dynamic broker configs (KIP-226): broker properties changed at run time through
 * AlterConfigs / IncrementalAlterConfigs on the BROKER resource, at two levels —
 * the cluster-wide default (resource name "") and this broker (resource name = node.id) —
 * over the static config from server.properties and flags. Precedence: per-broker >
 * cluster default > static > Kafka's default. Only keys Kafka allows to change dynamically
 * (the log.* defaults of topic configs, the cleaner's, message.max.bytes, …) are accepted.
 *
 * Persisted in `<log.dir>/dynamic-broker-configs.json` ({ cluster: {...}, broker: {...} },
 * written atomically) and re-applied at start-up, as Kafka's metadata log keeps them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { type BrokerConfig, ConfigError, applyProperties, configField, defaultConfig, knownKeys } from './broker-config.js';
import { inferredConfigType, kafkaBrokerConfig, kafkaBrokerConfigNames, renderConfigValue } from './config-catalog.js';
import { isSecurityKey } from './security-keys.js';
import { type ConfigEntry, ConfigSource, ConfigType } from './topic-config.js';

export type DynamicLevel = 'cluster' | 'broker';

export const DYNAMIC_CONFIG_FILE = 'dynamic-broker-configs.json';

/** Broker keys that may change at run time (Kafka DynamicBrokerConfig / DynamicLogConfig). */
export const DYNAMIC_BROKER_KEYS: ReadonlySet<string> = new Set([
  'log.segment.bytes',
  'log.roll.ms',
  'log.roll.hours',
  'log.retention.ms',
  'log.retention.minutes',
  'log.retention.hours',
  'log.retention.bytes',
  'log.index.interval.bytes',
  'log.flush.interval.messages',
  'log.segment.delete.delay.ms',
  'log.cleanup.policy',
  'log.cleaner.backoff.ms',
  'log.cleaner.delete.retention.ms',
  'log.cleaner.min.cleanable.ratio',
  'log.cleaner.min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms',
  'log.cleaner.dedupe.buffer.size',
  'message.max.bytes',
  'min.insync.replicas',
  'producer.id.expiration.ms',
  'log.message.timestamp.type',
  'log.message.timestamp.difference.max.ms',
  'log.message.timestamp.before.max.ms',
  'log.message.timestamp.after.max.ms',
  'compression.type',
  'compression.gzip.level',
  'compression.zstd.level',
  'leader.replication.throttled.rate',
  'follower.replication.throttled.rate',
]);

const longString = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? '9223372036854775807' : String(n));
const listener = (l: { name: string; host: string; port: number }) => `${l.name}://${l.host}:${l.port}`;

/** How DescribeConfigs shows each broker property: its type and current value. */
const BROKER_DESCRIPTIONS: Record<string, { type: number; value: (c: BrokerConfig) => string | null }> = {
  'node.id': { type: ConfigType.INT, value: (c) => String(c.nodeId) },
  'broker.id': { type: ConfigType.INT, value: (c) => String(c.nodeId) },
  listeners: { type: ConfigType.STRING, value: (c) => c.listeners.map(listener).join(',') },
  'advertised.listeners': { type: ConfigType.STRING, value: (c) => c.advertisedListeners.map(listener).join(',') },
  'log.dirs': { type: ConfigType.STRING, value: (c) => c.logDirs.join(',') },
  'num.partitions': { type: ConfigType.INT, value: (c) => String(c.numPartitions) },
  'log.segment.bytes': { type: ConfigType.INT, value: (c) => String(c.logSegmentBytes) },
  'log.roll.ms': { type: ConfigType.LONG, value: (c) => longString(c.logRollMs) },
  'log.index.interval.bytes': { type: ConfigType.INT, value: (c) => String(c.logIndexIntervalBytes) },
  'log.flush.interval.messages': { type: ConfigType.LONG, value: (c) => longString(c.logFlushIntervalMessages) },
  'log.flush.interval.ms': { type: ConfigType.LONG, value: (c) => (c.logFlushIntervalMs < 0 ? null : String(c.logFlushIntervalMs)) },
  'auto.create.topics.enable': { type: ConfigType.BOOLEAN, value: (c) => String(c.autoCreateTopicsEnable) },
  'message.max.bytes': { type: ConfigType.INT, value: (c) => String(c.messageMaxBytes) },
  'socket.request.max.bytes': { type: ConfigType.INT, value: (c) => String(c.socketRequestMaxBytes) },
  'connections.max.idle.ms': { type: ConfigType.LONG, value: (c) => String(c.connectionsMaxIdleMs) },
  'max.connections': { type: ConfigType.INT, value: (c) => String(c.maxConnections) },
  'max.connections.per.ip': { type: ConfigType.INT, value: (c) => String(c.maxConnectionsPerIp) },
  'max.connections.per.ip.overrides': { type: ConfigType.STRING, value: (c) => Object.entries(c.maxConnectionsPerIpOverrides).map(([h, n]) => `${h}:${n}`).join(',') },
  'default.replication.factor': { type: ConfigType.INT, value: (c) => String(c.defaultReplicationFactor) },
  'gregor.engine': { type: ConfigType.STRING, value: (c) => c.engine },
  'gregor.audit.enable': { type: ConfigType.BOOLEAN, value: (c) => String(c.auditEnable) },
  'gregor.audit.report.interval.ms': { type: ConfigType.LONG, value: (c) => String(c.auditReportIntervalMs) },
  'gregor.audit.bucket.ms': { type: ConfigType.LONG, value: (c) => String(c.auditBucketMs) },
  'gregor.audit.grace.ms': { type: ConfigType.LONG, value: (c) => String(c.auditGraceMs) },
  'log.retention.ms': { type: ConfigType.LONG, value: (c) => longString(c.logRetentionMs) },
  'log.retention.bytes': { type: ConfigType.LONG, value: (c) => longString(c.logRetentionBytes) },
  'log.retention.check.interval.ms': { type: ConfigType.LONG, value: (c) => longString(c.logRetentionCheckIntervalMs) },
  'log.segment.delete.delay.ms': { type: ConfigType.LONG, value: (c) => longString(c.logSegmentDeleteDelayMs) },
  'log.cleanup.policy': { type: ConfigType.LIST, value: (c) => c.logCleanupPolicy.join(',') },
  'log.cleaner.enable': { type: ConfigType.BOOLEAN, value: (c) => String(c.logCleanerEnable) },
  'log.cleaner.backoff.ms': { type: ConfigType.LONG, value: (c) => longString(c.logCleanerBackoffMs) },
  'log.cleaner.delete.retention.ms': { type: ConfigType.LONG, value: (c) => longString(c.logCleanerDeleteRetentionMs) },
  'log.cleaner.min.cleanable.ratio': { type: ConfigType.DOUBLE, value: (c) => String(c.logCleanerMinCleanableRatio) },
  'log.cleaner.min.compaction.lag.ms': { type: ConfigType.LONG, value: (c) => longString(c.logCleanerMinCompactionLagMs) },
  'log.cleaner.max.compaction.lag.ms': { type: ConfigType.LONG, value: (c) => longString(c.logCleanerMaxCompactionLagMs) },
  'log.cleaner.dedupe.buffer.size': { type: ConfigType.LONG, value: (c) => longString(c.logCleanerDedupeBufferSize) },
  'min.insync.replicas': { type: ConfigType.INT, value: (c) => String(c.minInsyncReplicas) },
  'producer.id.expiration.ms': { type: ConfigType.INT, value: (c) => String(c.producerIdExpirationMs) },
  'log.message.timestamp.type': { type: ConfigType.STRING, value: (c) => c.logMessageTimestampType },
  'log.message.timestamp.difference.max.ms': { type: ConfigType.LONG, value: (c) => longString(c.logMessageTimestampDifferenceMaxMs) },
  'log.message.timestamp.before.max.ms': { type: ConfigType.LONG, value: (c) => longString(c.logMessageTimestampBeforeMaxMs) },
  'log.message.timestamp.after.max.ms': { type: ConfigType.LONG, value: (c) => longString(c.logMessageTimestampAfterMaxMs) },
  'compression.type': { type: ConfigType.STRING, value: (c) => c.compressionType },
  'compression.gzip.level': { type: ConfigType.INT, value: (c) => String(c.compressionGzipLevel) },
  'compression.zstd.level': { type: ConfigType.INT, value: (c) => String(c.compressionZstdLevel) },
  'leader.replication.throttled.rate': { type: ConfigType.LONG, value: (c) => longString(c.leaderReplicationThrottledRate) },
  'follower.replication.throttled.rate': { type: ConfigType.LONG, value: (c) => longString(c.followerReplicationThrottledRate) },
  'replica.selector.class': { type: ConfigType.STRING, value: (c) => c.replicaSelectorClass },
  'super.users': { type: ConfigType.STRING, value: (c) => (c.superUsers.length === 0 ? null : c.superUsers.join(';')) },
  'offsets.retention.minutes': { type: ConfigType.INT, value: (c) => String(Math.floor(c.offsetsRetentionMs / 60_000)) },
  // Aliases of the …ms properties, shown as the effective ms value in their unit.
  'log.roll.hours': { type: ConfigType.INT, value: (c) => String(Math.floor(c.logRollMs / 3_600_000)) },
  'log.retention.minutes': { type: ConfigType.INT, value: (c) => (c.logRetentionMs < 0 ? '-1' : String(Math.floor(c.logRetentionMs / 60_000))) },
  'log.retention.hours': { type: ConfigType.INT, value: (c) => (c.logRetentionMs < 0 ? '-1' : String(Math.floor(c.logRetentionMs / 3_600_000))) },
};

type BrokerDescription = (typeof BROKER_DESCRIPTIONS)[string];

/**
 * How DescribeConfigs shows a broker property Gregor has: BROKER_DESCRIPTIONS, else the field
 * the property sets, else a TLS/SASL property (Kafka's default until set); null if Gregor does
 * not have it. The type is Kafka's where Kafka defines the key.
 */
function describedProperty(key: string): BrokerDescription | null {
  const kafka = kafkaBrokerConfig(key);
  const own = BROKER_DESCRIPTIONS[key];
  if (own) return { type: kafka?.type ?? own.type, value: own.value };
  const field = configField(key);
  if (field) {
    const type = kafka?.type ?? inferredConfigType(defaultConfig()[field]);
    return { type, value: (c) => renderConfigValue(c[field], type) };
  }
  if (isSecurityKey(key)) return { type: kafka?.type ?? ConfigType.STRING, value: (c) => c.securityProps[key] ?? kafka?.defaultValue ?? null };
  return null;
}

/** Every broker property DescribeConfigs lists: Kafka's full set, then Gregor's own, by name. */
function describedNames(): string[] {
  return [...new Set([...kafkaBrokerConfigNames(), ...Object.keys(BROKER_DESCRIPTIONS), ...knownKeys().filter((k) => configField(k) !== null)])].sort();
}

/** A broker property's ConfigType (LIST for log.cleanup.policy), or null if not described. */
export function brokerConfigType(key: string): number | null {
  return BROKER_DESCRIPTIONS[describedKeyFor(key)]?.type ?? null;
}

/** The broker property DescribeConfigs shows for a key (aliases such as log.retention.hours map to …ms). */
function describedKeyFor(key: string): string {
  if (key === 'log.roll.hours') return 'log.roll.ms';
  if (key === 'log.retention.minutes' || key === 'log.retention.hours') return 'log.retention.ms';
  if (key === 'log.dir') return 'log.dirs';
  return key;
}

export class DynamicBrokerConfig {
  private readonly levels: Record<DynamicLevel, Record<string, string>> = { cluster: {}, broker: {} };
  private readonly staticConfig: BrokerConfig;
  private readonly path: string;

  /**
   * Takes `live` (the broker's config object, updated in place from now on) as the static
   * config, then applies what `<logDir>/dynamic-broker-configs.json` holds.
   * Errors: ConfigError if the stored file is unreadable or holds an invalid value.
   */
  constructor(
    logDir: string,
    private readonly live: BrokerConfig,
  ) {
    this.staticConfig = structuredClone(live);
    this.path = join(logDir, DYNAMIC_CONFIG_FILE);
    if (existsSync(this.path)) {
      let stored: { cluster?: Record<string, string>; broker?: Record<string, string> };
      try {
        stored = JSON.parse(readFileSync(this.path, 'utf8'));
      } catch (err) {
        throw new ConfigError(`${this.path}: ${(err as Error).message}`);
      }
      this.levels.cluster = { ...stored.cluster };
      this.levels.broker = { ...stored.broker };
      Object.assign(this.live, this.effective(this.levels));
    }
  }

  /** The dynamic values set at `level`, by key. */
  get(level: DynamicLevel): Record<string, string> {
    return { ...this.levels[level] };
  }

  /**
   * Checks a full replacement of `level`'s dynamic configs; returns them normalized (trimmed).
   * Errors: KafkaError INVALID_CONFIG naming the key: unknown key, a key that cannot change
   * dynamically, or an invalid value.
   */
  validate(level: DynamicLevel, configs: Record<string, string>): Record<string, string> {
    const known = new Set(knownKeys());
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(configs)) {
      // A Kafka config Gregor does not act on is described read-only: refused as Kafka refuses those.
      if (!known.has(key) && !kafkaBrokerConfig(key)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown broker config name: ${key}`);
      if (!DYNAMIC_BROKER_KEYS.has(key)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Cannot update these configs dynamically: ${key}`);
      out[key] = value.trim();
    }
    try {
      this.effective({ ...this.levels, [level]: out });
    } catch (err) {
      if (err instanceof ConfigError) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Invalid broker config: ${err.message}`);
      throw err;
    }
    return out;
  }

  /**
   * Replaces `level`'s dynamic configs (already validated), persists them and updates the
   * live config in place. Errors: fs errors writing the file (nothing changes then).
   */
  replace(level: DynamicLevel, configs: Record<string, string>): void {
    const next = { ...this.levels, [level]: { ...configs } };
    const effective = this.effective(next);
    writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
    this.levels.cluster = next.cluster;
    this.levels.broker = next.broker;
    Object.assign(this.live, effective);
  }

  private effective(levels: Record<DynamicLevel, Record<string, string>>): BrokerConfig {
    return applyProperties(structuredClone(this.staticConfig), { ...levels.cluster, ...levels.broker });
  }

  /** Where a broker key's value comes from, if set dynamically (for topic-config synonyms). */
  dynamicSource(key: string): { value: string; source: number } | null {
    const matches = (stored: Record<string, string>) => Object.keys(stored).find((k) => k === key || describedKeyFor(k) === describedKeyFor(key));
    const b = matches(this.levels.broker);
    if (b) return { value: BROKER_DESCRIPTIONS[key]?.value(this.live) ?? this.levels.broker[b]!, source: ConfigSource.DYNAMIC_BROKER_CONFIG };
    const c = matches(this.levels.cluster);
    if (c) return { value: BROKER_DESCRIPTIONS[key]?.value(this.live) ?? this.levels.cluster[c]!, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG };
    return null;
  }

  /**
   * The broker's configs as DescribeConfigs(BROKER) reports them: for this broker's id, every
   * property Kafka defines and every one Gregor adds, with its value and source (readOnly unless
   * dynamic; Kafka's default and DEFAULT_CONFIG for one Gregor does not have; PASSWORD values
   * null and `sensitive`); for "" (the cluster default resource), only the dynamic cluster defaults.
   */
  describe(level: DynamicLevel): ConfigEntry[] {
    const defaults = defaultConfig();
    if (level === 'cluster') {
      return Object.entries(this.levels.cluster).map(([name, value]) => ({
        name,
        value,
        type: brokerConfigType(name) ?? ConfigType.STRING,
        source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        readOnly: false,
        documentation: '',
        synonyms: [{ name, value, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }],
      }));
    }
    const entries: ConfigEntry[] = [];
    for (const name of describedNames()) {
      const def = describedProperty(name);
      const sensitive = kafkaBrokerConfig(name)?.sensitive ?? false;
      const shown = (v: string | null) => (sensitive ? null : v);
      if (!def) {
        const kafka = kafkaBrokerConfig(name)!;
        const value = shown(kafka.defaultValue);
        entries.push({ name, value, type: kafka.type, source: ConfigSource.DEFAULT_CONFIG, readOnly: !DYNAMIC_BROKER_KEYS.has(name), documentation: '', synonyms: [{ name, value, source: ConfigSource.DEFAULT_CONFIG }], sensitive });
        continue;
      }
      const dynamic = this.dynamicSource(name);
      const staticValue = def.value(this.staticConfig);
      const defaultValue = def.value(defaults);
      const source = dynamic?.source ?? (staticValue !== defaultValue ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG);
      const synonyms = [];
      if (dynamic) synonyms.push({ name, value: shown(dynamic.value), source: dynamic.source });
      if (staticValue !== defaultValue) synonyms.push({ name, value: shown(staticValue), source: ConfigSource.STATIC_BROKER_CONFIG });
      synonyms.push({ name, value: shown(defaultValue), source: ConfigSource.DEFAULT_CONFIG });
      entries.push({
        name,
        value: shown(def.value(this.live)),
        type: def.type,
        source,
        readOnly: !DYNAMIC_BROKER_KEYS.has(name),
        documentation: '',
        synonyms,
        sensitive,
      });
    }
    return entries;
  }
}
