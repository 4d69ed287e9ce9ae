/**
 * The audit's settings (issue 15): `gregor.audit.*` broker properties and the `audit.enable`
 * topic config, declared, validated and listed by DescribeConfigs like the others; a topic with
 * `audit.enable=false` is not counted. In-process broker, real sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, applyProperties, defaultConfig } from '../../src/config/broker-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, createDescribeConfigsRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

const CREATE_TOPICS = 19;
const DESCRIBE_CONFIGS = 32;
const TOPIC = 2;
const BROKER = 4;

describe('audit settings', () => {
  let t: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'gregor.audit.enable': 'true', 'gregor.audit.bucket.ms': '60000', 'gregor.audit.report.interval.ms': '100000' } });
    c = await RawClient.connect(t.broker.port);
  });
  afterAll(async () => {
    c?.close();
    await t?.stop();
  });

  const create = (name: string, configs: Record<string, string>) =>
    c.request(CREATE_TOPICS, 4, createCreateTopicsRequest({ timeoutMs: 5000, topics: [createCreateTopicsRequestCreatableTopic({ name, numPartitions: 1, replicationFactor: -1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) })] }));

  it('validates the broker properties', () => {
    expect(applyProperties(defaultConfig(), {}).auditEnable).toBe(false);
    expect(applyProperties(defaultConfig(), {}).auditBucketMs).toBe(600_000);
    expect(() => applyProperties(defaultConfig(), { 'gregor.audit.enable': 'maybe' })).toThrow(ConfigError);
    expect(() => applyProperties(defaultConfig(), { 'gregor.audit.bucket.ms': '5' })).toThrow(/gregor.audit.bucket.ms/);
  });

  it('DescribeConfigs lists gregor.audit.* on the broker and audit.enable on topics; bad values are INVALID_CONFIG', async () => {
    const broker = await c.request(DESCRIBE_CONFIGS, 4, createDescribeConfigsRequest({ resources: [{ resourceType: BROKER, resourceName: String(t.broker.config.nodeId), configurationKeys: null }] }));
    const brokerValues = new Map(broker.results[0].configs.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(brokerValues.get('gregor.audit.enable')).toBe('true');
    expect(brokerValues.get('gregor.audit.bucket.ms')).toBe('60000');
    expect(brokerValues.get('gregor.audit.report.interval.ms')).toBe('100000');
    expect(brokerValues.get('gregor.audit.grace.ms')).toBe('600000');

    expect((await create('quiet', { 'audit.enable': 'false' })).topics[0].errorCode).toBe(0);
    expect((await create('loud', {})).topics[0].errorCode).toBe(0);
    const bad = (await create('bad', { 'audit.enable': 'sometimes' })).topics[0];
    expect(bad.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(bad.errorMessage).toMatch(/audit.enable/);
    const topic = await c.request(DESCRIBE_CONFIGS, 4, createDescribeConfigsRequest({ resources: [{ resourceType: TOPIC, resourceName: 'quiet', configurationKeys: ['audit.enable'] }] }));
    expect(topic.results[0].configs.map((e: { name: string; value: string }) => [e.name, e.value])).toEqual([['audit.enable', 'false']]);
  });

  it('a topic with audit.enable=false is not counted; the others are', async () => {
    const records = t.broker.engine.encodeRecordBatch([{ key: null, value: new Uint8Array(4) }, { key: null, value: new Uint8Array(4) }]);
    for (const name of ['quiet', 'loud']) {
      const res = await c.request(0, 9, createProduceRequest({ acks: 1, timeoutMs: 5000, topicData: [{ name, partitionData: [{ index: 0, records }] }] }));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    const rows = await t.broker.audit!.report();
    expect(rows.filter((r) => r.topic === 'quiet')).toEqual([]);
    expect(rows.filter((r) => r.topic === 'loud').reduce((n, r) => n + (r.broker?.records ?? 0), 0)).toBe(2);
  });
});
