/**
 * Real client libraries against SASL_SSL (docs/security.html): KafkaJS 2.2.4 with `ssl` and
 * `sasl` (scram-sha-256 and plain) creates a topic, produces and consumes in a group;
 * @platformatic/kafka with SCRAM-SHA-256 produces, consumes in a group and uses the admin API.
 * A wrong password is an authentication error for KafkaJS. The CLI (`gregor topics|groups
 * --command-config <client.properties>`) connects with SCRAM over TLS.
 */
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setScramCredential } from '../../helpers/scram-users.js';
import { credentialFromPassword } from '../../../src/security/sasl/scram-credential.js';
import { type ScramMechanism } from '../../../src/security/sasl/scram-mechanism.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certificates.js';
import { type TestBroker, startTestBroker } from '../../helpers/in-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

const MESSAGES = 500;

describe('KafkaJS and @platformatic/kafka over SASL_SSL', () => {
  const dir = makeTempDir();
  let certs: TestCertificates;
  let t: TestBroker;
  let bootstrap: string;

  beforeAll(async () => {
    certs = makeCertificates(dir.path);
    t = await startTestBroker({
      port: undefined,
      host: undefined,
      properties: {
        'gregor.websocket.port': -1,
        listeners: 'SASL_SSL://127.0.0.1:0',
        'advertised.listeners': 'SASL_SSL://127.0.0.1:0',
        'inter.broker.listener.name': 'SASL_SSL',
        'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256',
        'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_carol="carol-secret";',
        'connection.failed.authentication.delay.ms': 10,
        ...certs.listenerProperties('SASL_SSL'),
      },
    });
    for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as ScramMechanism[]) await setScramCredential(t.broker, 'alice', m, credentialFromPassword(m, 'alice-secret'));
    bootstrap = `127.0.0.1:${t.broker.listeners[0]!.port}`;
  });
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  const kafkajs = (mechanism: 'scram-sha-256' | 'plain', username: string, password: string) =>
    new Kafka({
      clientId: 'gregor-sasl-test',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 1 },
      ssl: { ca: [certs.ca.certPem] },
      sasl: { mechanism, username, password } as never,
    });

  for (const [mechanism, user, password] of [['scram-sha-256', 'alice', 'alice-secret'], ['plain', 'carol', 'carol-secret']] as const) {
    it(`KafkaJS with ${mechanism}: admin, produce, consume in a group`, async () => {
      const topic = `kafkajs-${mechanism}`;
      const kafka = kafkajs(mechanism, user, password);
      const admin = kafka.admin();
      await admin.connect();
      try {
        expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })).toBe(true);
        expect(await admin.listTopics()).toContain(topic);
      } finally {
        await admin.disconnect();
      }
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: MESSAGES }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `group-${mechanism}`, maxWaitTimeInMs: 100 });
      await consumer.connect();
      const seen = new Set<string>();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value!.toString()); } });
        await waitFor(() => seen.size === MESSAGES, 20_000, 'every record');
      } finally {
        await consumer.disconnect();
      }
      expect([...seen].sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `v${i}`).sort());
    });
  }

  it('KafkaJS with a wrong password fails with an authentication error', async () => {
    const admin = kafkajs('scram-sha-256', 'alice', 'wrong').admin();
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA256 authentication failed|Authentication failed/i);
    await admin.disconnect();
  });

  it('@platformatic/kafka with SCRAM-SHA-256: admin, produce, consume in a group', async () => {
    const topic = 'platformatic-scram';
    const options = { clientId: 'gregor-sasl-test', bootstrapBrokers: [bootstrap], tls: { ca: certs.ca.certPem }, sasl: { mechanism: 'SCRAM-SHA-256' as const, username: 'alice', password: 'alice-secret' } };
    const admin = new Admin(options);
    const producer = new Producer({ ...options, serializers: stringSerializers });
    const consumer = new Consumer({ ...options, groupId: 'platformatic-sasl', deserializers: stringDeserializers, maxWaitTime: 100 });
    try {
      await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
      expect(await admin.listTopics()).toContain(topic);
      await producer.send({ messages: Array.from({ length: MESSAGES }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })) });
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
      const seen = new Set<string>();
      stream.on('data', (m) => seen.add(m.value as string));
      await waitFor(() => seen.size === MESSAGES, 20_000, 'every record');
      await stream.close();
    } finally {
      await consumer.close(true);
      await producer.close();
      await admin.close();
    }
  });

  it('the CLI connects with --command-config (SASL_SSL, SCRAM-SHA-512); a wrong password exits 1 with the broker\'s message', async () => {
    const bin = fileURLToPath(new URL('../../../bin/gregor.js', import.meta.url));
    // The broker runs in this process: the CLI must run asynchronously.
    const gregor = (args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const config = (password: string) => {
      const path = join(dir.path, `client-${password}.properties`);
      writeFileSync(path, [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${password}";`,
        `ssl.truststore.location=${certs.ca.certPath}`,
        'ssl.truststore.type=PEM',
      ].join('\n'));
      return path;
    };
    const ok = await gregor(['topics', 'list', '-b', bootstrap, '--command-config', config('alice-secret')]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('kafkajs-plain');
    const groups = await gregor(['groups', 'list', '-b', bootstrap, '--command-config', config('alice-secret')]);
    expect(groups.status).toBe(0);
    expect(groups.stdout).toContain('platformatic-sasl');
    const bad = await gregor(['topics', 'list', '-b', bootstrap, '--command-config', config('wrong')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^gregor: SASL authentication failed .*Authentication failed/);
  });
});
