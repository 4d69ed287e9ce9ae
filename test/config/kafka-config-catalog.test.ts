/**
 * The generated catalog of Kafka 4.0's config names, types and defaults
 * (src/config/kafka-config-catalog.ts) against well-known defaults from Kafka's documentation,
 * so that a regenerated catalog that misreads an expression is caught.
 */
import { describe, expect, it } from 'vitest';
import { kafkaBrokerConfig, kafkaBrokerConfigNames, kafkaTopicConfig, kafkaTopicConfigNames } from '../../src/config/config-catalog.js';
import { ConfigType } from '../../src/config/topic-config.js';

describe("Kafka's config catalog", () => {
  it('holds the well-known broker defaults, rendered as Kafka renders them', () => {
    const expected: Array<[string, string | null, number]> = [
      ['log.segment.bytes', '1073741824', ConfigType.INT],
      ['log.retention.hours', '168', ConfigType.INT],
      ['log.retention.ms', null, ConfigType.LONG],
      ['log.retention.bytes', '-1', ConfigType.LONG],
      ['log.retention.check.interval.ms', '300000', ConfigType.LONG],
      ['num.network.threads', '3', ConfigType.INT],
      ['num.io.threads', '8', ConfigType.INT],
      ['socket.request.max.bytes', '104857600', ConfigType.INT],
      ['socket.send.buffer.bytes', '102400', ConfigType.INT],
      ['offsets.topic.num.partitions', '50', ConfigType.INT],
      ['offsets.topic.replication.factor', '3', ConfigType.SHORT],
      ['offsets.retention.minutes', '10080', ConfigType.INT],
      ['transaction.state.log.num.partitions', '50', ConfigType.INT],
      ['transaction.max.timeout.ms', '900000', ConfigType.INT],
      ['message.max.bytes', '1048588', ConfigType.INT],
      ['replica.lag.time.max.ms', '30000', ConfigType.LONG],
      ['replica.fetch.max.bytes', '1048576', ConfigType.INT],
      ['group.initial.rebalance.delay.ms', '3000', ConfigType.INT],
      ['group.max.session.timeout.ms', '1800000', ConfigType.INT],
      ['fetch.max.bytes', '57671680', ConfigType.INT],
      ['zookeeper.session.timeout.ms', '18000', ConfigType.INT],
      ['log.cleaner.dedupe.buffer.size', '134217728', ConfigType.LONG],
      ['log.cleaner.io.max.bytes.per.second', '1.7976931348623157E308', ConfigType.DOUBLE],
      ['log.cleaner.min.cleanable.ratio', '0.5', ConfigType.DOUBLE],
      ['log.cleanup.policy', 'delete', ConfigType.LIST],
      ['log.flush.interval.messages', '9223372036854775807', ConfigType.LONG],
      ['listener.security.protocol.map', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', ConfigType.STRING],
      ['ssl.enabled.protocols', 'TLSv1.2,TLSv1.3', ConfigType.LIST],
      ['ssl.cipher.suites', '', ConfigType.LIST],
      ['sasl.enabled.mechanisms', 'GSSAPI', ConfigType.LIST],
      ['principal.builder.class', 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder', ConfigType.CLASS],
      ['ssl.keystore.password', null, ConfigType.PASSWORD],
      ['compression.type', 'producer', ConfigType.STRING],
      ['auto.create.topics.enable', 'true', ConfigType.BOOLEAN],
    ];
    for (const [name, value, type] of expected) expect(kafkaBrokerConfig(name), name).toMatchObject({ defaultValue: value, type });
    expect(kafkaBrokerConfig('ssl.keystore.password')!.sensitive).toBe(true);
    expect(kafkaBrokerConfigNames().length).toBeGreaterThan(300);
  });

  it('holds every topic config with its default and broker synonyms', () => {
    expect(kafkaTopicConfigNames()).toHaveLength(36);
    expect(kafkaTopicConfig('retention.ms')).toMatchObject({ defaultValue: '604800000', type: ConfigType.LONG, synonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'] });
    expect(kafkaTopicConfig('segment.ms')).toMatchObject({ defaultValue: '604800000', synonyms: ['log.roll.ms', 'log.roll.hours'] });
    expect(kafkaTopicConfig('max.message.bytes')).toMatchObject({ defaultValue: '1048588', synonyms: ['message.max.bytes'] });
    expect(kafkaTopicConfig('max.compaction.lag.ms')).toMatchObject({ defaultValue: '9223372036854775807' });
    expect(kafkaTopicConfig('min.cleanable.dirty.ratio')).toMatchObject({ defaultValue: '0.5', type: ConfigType.DOUBLE });
    expect(kafkaTopicConfig('local.retention.bytes')).toMatchObject({ defaultValue: '-2', synonyms: ['log.local.retention.bytes'] });
    expect(kafkaTopicConfig('remote.storage.enable')).toMatchObject({ defaultValue: 'false', synonyms: [] });
    expect(kafkaTopicConfig('leader.replication.throttled.replicas')).toMatchObject({ defaultValue: '', type: ConfigType.LIST });
  });
});
