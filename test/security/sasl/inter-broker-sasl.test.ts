/**
 * Brokers replicate over SASL_SSL (docs/security.html, inter-broker security): two in-process
 * brokers on a real ZooKeeper, whose only listener is SASL_SSL, authenticate to each other with
 * SCRAM-SHA-512 (`sasl.mechanism.inter.broker.protocol` + the listener's ScramLoginModule
 * username/password). A KafkaJS producer with acks=-1 on a topic with replication factor 2
 * and min.insync.replicas=2 succeeds only if the follower fetches over that listener.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFromPassword } from '../../../src/security/sasl/scram-credential.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certificates.js';
import { type TestBroker, startTestBroker } from '../../helpers/in-process.js';
import { setScramCredential } from '../../helpers/scram-users.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { type ZooKeeperServer, startZooKeeper } from '../../helpers/zookeeper.js';

describe('inter-broker SASL_SSL with SCRAM-SHA-512', () => {
  const dir = makeTempDir();
  let certs: TestCertificates;
  let zk: ZooKeeperServer;
  const brokers: TestBroker[] = [];

  beforeAll(async () => {
    certs = makeCertificates(dir.path);
    zk = await startZooKeeper();
    for (const id of [1, 2]) {
      const t = await startTestBroker({
        port: undefined,
        host: undefined,
        properties: {
          'node.id': id,
          'zookeeper.connect': zk.connectString,
          listeners: 'SASL_SSL://127.0.0.1:0',
          'advertised.listeners': 'SASL_SSL://127.0.0.1:0',
          'inter.broker.listener.name': 'SASL_SSL',
          'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
          'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
          'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";',
          'replica.fetch.wait.max.ms': 200,
          'gregor.websocket.port': -1,
          ...certs.listenerProperties('SASL_SSL'),
        },
      });
      await setScramCredential(t.broker, 'broker', 'SCRAM-SHA-512', credentialFromPassword('SCRAM-SHA-512', 'broker-secret'));
      await setScramCredential(t.broker, 'alice', 'SCRAM-SHA-512', credentialFromPassword('SCRAM-SHA-512', 'alice-secret'));
      brokers.push(t);
    }
  }, 60_000);
  afterAll(async () => {
    for (const t of brokers.reverse()) await t.stop();
    await zk?.stop();
    dir.remove();
  });

  it('a replicated topic takes acks=-1 writes with min.insync.replicas=2', async () => {
    const kafka = new Kafka({
      clientId: 'inter-broker-test',
      brokers: brokers.map((t) => `127.0.0.1:${t.broker.listeners[0]!.port}`),
      logLevel: logLevel.NOTHING,
      ssl: { ca: [certs.ca.certPem] },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'replicated', numPartitions: 2, replicationFactor: 2, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer();
    await producer.connect();
    try {
      const acks = await producer.send({ topic: 'replicated', acks: -1, timeout: 10_000, messages: Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    } finally {
      await producer.disconnect();
    }
  }, 60_000);
});
