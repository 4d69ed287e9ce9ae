/**
 * Lookups over Kafka's config catalog (src/config/kafka-config-catalog.ts, generated): each broker
 * and topic config's DescribeConfigs type (KIP-569 ConfigType) and Kafka's default, so that
 * DescribeConfigs lists every name Kafka does, and how a BrokerConfig field's value is shown
 * (Kafka's ConfigDef.convertToString: lists comma-joined, Long.MAX_VALUE in full).
 */
import { KAFKA_BROKER_CONFIGS, KAFKA_TOPIC_CONFIGS, type KafkaConfigTypeName } from './kafka-config-catalog.js';
import { ConfigType } from './topic-config.js';

export interface KafkaConfig {
  name: string;
  /** DescribeConfigs ConfigType. */
  type: number;
  /** Kafka's default as DescribeConfigs shows it; null = none. */
  defaultValue: string | null;
  /** PASSWORD: its value is never shown (DescribeConfigs answers null, is_sensitive). */
  sensitive: boolean;
}

export interface KafkaTopicConfig extends KafkaConfig {
  /** Broker properties this topic config falls back to, highest precedence first. */
  synonyms: readonly string[];
}

const typeOf = (name: KafkaConfigTypeName): number => ConfigType[name];

// Built on first use: topic-config.ts (ConfigType) imports this module too.
let broker: Map<string, KafkaConfig> | null = null;
let topic: Map<string, KafkaTopicConfig> | null = null;

function brokerCatalog(): Map<string, KafkaConfig> {
  broker ??= new Map(KAFKA_BROKER_CONFIGS.map(([name, type, defaultValue]) => [name, { name, type: typeOf(type), defaultValue, sensitive: type === 'PASSWORD' }]));
  return broker;
}

function topicCatalog(): Map<string, KafkaTopicConfig> {
  topic ??= new Map(KAFKA_TOPIC_CONFIGS.map(([name, type, defaultValue, synonyms]) => [name, { name, type: typeOf(type), defaultValue, sensitive: type === 'PASSWORD', synonyms }]));
  return topic;
}

/** Kafka's definition of a broker config, or undefined if Kafka has no such broker config. */
export function kafkaBrokerConfig(name: string): KafkaConfig | undefined {
  return brokerCatalog().get(name);
}

/** Kafka's definition of a topic config, or undefined if Kafka has no such topic config. */
export function kafkaTopicConfig(name: string): KafkaTopicConfig | undefined {
  return topicCatalog().get(name);
}

/** Every broker config name Kafka defines. */
export function kafkaBrokerConfigNames(): string[] {
  return [...brokerCatalog().keys()];
}

/** Every topic config name Kafka defines. */
export function kafkaTopicConfigNames(): string[] {
  return [...topicCatalog().keys()];
}

const LONG_MAX = '9223372036854775807';

/** The ConfigType a value of a config Kafka does not define looks like (Gregor's own keys). */
export function inferredConfigType(value: unknown): number {
  if (typeof value === 'boolean') return ConfigType.BOOLEAN;
  if (typeof value === 'number') return Number.isInteger(value) ? (Math.abs(value) > 2_147_483_647 ? ConfigType.LONG : ConfigType.INT) : ConfigType.DOUBLE;
  if (Array.isArray(value)) return ConfigType.LIST;
  return ConfigType.STRING;
}

/**
 * A BrokerConfig field's value as DescribeConfigs shows it: null stays null, a list (or a map, as
 * `key:value` pairs) is comma-joined, a LONG at or past 2^53 (our "never") is Long.MAX_VALUE.
 */
export function renderConfigValue(value: unknown, type: number): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'number') return type === ConfigType.LONG && value >= Number.MAX_SAFE_INTEGER ? LONG_MAX : String(value);
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}:${v}`).join(',');
  return String(value);
}
