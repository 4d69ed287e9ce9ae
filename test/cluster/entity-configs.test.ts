/**
 * Entity configs in a cluster (real ZooKeeper, two in-process brokers): a SCRAM user and a
 * client quota altered through one broker are stored as classic Kafka stores them
 * (/config/users/<user>, /config/clients/<id>, /config/changes/config_change_<seq>) and
 * reach the other broker through the change notification within seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/cluster/zk-client.js';
import { saltedPassword } from '../../src/security/sasl/scram-credential.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

describe('entity configs through ZooKeeper', () => {
  let zkServer: ZooKeeperServer;
  const brokers: TestBroker[] = [];
  beforeAll(async () => {
    zkServer = await startZooKeeper();
    for (const id of [1, 2]) {
      brokers.push(await startTestBroker({ properties: { 'node.id': id, 'zookeeper.connect': zkServer.connectString, 'offsets.topic.replication.factor': 1 } }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers) await b.stop();
    await zkServer?.stop();
  });

  it('alters on broker 1, applies on broker 2 within seconds, in Kafka znode form', async () => {
    const [one, two] = brokers as [TestBroker, TestBroker];
    const c = await RawClient.connect(one.broker.port);
    const salt = Buffer.alloc(16, 3);
    const scram = await c.request(51, 0, {
      deletions: [],
      upsertions: [{ name: 'alice', mechanism: 2, iterations: 4096, salt, saltedPassword: saltedPassword('SCRAM-SHA-512', 'pw', salt, 4096) }],
    });
    expect(scram.results).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    const quota = await c.request(49, 1, {
      validateOnly: false,
      entries: [{ entity: [{ entityType: 'client-id', entityName: 'app' }], ops: [{ key: 'producer_byte_rate', value: 1048576, remove: false }] }],
    });
    expect(quota.entries[0].errorCode).toBe(0);
    c.close();

    await waitFor(() => two.broker.scramCredentials.scramCredential('alice', 'SCRAM-SHA-512') !== null, 10_000, 'the credential on broker 2');
    expect(two.broker.scramCredentials.scramCredential('alice', 'SCRAM-SHA-512')!.salt.equals(salt)).toBe(true);
    await waitFor(() => two.broker.clientQuotas?.quotaFor('bob', 'app', 'producer_byte_rate')?.bound === 1048576, 10_000, 'the quota on broker 2');

    const zk = await ZkClient.connect(zkServer.connectString, 4000, 10_000);
    try {
      const user = JSON.parse((await zk.getData('/config/users/alice'))!.data.toString());
      expect(user.version).toBe(1);
      expect(user.config['SCRAM-SHA-512']).toMatch(/^salt=AwMDAwMDAwMDAwMDAwMDAw==,stored_key=.+,server_key=.+,iterations=4096$/);
      expect(JSON.parse((await zk.getData('/config/clients/app'))!.data.toString())).toEqual({ version: 1, config: { producer_byte_rate: '1048576' } });
      const changes = (await zk.getChildren('/config/changes')).sort();
      expect(changes.length).toBeGreaterThanOrEqual(2);
      expect(changes[0]).toMatch(/^config_change_\d{10}$/);
      const bodies = await Promise.all(changes.map(async (ch) => JSON.parse((await zk.getData(`/config/changes/${ch}`))!.data.toString())));
      expect(bodies).toEqual(expect.arrayContaining([{ version: 2, entity_path: 'users/alice' }, { version: 2, entity_path: 'clients/app' }]));

      // A change written straight into ZooKeeper (as another broker or Kafka's tools would) applies too.
      await zk.setData('/config/clients/app', Buffer.from(JSON.stringify({ version: 1, config: { producer_byte_rate: '2048' } })), -1);
      await zk.createSequential('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'clients/app' })));
      for (const b of brokers) await waitFor(() => b.broker.clientQuotas?.quotaFor('x', 'app', 'producer_byte_rate')?.bound === 2048, 10_000, 'the direct change');
    } finally {
      zk.close();
    }
  }, 40_000);
});
