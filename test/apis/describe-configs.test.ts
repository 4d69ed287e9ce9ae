/**
 * DescribeConfigs over a raw socket (generated codecs): entries come back in the order the
 * client named the keys, unknown names left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, createDescribeConfigsRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

const CREATE_TOPICS = 19;
const DESCRIBE_CONFIGS = 32;
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
    t = await startTestBroker();
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
      ['num.partitions', '1'],
    ]);
    const topic = await describeResource(TOPIC, 'dc', ['segment.bytes', 'retention.ms', 'nope', 'cleanup.policy']);
    expect(topic.map((e) => e.name)).toEqual(['segment.bytes', 'retention.ms', 'cleanup.policy']);
  });
});
