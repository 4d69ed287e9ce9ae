/**
 * DescribeConfigs over a raw socket (generated codecs): entries come back in the order the
 * client named the keys, unknown names left out; a broker and a topic list Kafka's complete set
 * of config names with Kafka's defaults, types and sources where Gregor does not have the config,
 * passwords hidden (is_sensitive); topic configs of features Gregor lacks (tiered storage, old
 * message formats) are accepted only at Kafka's default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSource, ConfigType } from '../../src/config/topic-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, createDescribeConfigsRequest, createIncrementalAlterConfigsRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

const CREATE_TOPICS = 19;
const DESCRIBE_CONFIGS = 32;
const INCREMENTAL_ALTER_CONFIGS = 44;
const TOPIC = 2;
const BROKER = 4;

interface Described {
  name: string;
  value: string | null;
  configSource: number;
  readOnly: boolean;
  isSensitive: boolean;
  configType: number;
  synonyms: Array<{ name: string; value: string | null; source: number }>;
}

describe('DescribeConfigs', () => {
  let t: TestBroker;
  let c: RawClient;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'num.partitions': 3, 'log.retention.hours': 24, 'ssl.key.password': 'very-secret' } });
    c = await RawClient.connect(t.broker.port);
    const res = await c.request(CREATE_TOPICS, 7, createCreateTopicsRequest({ timeoutMs: 1000, validateOnly: false, topics: [createCreateTopicsRequestCreatableTopic({ name: 'dc', numPartitions: 1, replicationFactor: -1 })] }));
    expect(res.topics[0].errorCode).toBe(0);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });

  const describeResource = async (resourceType: number, resourceName: string, keys: string[] | null, includeSynonyms = false): Promise<Described[]> => {
    const res = await c.request(DESCRIBE_CONFIGS, 4, createDescribeConfigsRequest({ includeSynonyms, resources: [{ resourceType, resourceName, configurationKeys: keys }] }));
    expect(res.results[0]).toMatchObject({ errorCode: 0 });
    return res.results[0].configs;
  };

  it('keeps the order in which the client named the keys; names the resource lacks are left out', async () => {
    const broker = await describeResource(BROKER, '0', ['default.replication.factor', 'no.such.config', 'num.partitions', 'default.replication.factor']);
    expect(broker.map((e) => [e.name, e.value])).toEqual([
      ['default.replication.factor', '1'],
      ['num.partitions', '3'],
    ]);
    const topic = await describeResource(TOPIC, 'dc', ['segment.bytes', 'retention.ms', 'nope', 'cleanup.policy']);
    expect(topic.map((e) => e.name)).toEqual(['segment.bytes', 'retention.ms', 'cleanup.policy']);
  });

  it('a broker lists Kafka\'s full set: Gregor\'s values where it has the config, else Kafka\'s default, read-only; passwords hidden', async () => {
    const entries = await describeResource(BROKER, '0', null, true);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(entries.length).toBeGreaterThan(320);
    expect(entries.map((e) => e.name)).toEqual([...entries.map((e) => e.name)].sort());
    // Configs Gregor does not act on: Kafka's default, DEFAULT_CONFIG, read-only, Kafka's type.
    expect(byName.get('num.network.threads')).toMatchObject({ value: '3', configSource: ConfigSource.DEFAULT_CONFIG, readOnly: true, configType: ConfigType.INT });
    expect(byName.get('log.cleaner.threads')).toMatchObject({ value: '1', configSource: ConfigSource.DEFAULT_CONFIG, readOnly: true });
    expect(byName.get('log.cleaner.io.max.bytes.per.second')).toMatchObject({ value: '1.7976931348623157E308', configType: ConfigType.DOUBLE });
    expect(byName.get('metric.reporters')).toMatchObject({ value: 'org.apache.kafka.common.metrics.JmxReporter', configType: ConfigType.LIST });
    expect(byName.get('log.flush.scheduler.interval.ms')).toMatchObject({ value: '9223372036854775807', configType: ConfigType.LONG });
    expect(byName.get('ssl.keystore.password')).toMatchObject({ value: null, isSensitive: true, configType: ConfigType.PASSWORD, configSource: ConfigSource.DEFAULT_CONFIG });
    // Configs Gregor has: its own value and source.
    expect(byName.get('num.partitions')).toMatchObject({ value: '3', configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: true });
    expect(byName.get('log.retention.hours')).toMatchObject({ value: '24', configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: false });
    expect(byName.get('replica.lag.time.max.ms')).toMatchObject({ value: '30000', configSource: ConfigSource.DEFAULT_CONFIG, configType: ConfigType.LONG });
    expect(byName.get('offsets.topic.num.partitions')).toMatchObject({ value: '50', configSource: ConfigSource.DEFAULT_CONFIG });
    expect(byName.get('gregor.engine')).toMatchObject({ configSource: ConfigSource.DEFAULT_CONFIG });
    // A password Gregor has: set, but never shown.
    const secret = byName.get('ssl.key.password')!;
    expect(secret).toMatchObject({ value: null, isSensitive: true, configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(secret.synonyms.every((s) => s.value === null)).toBe(true);
    expect(entries.filter((e) => e.isSensitive).every((e) => e.value === null)).toBe(true);
  });

  it('altering a broker config Gregor does not act on is refused as a read-only one', async () => {
    const alter = async (name: string) => {
      const res = await c.request(INCREMENTAL_ALTER_CONFIGS, 1, createIncrementalAlterConfigsRequest({ validateOnly: true, resources: [{ resourceType: BROKER, resourceName: '0', configs: [{ name, configOperation: 0, value: '4' }] }] }));
      return res.responses[0];
    };
    const readOnly = await alter('num.network.threads');
    expect(readOnly.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(readOnly.errorMessage).toContain('Cannot update these configs dynamically: num.network.threads');
    expect((await alter('no.such.broker.config')).errorMessage).toContain('Unknown broker config name: no.such.broker.config');
  });

  it('a topic lists every Kafka topic config, with Kafka\'s defaults for the ones Gregor lacks', async () => {
    const entries = await describeResource(TOPIC, 'dc', null, true);
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const name of ['remote.storage.enable', 'local.retention.ms', 'local.retention.bytes', 'remote.log.copy.disable', 'remote.log.delete.on.disable', 'message.downconversion.enable', 'message.format.version', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms', 'compression.gzip.level', 'compression.zstd.level']) {
      expect(byName.get(name), name).toMatchObject({ configSource: ConfigSource.DEFAULT_CONFIG, readOnly: false });
    }
    expect(entries.length).toBeGreaterThanOrEqual(36);
    expect(byName.get('remote.storage.enable')).toMatchObject({ value: 'false', configType: ConfigType.BOOLEAN });
    expect(byName.get('local.retention.ms')).toMatchObject({ value: '-2', configType: ConfigType.LONG });
    expect(byName.get('local.retention.ms')!.synonyms).toEqual([{ name: 'log.local.retention.ms', value: '-2', source: ConfigSource.DEFAULT_CONFIG }]);
    expect(byName.get('message.timestamp.after.max.ms')).toMatchObject({ value: '9223372036854775807' });
    expect(byName.get('compression.zstd.level')).toMatchObject({ value: '3', configType: ConfigType.INT });
    expect(byName.get('retention.ms')).toMatchObject({ value: '86400000', configSource: ConfigSource.STATIC_BROKER_CONFIG });
  });

  it('tiered-storage and old-format topic configs are accepted only at Kafka\'s default', async () => {
    const create = async (name: string, configs: Record<string, string>) => {
      const res = await c.request(
        CREATE_TOPICS,
        7,
        createCreateTopicsRequest({ timeoutMs: 1000, validateOnly: true, topics: [createCreateTopicsRequestCreatableTopic({ name, numPartitions: 1, replicationFactor: -1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) })] }),
      );
      return res.topics[0];
    };
    expect(await create('ok', { 'remote.storage.enable': 'false', 'local.retention.ms': '-2', 'local.retention.bytes': '-2', 'remote.log.copy.disable': 'false', 'remote.log.delete.on.disable': 'false', 'message.format.version': '3.0-IV1', 'message.downconversion.enable': 'true' })).toMatchObject({ errorCode: 0 });
    const refused: Array<[Record<string, string>, RegExp]> = [
      [{ 'remote.storage.enable': 'true' }, /Invalid value true for configuration remote\.storage\.enable: Tiered Storage functionality is disabled in the broker/],
      [{ 'local.retention.ms': '60000' }, /configuration local\.retention\.ms: tiered storage is not supported/],
      [{ 'local.retention.bytes': 'lots' }, /configuration local\.retention\.bytes: Not a number of type LONG/],
      [{ 'remote.log.copy.disable': 'true' }, /configuration remote\.log\.copy\.disable: tiered storage is not supported/],
      [{ 'remote.log.delete.on.disable': 'true' }, /configuration remote\.log\.delete\.on\.disable/],
      [{ 'message.format.version': '2.8' }, /configuration message\.format\.version: batches are always written in message format v2/],
      [{ 'message.downconversion.enable': 'false' }, /configuration message\.downconversion\.enable: only true/],
    ];
    for (const [configs, message] of refused) {
      const topic = await create('bad', configs);
      expect(topic.errorCode, JSON.stringify(configs)).toBe(ErrorCode.INVALID_CONFIG);
      expect(topic.errorMessage).toMatch(message);
    }
  });

  it('a topic config Kafka defines and Gregor does not implement is accepted at Kafka\'s default only', async () => {
    // compression.lz4.level: the leader does not recompress with a chosen lz4 level (yet).
    const create = (name: string, value: string) =>
      c.request(CREATE_TOPICS, 7, createCreateTopicsRequest({ timeoutMs: 1000, validateOnly: false, topics: [createCreateTopicsRequestCreatableTopic({ name, numPartitions: 1, replicationFactor: -1, configs: [{ name: 'compression.lz4.level', value }] })] }));
    const refused = (await create('lz4-bad', '5')).topics[0];
    expect(refused).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(refused.errorMessage).toContain("Invalid value 5 for configuration compression.lz4.level: not supported by this broker; only Kafka's default (9) is accepted");
    expect((await create('lz4-ok', '9')).topics[0]).toMatchObject({ errorCode: 0 });
    const [entry] = await describeResource(TOPIC, 'lz4-ok', ['compression.lz4.level'], true);
    expect(entry).toMatchObject({ name: 'compression.lz4.level', value: '9', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, configType: ConfigType.INT });
  });
});
