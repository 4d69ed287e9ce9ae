/**
 * Topic configs in a cluster (real ZooKeeper, two in-process brokers) reach every broker:
 * AlterConfigs or IncrementalAlterConfigs on any broker rewrites /config/topics/<t> and adds
 * a change notification, and every broker holding the topic applies it to its logs within
 * seconds; a broker without a replica still describes the topic's configs; a change written
 * straight into ZooKeeper the way kafka-configs.sh --zookeeper does is applied too. Dynamic
 * broker configs likewise: the cluster default (/config/brokers/<default>) set through one
 * broker reaches every broker; a per-broker config stays with its broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/cluster/zk-client.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;

describe('topic configs through ZooKeeper', () => {
  let zkServer: ZooKeeperServer;
  const brokers: TestBroker[] = [];
  const request = (index: number, apiKey: number, version: number, body: unknown) => RawClient.requestOnce(brokers[index]!.broker.port, apiKey, version, body);
  /** A topic config as broker `index` describes it (DescribeConfigs v4). */
  const described = async (index: number, topic: string, name: string) => {
    const res = await request(index, 32, 4, { resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configurationKeys: [name] }], includeSynonyms: false, includeDocumentation: false });
    const r = res.results[0];
    return { errorCode: r.errorCode as number, value: (r.configs as Array<{ name: string; value: string | null }>).find((c) => c.name === name)?.value };
  };
  /** The retention a broker applies to its local logs of `topic` (undefined: no local replica). */
  const applied = (index: number, topic: string) => brokers[index]!.broker.logs.topic(topic)?.settings.retentionMs;

  beforeAll(async () => {
    zkServer = await startZooKeeper();
    for (const id of [1, 2]) {
      brokers.push(await startTestBroker({ websocketPort: -1, properties: { 'node.id': id, 'zookeeper.connect': zkServer.connectString, 'offsets.topic.replication.factor': 1 } }));
    }
    const create = (name: string, assignment: number[][]) =>
      brokers[0]!.broker.topicAdmin.createTopic({ name, numPartitions: -1, replicationFactor: -1, assignment, configs: {} }, false, 10_000);
    await create('both', [[1, 2]]);
    await create('only-on-1', [[1]]);
    await waitFor(() => applied(0, 'both') !== undefined && applied(1, 'both') !== undefined, 10_000, 'both replicas of "both"');
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers) await b.stop();
    await zkServer?.stop();
  });

  it('AlterConfigs on one broker applies on every broker holding the topic', async () => {
    const res = await request(1, 33, 2, { resources: [{ resourceType: TOPIC_RESOURCE, resourceName: 'both', configs: [{ name: 'retention.ms', value: '4242000' }] }], validateOnly: false });
    expect(res.responses[0].errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => applied(0, 'both') === 4_242_000 && applied(1, 'both') === 4_242_000, 10_000, 'retention.ms applied on both brokers');
    for (const index of [0, 1]) expect(await described(index, 'both', 'retention.ms')).toEqual({ errorCode: ErrorCode.NONE, value: '4242000' });
  });

  it('IncrementalAlterConfigs through a broker without a replica reaches the one that has it', async () => {
    expect(applied(1, 'only-on-1')).toBeUndefined();
    const res = await request(1, 44, 1, {
      resources: [{ resourceType: TOPIC_RESOURCE, resourceName: 'only-on-1', configs: [{ name: 'retention.ms', configOperation: 0, value: '777000' }] }],
      validateOnly: false,
    });
    expect(res.responses[0].errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => applied(0, 'only-on-1') === 777_000, 10_000, 'retention.ms applied on broker 1');
    expect(await described(1, 'only-on-1', 'retention.ms')).toEqual({ errorCode: ErrorCode.NONE, value: '777000' });
    expect((await described(1, 'no-such-topic', 'retention.ms')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('validate_only and a bad value change nothing anywhere', async () => {
    const validate = await request(0, 33, 2, { resources: [{ resourceType: TOPIC_RESOURCE, resourceName: 'both', configs: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: true });
    expect(validate.responses[0].errorCode).toBe(ErrorCode.NONE);
    const bad = await request(0, 33, 2, { resources: [{ resourceType: TOPIC_RESOURCE, resourceName: 'both', configs: [{ name: 'retention.ms', value: 'soon' }] }], validateOnly: false });
    expect(bad.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    await new Promise((r) => setTimeout(r, 500));
    expect([applied(0, 'both'), applied(1, 'both')]).toEqual([4_242_000, 4_242_000]);
  });

  it('a change written to ZooKeeper as Kafka tools write it is applied by every broker', async () => {
    const zk = await ZkClient.connect(zkServer.connectString, 4000, 10_000);
    try {
      await zk.setData('/config/topics/both', Buffer.from(JSON.stringify({ version: 1, config: { 'retention.ms': '9000000' } })), -1);
      await zk.createSequential('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'topics/both' })));
    } finally {
      zk.close();
    }
    await waitFor(() => applied(0, 'both') === 9_000_000 && applied(1, 'both') === 9_000_000, 10_000, 'the ZooKeeper change applied on both brokers');
  });

  it('a cluster-default broker config reaches every broker; a per-broker one only its broker', async () => {
    const alterBroker = (index: number, resourceName: string, name: string, value: string) =>
      request(index, 44, 1, { resources: [{ resourceType: BROKER_RESOURCE, resourceName, configs: [{ name, configOperation: 0, value }] }], validateOnly: false });
    expect((await alterBroker(1, '', 'log.retention.bytes', '123456789')).responses[0].errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => brokers.every((b) => b.broker.config.logRetentionBytes === 123_456_789), 10_000, 'the cluster default on both brokers');
    // A topic without its own override follows the broker default.
    expect(brokers[0]!.broker.logs.topic('only-on-1')!.settings.retentionBytes).toBe(123_456_789);

    expect((await alterBroker(0, '1', 'log.retention.bytes', '555555')).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(brokers[0]!.broker.config.logRetentionBytes).toBe(555_555);
    await new Promise((r) => setTimeout(r, 500));
    expect(brokers[1]!.broker.config.logRetentionBytes).toBe(123_456_789);
    // Another broker's own configs are altered through that broker, as in Kafka.
    expect((await alterBroker(0, '2', 'log.retention.bytes', '1')).responses[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);

    const zk = await ZkClient.connect(zkServer.connectString, 4000, 10_000);
    try {
      const stored = (path: string) => zk.getData(path).then((n) => JSON.parse(n!.data.toString('utf8')).config);
      expect(await stored('/config/brokers/<default>')).toEqual({ 'log.retention.bytes': '123456789' });
      expect(await stored('/config/brokers/1')).toEqual({ 'log.retention.bytes': '555555' });
    } finally {
      zk.close();
    }
  });
});
