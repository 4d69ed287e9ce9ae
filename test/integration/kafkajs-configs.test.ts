/**
 * KafkaJS 2.2.4's admin sets and reads topic configs: createTopics with configEntries,
 * describeConfigs (with synonyms), alterConfigs (AlterConfigs v0, replace semantics), and a
 * bad value refused with INVALID_CONFIG (KafkaJS surfaces the code; the message naming the
 * key is checked over the raw protocol in test/apis/configs.test.ts). The values survive a
 * restart of the broker process. describeConfigs answers in the order the keys were named and
 * lists Kafka's full broker config set (passwords sensitive, values hidden).
 */
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('KafkaJS 2.2.4 topic configs', () => {
  const dir = makeTempDir();
  let proc: BrokerProcess;
  const admin = () => new Kafka({ clientId: 'cfg-test', brokers: [`127.0.0.1:${proc.port}`], logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
  const start = async () => {
    proc = await spawnBroker(['--port', '0', '--log-dirs', dir.path, '--override', 'advertised.listeners=PLAINTEXT://127.0.0.1:0']);
  };

  beforeAll(start);
  afterAll(async () => {
    await proc.stop();
    dir.remove();
  });

  const describeTopic = async (name: string, configNames?: string[]) => {
    const a = admin();
    await a.connect();
    try {
      const res = await a.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames }] });
      return new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e]));
    } finally {
      await a.disconnect();
    }
  };

  it('createTopics with configEntries, then describeConfigs reads them back', async () => {
    const a = admin();
    await a.connect();
    try {
      const created = await a.createTopics({
        topics: [{ topic: 'kjs-cfg', numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '120000' }] }],
      });
      expect(created).toBe(true);
    } finally {
      await a.disconnect();
    }
    const configs = await describeTopic('kjs-cfg');
    expect(configs.get('cleanup.policy')).toMatchObject({ configValue: 'compact', isDefault: false, readOnly: false });
    expect(configs.get('retention.ms')).toMatchObject({ configValue: '120000', isDefault: false });
    expect(configs.get('segment.bytes')).toMatchObject({ configValue: '1073741824', isDefault: true });
    expect(configs.get('retention.ms')!.configSynonyms.map((s) => s.configName)).toEqual(['retention.ms', 'log.retention.ms']);
  });

  it('alterConfigs replaces the overrides; a bad value is INVALID_CONFIG and changes nothing', async () => {
    const a = admin();
    await a.connect();
    try {
      await a.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-cfg', configEntries: [{ name: 'retention.ms', value: '60000' }, { name: 'segment.bytes', value: '1048576' }] }] });
      await expect(
        a.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-cfg', configEntries: [{ name: 'retention.ms', value: 'never' }] }] }),
      ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
      await expect(
        a.createTopics({ topics: [{ topic: 'kjs-bad', configEntries: [{ name: 'segment.bytes', value: '-1' }] }] }),
      ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_CONFIG', topic: 'kjs-bad' })] });
      expect(await a.listTopics()).not.toContain('kjs-bad');
    } finally {
      await a.disconnect();
    }
    const configs = await describeTopic('kjs-cfg', ['retention.ms', 'segment.bytes', 'cleanup.policy']);
    expect(configs.get('retention.ms')!.configValue).toBe('60000');
    expect(configs.get('segment.bytes')!.configValue).toBe('1048576');
    // AlterConfigs replaces the whole set: cleanup.policy, not named, is back to its default.
    expect(configs.get('cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true });
  });

  it('the overrides survive a restart of the broker process', async () => {
    expect(await proc.stop()).toBe(0);
    await start();
    const configs = await describeTopic('kjs-cfg', ['retention.ms', 'segment.bytes']);
    expect(configs.get('retention.ms')!.configValue).toBe('60000');
    expect(configs.get('segment.bytes')!.configValue).toBe('1048576');
  });

  it('describeConfigs keeps the order of the named keys and lists Kafka\'s full broker set', async () => {
    const a = admin();
    await a.connect();
    try {
      const named = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configNames: ['default.replication.factor', 'num.partitions'] }] });
      expect(named.resources[0]!.configEntries.map((e) => e.configName)).toEqual(['default.replication.factor', 'num.partitions']);
      const all = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0' }] });
      const byName = new Map(all.resources[0]!.configEntries.map((e) => [e.configName, e]));
      expect(byName.get('num.network.threads')).toMatchObject({ configValue: '3', isDefault: true, readOnly: true });
      expect(byName.get('socket.send.buffer.bytes')).toMatchObject({ configValue: '102400', isDefault: true });
      expect(byName.get('sasl.jaas.config')).toMatchObject({ configValue: null, isSensitive: true });
    } finally {
      await a.disconnect();
    }
  });
});
