/**
 * Topic configs and the broker properties they fall back to: retention aliases, Long.MAX as
 * "never", effective settings, and describe sources (static vs default).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, applyProperties, defaultConfig } from '../../src/config/broker-config.js';
import { ConfigSource, describeTopicConfigs, logConfigFields, resolveTopicSettings, validateTopicConfigs } from '../../src/config/topic-config.js';

describe('topic configs', () => {
  it('log.retention.hours/minutes map onto ms; -1 and Long.MAX_VALUE mean "never"', () => {
    expect(applyProperties(defaultConfig(), { 'log.retention.hours': 2 }).logRetentionMs).toBe(7_200_000);
    expect(applyProperties(defaultConfig(), { 'log.retention.minutes': 3 }).logRetentionMs).toBe(180_000);
    expect(applyProperties(defaultConfig(), { 'log.retention.hours': -1 }).logRetentionMs).toBe(-1);
    expect(applyProperties(defaultConfig(), { 'log.retention.ms': '9223372036854775807' }).logRetentionMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => applyProperties(defaultConfig(), { 'log.retention.ms': '9223372036854775808' })).toThrow(ConfigError);
    expect(() => applyProperties(defaultConfig(), { 'log.cleanup.policy': 'compact,shred' })).toThrow(/log.cleanup.policy: "shred"/);
    expect(() => applyProperties(defaultConfig(), { 'log.cleaner.min.cleanable.ratio': '2' })).toThrow(/not a number in \[0, 1\]/);
  });

  it('effective settings: overrides over broker values; compacted topics roll by max.compaction.lag.ms', () => {
    const broker = applyProperties(defaultConfig(), { 'log.retention.bytes': 1000, 'log.cleanup.policy': 'compact' });
    const settings = resolveTopicSettings(broker, validateTopicConfigs({ 'retention.ms': '9223372036854775807', 'max.compaction.lag.ms': '5000', 'segment.ms': '60000' }, broker));
    expect(settings).toMatchObject({
      cleanupPolicy: { compact: true, delete: false },
      retentionMs: Number.MAX_SAFE_INTEGER,
      retentionBytes: 1000,
      maxCompactionLagMs: 5000,
    });
    expect(logConfigFields(settings).rollMs).toBe(5000);
    const plain = resolveTopicSettings(defaultConfig(), {});
    expect(logConfigFields(plain).rollMs).toBe(168 * 3_600_000);
  });

  it('describe: DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG when server.properties changed it, else DEFAULT_CONFIG', () => {
    const broker = applyProperties(defaultConfig(), { 'log.segment.bytes': 1_048_576 });
    const entries = new Map(describeTopicConfigs(broker, { 'retention.ms': '1000' }).map((e) => [e.name, e]));
    expect(entries.get('retention.ms')).toMatchObject({ value: '1000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(entries.get('segment.bytes')).toMatchObject({ value: '1048576', source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(entries.get('segment.bytes')!.synonyms.map((s) => s.name)).toEqual(['log.segment.bytes', 'log.segment.bytes']);
    expect(entries.get('cleanup.policy')).toMatchObject({ value: 'delete', source: ConfigSource.DEFAULT_CONFIG });
    expect(entries.get('flush.messages')!.value).toBe('9223372036854775807');
  });

  it('timestamp type, KIP-937 bounds and compression.type: Kafka\'s values, the deprecated difference.max.ms as fallback', () => {
    const broker = defaultConfig();
    expect(validateTopicConfigs({ 'compression.type': ' zstd ', 'message.timestamp.type': 'LogAppendTime', 'compression.gzip.level': '9' }, broker)).toEqual({
      'compression.type': 'zstd',
      'message.timestamp.type': 'LogAppendTime',
      'compression.gzip.level': '9',
    });
    expect(() => validateTopicConfigs({ 'compression.type': 'brotli' }, broker)).toThrow(/compression\.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer/);
    expect(() => validateTopicConfigs({ 'message.timestamp.type': 'NoTime' }, broker)).toThrow(/message\.timestamp\.type/);
    expect(() => validateTopicConfigs({ 'compression.gzip.level': '0' }, broker)).toThrow(/compression\.gzip\.level/);
    expect(() => validateTopicConfigs({ 'message.timestamp.before.max.ms': '-1' }, broker)).toThrow(/before\.max\.ms/);
    const defaults = resolveTopicSettings(broker, {});
    expect(defaults).toMatchObject({ messageTimestampType: 'CreateTime', compressionType: 'producer', messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER, messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER });
    expect(resolveTopicSettings(broker, { 'message.timestamp.difference.max.ms': '5000' })).toMatchObject({ messageTimestampBeforeMaxMs: 5000, messageTimestampAfterMaxMs: 5000 });
    expect(resolveTopicSettings(broker, { 'message.timestamp.difference.max.ms': '5000', 'message.timestamp.after.max.ms': '10' })).toMatchObject({ messageTimestampBeforeMaxMs: 5000, messageTimestampAfterMaxMs: 10 });
    const fromBroker = applyProperties(defaultConfig(), { 'log.message.timestamp.type': 'LogAppendTime', 'compression.type': 'gzip', 'log.message.timestamp.before.max.ms': 60000 });
    expect(resolveTopicSettings(fromBroker, {})).toMatchObject({ messageTimestampType: 'LogAppendTime', compressionType: 'gzip', messageTimestampBeforeMaxMs: 60000 });
    expect(() => applyProperties(defaultConfig(), { 'compression.type': 'brotli' })).toThrow(/compression\.type/);
  });

  it('values this broker cannot honour are refused rather than ignored', () => {
    expect(() => validateTopicConfigs({ 'preallocate': 'true' }, defaultConfig())).toThrow(/preallocate/);
    expect(validateTopicConfigs({ 'compression.type': ' producer ', 'cleanup.policy': 'compact, delete' }, defaultConfig())).toEqual({
      'compression.type': 'producer',
      'cleanup.policy': 'compact,delete',
    });
  });
});
