/**
 * Topic and broker configs over a real socket (raw client on the generated codecs):
 * CreateTopics with configs, DescribeConfigs sources and synonyms, AlterConfigs (replace),
 * IncrementalAlterConfigs (SET/DELETE/APPEND/SUBTRACT), INVALID_CONFIG naming the key,
 * validate_only, dynamic broker configs, effects on the log (segment.bytes,
 * max.message.bytes, min.insync.replicas), and persistence across a broker restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSource } from '../../src/config/topic-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  createAlterConfigsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createDescribeConfigsRequest,
  createIncrementalAlterConfigsRequest,
  createProduceRequest,
} from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const PRODUCE = 0;
const CREATE_TOPICS = 19;
const DESCRIBE_CONFIGS = 32;
const ALTER_CONFIGS = 33;
const INCREMENTAL_ALTER_CONFIGS = 44;
const TOPIC = 2;
const BROKER = 4;

interface Described {
  name: string;
  value: string | null;
  configSource: number;
  readOnly: boolean;
  synonyms: Array<{ name: string; value: string | null; source: number }>;
}

describe('configs over a raw socket', () => {
  const dir = makeTempDir();
  let t: TestBroker;
  let c: RawClient;

  const start = async () => {
    t = await startTestBroker({ logDirs: dir.path, properties: { 'log.retention.hours': 24 } });
    c = await RawClient.connect(t.broker.port);
  };
  beforeAll(start);
  afterAll(async () => {
    c.close();
    await t.stop();
    dir.remove();
  });

  const create = (name: string, configs: Record<string, string>, validateOnly = false) =>
    c.request(
      CREATE_TOPICS,
      7,
      createCreateTopicsRequest({
        timeoutMs: 1000,
        validateOnly,
        topics: [createCreateTopicsRequestCreatableTopic({ name, numPartitions: 1, replicationFactor: -1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) })],
      }),
    );
  const describeTopic = async (name: string, keys: string[] | null = null, version = 4): Promise<Map<string, Described>> => {
    const res = await c.request(DESCRIBE_CONFIGS, version, createDescribeConfigsRequest({ includeSynonyms: true, resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }] }));
    expect(res.results[0].errorCode).toBe(0);
    return new Map(res.results[0].configs.map((e: Described) => [e.name, e]));
  };
  const incremental = (resourceType: number, resourceName: string, configs: Array<{ name: string; configOperation: number; value: string | null }>, validateOnly = false) =>
    c.request(INCREMENTAL_ALTER_CONFIGS, 1, createIncrementalAlterConfigsRequest({ validateOnly, resources: [{ resourceType, resourceName, configs }] }));
  const alter = (resourceType: number, resourceName: string, configs: Record<string, string>, validateOnly = false) =>
    c.request(ALTER_CONFIGS, 2, createAlterConfigsRequest({ validateOnly, resources: [{ resourceType, resourceName, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }] }));

  it('CreateTopics with configs: persisted overrides, reported as DYNAMIC_TOPIC_CONFIG with synonyms', async () => {
    const res = await create('cfg-a', { 'cleanup.policy': 'compact', 'retention.ms': '3600000', 'segment.bytes': '4096' });
    expect(res.topics[0].errorCode).toBe(0);
    const created = new Map(res.topics[0].configs.map((e: Described) => [e.name, e]));
    expect(created.get('cleanup.policy')).toMatchObject({ value: 'compact', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const d = await describeTopic('cfg-a');
    expect(d.get('retention.ms')).toMatchObject({ value: '3600000', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(d.get('retention.ms')!.synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['retention.ms', '3600000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
      ['log.retention.ms', '86400000', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.ms', '604800000', ConfigSource.DEFAULT_CONFIG],
    ]);
    expect(d.get('delete.retention.ms')).toMatchObject({ value: '86400000', configSource: ConfigSource.DEFAULT_CONFIG });
    const topic = t.broker.logs.topic('cfg-a')!;
    expect(topic.settings).toMatchObject({ cleanupPolicy: { compact: true, delete: false }, retentionMs: 3_600_000, segmentBytes: 4096 });
    expect(topic.logConfig.segmentBytes).toBe(4096);
  });

  it('refuses bad values and unknown names with INVALID_CONFIG naming the key; validate_only creates nothing', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'retention.ms': 'soon' }, /Invalid value soon for configuration retention\.ms: Not a number of type LONG/],
      [{ 'retention.ms': '-2' }, /configuration retention\.ms: Value must be at least -1/],
      [{ 'segment.bytes': '3000000000' }, /configuration segment\.bytes: Value must be no more than 2147483647/],
      [{ 'cleanup.policy': 'shred' }, /configuration cleanup\.policy: .*one of: compact, delete/],
      [{ 'min.cleanable.dirty.ratio': '1.5' }, /configuration min\.cleanable\.dirty\.ratio: Value must be in \[0.0, 1.0\]/],
      [{ 'unclean.leader.election.enable': 'maybe' }, /configuration unclean\.leader\.election\.enable/],
      [{ 'retention.msec': '1' }, /Unknown topic config name: retention\.msec/],
      [{ 'min.compaction.lag.ms': '100', 'max.compaction.lag.ms': '10' }, /min\.compaction\.lag\.ms \(100\) > max\.compaction\.lag\.ms \(10\)/],
    ];
    for (const [configs, message] of cases) {
      const res = await create('bad-cfg', configs);
      expect(res.topics[0].errorCode, JSON.stringify(configs)).toBe(ErrorCode.INVALID_CONFIG);
      expect(res.topics[0].errorMessage).toMatch(message);
    }
    expect(t.broker.logs.topic('bad-cfg')).toBeUndefined();
    const dry = await create('dry-cfg', { 'retention.ms': '1000' }, true);
    expect(dry.topics[0].errorCode).toBe(0);
    expect(t.broker.logs.topic('dry-cfg')).toBeUndefined();
  });

  it('AlterConfigs replaces the whole set of overrides; errors leave it unchanged', async () => {
    await create('cfg-b', { 'retention.ms': '1000', 'retention.bytes': '5000' });
    let res = await alter(TOPIC, 'cfg-b', { 'retention.bytes': '7000' });
    expect(res.responses[0]).toMatchObject({ errorCode: 0, resourceName: 'cfg-b' });
    expect(t.broker.logs.topic('cfg-b')!.configs).toEqual({ 'retention.bytes': '7000' });
    res = await alter(TOPIC, 'cfg-b', { 'retention.bytes': 'lots' });
    expect(res.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(res.responses[0].errorMessage).toContain('retention.bytes');
    expect(t.broker.logs.topic('cfg-b')!.configs).toEqual({ 'retention.bytes': '7000' });
    res = await alter(TOPIC, 'cfg-b', { 'retention.bytes': '1' }, true);
    expect(res.responses[0].errorCode).toBe(0);
    expect(t.broker.logs.topic('cfg-b')!.configs).toEqual({ 'retention.bytes': '7000' });
    res = await alter(TOPIC, 'no-such-topic', {});
    expect(res.responses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const dup = await c.request(
      ALTER_CONFIGS,
      0,
      createAlterConfigsRequest({ resources: [{ resourceType: TOPIC, resourceName: 'cfg-b', configs: [] }, { resourceType: TOPIC, resourceName: 'cfg-b', configs: [] }] }),
    );
    expect(dup.responses.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });

  it('IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on lists; APPEND on a non-list is INVALID_CONFIG', async () => {
    await create('cfg-c', { 'retention.ms': '1000' });
    let res = await incremental(TOPIC, 'cfg-c', [
      { name: 'segment.ms', configOperation: 0, value: '60000' },
      { name: 'retention.ms', configOperation: 1, value: null },
      { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
    ]);
    expect(res.responses[0].errorCode).toBe(0);
    expect(t.broker.logs.topic('cfg-c')!.configs).toEqual({ 'segment.ms': '60000', 'cleanup.policy': 'delete,compact' });
    res = await incremental(TOPIC, 'cfg-c', [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }]);
    expect(res.responses[0].errorCode).toBe(0);
    expect((await describeTopic('cfg-c', ['cleanup.policy'])).get('cleanup.policy')!.value).toBe('compact');
    res = await incremental(TOPIC, 'cfg-c', [{ name: 'retention.ms', configOperation: 2, value: '5' }]);
    expect(res.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(res.responses[0].errorMessage).toContain('Config value append is not allowed for config key: retention.ms');
    res = await incremental(TOPIC, 'cfg-c', [{ name: 'retention.ms', configOperation: 7, value: '5' }]);
    expect(res.responses[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
    res = await incremental(TOPIC, 'cfg-c', [{ name: 'max.message.bytes', configOperation: 0, value: '-5' }]);
    expect(res.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(res.responses[0].errorMessage).toContain('max.message.bytes');
  });

  it('a topic config takes effect on the log at once: max.message.bytes, segment.bytes, min.insync.replicas', async () => {
    await create('cfg-effect', {});
    const log = t.broker.logs.partition('cfg-effect', 0)!;
    const batch = (size: number) => t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.alloc(size, 7), timestamp: Date.now() }]);
    const produce = async (size: number, acks = 1) => {
      const res = await c.request(PRODUCE, 9, createProduceRequest({ acks, timeoutMs: 1000, topicData: [{ name: 'cfg-effect', partitionData: [{ index: 0, records: batch(size) }] }] }));
      return res.responses[0].partitionResponses[0].errorCode as number;
    };
    expect(await produce(2000)).toBe(0);
    expect((await incremental(TOPIC, 'cfg-effect', [{ name: 'max.message.bytes', configOperation: 0, value: '1000' }])).responses[0].errorCode).toBe(0);
    expect(await produce(2000)).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(await produce(500)).toBe(0);
    expect((await incremental(TOPIC, 'cfg-effect', [{ name: 'segment.bytes', configOperation: 0, value: '1100' }])).responses[0].errorCode).toBe(0);
    const before = log.segmentCount;
    for (let i = 0; i < 4; i++) expect(await produce(500)).toBe(0);
    expect(log.segmentCount).toBeGreaterThanOrEqual(before + 2);
    expect((await incremental(TOPIC, 'cfg-effect', [{ name: 'min.insync.replicas', configOperation: 0, value: '2' }])).responses[0].errorCode).toBe(0);
    expect(await produce(10, -1)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(await produce(10, 1)).toBe(0);
  });

  it('dynamic broker configs: cluster default and per-broker levels, sources, refused static keys', async () => {
    let res = await incremental(BROKER, '', [{ name: 'log.retention.ms', configOperation: 0, value: '7200000' }]);
    expect(res.responses[0].errorCode).toBe(0);
    let d = await describeTopic('cfg-b', ['retention.ms']);
    expect(d.get('retention.ms')).toMatchObject({ value: '7200000', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(t.broker.logs.topic('cfg-b')!.settings.retentionMs).toBe(7_200_000);
    res = await incremental(BROKER, '0', [{ name: 'log.retention.ms', configOperation: 0, value: '10800000' }]);
    expect(res.responses[0].errorCode).toBe(0);
    d = await describeTopic('cfg-b', ['retention.ms']);
    expect(d.get('retention.ms')).toMatchObject({ value: '10800000', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    const brokerDescribed = await c.request(DESCRIBE_CONFIGS, 4, createDescribeConfigsRequest({ resources: [{ resourceType: BROKER, resourceName: '0', configurationKeys: ['log.retention.ms', 'log.dirs'] }] }));
    const byName = new Map(brokerDescribed.results[0].configs.map((e: Described) => [e.name, e]));
    expect(byName.get('log.retention.ms')).toMatchObject({ value: '10800000', readOnly: false, configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    expect(byName.get('log.dirs')).toMatchObject({ readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG });
    const cluster = await c.request(DESCRIBE_CONFIGS, 4, createDescribeConfigsRequest({ resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }] }));
    expect(cluster.results[0].configs.map((e: Described) => [e.name, e.value])).toEqual([['log.retention.ms', '7200000']]);

    res = await incremental(BROKER, '0', [{ name: 'log.dirs', configOperation: 0, value: '/elsewhere' }]);
    expect(res.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(res.responses[0].errorMessage).toContain('Cannot update these configs dynamically: log.dirs');
    res = await incremental(BROKER, '0', [{ name: 'log.retention.bytes', configOperation: 0, value: 'big' }]);
    expect(res.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(res.responses[0].errorMessage).toContain('log.retention.bytes');
    res = await incremental(BROKER, '7', [{ name: 'log.retention.ms', configOperation: 0, value: '1' }]);
    expect(res.responses[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('topic overrides and dynamic broker configs survive a restart', async () => {
    c.close();
    await t.broker.stop();
    await start();
    expect(t.broker.logs.topic('cfg-a')!.configs).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '3600000', 'segment.bytes': '4096' });
    expect(t.broker.logs.topic('cfg-c')!.configs).toEqual({ 'segment.ms': '60000', 'cleanup.policy': 'compact' });
    expect(t.broker.config.logRetentionMs).toBe(10_800_000);
    const d = await describeTopic('cfg-b', ['retention.ms', 'retention.bytes']);
    expect(d.get('retention.ms')).toMatchObject({ value: '10800000', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    expect(d.get('retention.bytes')).toMatchObject({ value: '7000', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    // Removing the per-broker value falls back to the cluster default.
    const res = await alter(BROKER, '0', {});
    expect(res.responses[0].errorCode).toBe(0);
    expect(t.broker.config.logRetentionMs).toBe(7_200_000);
  });

  it('__consumer_offsets is created compacted', () => {
    const topic = t.broker.logs.topic('__consumer_offsets') ?? t.broker.logs.createTopic('__consumer_offsets', 1);
    expect(topic.settings.cleanupPolicy).toEqual({ compact: true, delete: false });
  });
});
