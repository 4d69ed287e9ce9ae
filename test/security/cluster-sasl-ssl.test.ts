/**
 * A three-broker cluster on a real ZooKeeper whose brokers talk to each other only over
 * SASL_SSL (inter.broker.listener.name=INTERNAL, PLAIN with the broker's own JAAS
 * credentials), and whose clients come in on a second SASL_SSL listener with SCRAM users
 * kept in ZooKeeper (/config/users). kcat as a SCRAM-SHA-512 user produces with acks=all to
 * a topic with replication factor 3 and min.insync.replicas=3, so every acknowledged batch
 * was replicated over SASL_SSL; the records read back byte for byte from each broker.
 * ACLs (AclAuthorizer, brokers and the admin as super users) are created through one broker,
 * kept in ZooKeeper (/kafka-acl, /kafka-acl-extended, change notifications) and enforced by
 * every broker within seconds, also by one restarted afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { gregor } from '../helpers/gregor-cli.js';
import { CONSUME_FORMAT, KCAT_PRODUCE_DELIMITERS, checkConsumedExactly, kcat, kcatInput, makeKcatRecords, parseConsumed } from '../helpers/kcat.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

interface Node {
  id: number;
  dir: { path: string; remove: () => void };
  proc: BrokerProcess | null;
}

describe('a three-broker cluster replicating over SASL_SSL', () => {
  const work = makeTempDir('gregor-sasl-cluster-');
  let zk: ZooKeeperServer;
  let certs: TestCertificates;
  let adminConfig: string;
  const nodes: Node[] = [1, 2, 3].map((id) => ({ id, dir: makeTempDir(`gregor-sasl-node${id}-`), proc: null }));

  const brokerArgs = (n: Node, extra: Record<string, string> = {}) => {
    const props: Record<string, string> = {
      'node.id': String(n.id),
      'zookeeper.connect': zk.connectString,
      'zookeeper.session.timeout.ms': '4000',
      listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL',
      'inter.broker.listener.name': 'INTERNAL',
      'ssl.keystore.location': certs.server.keystorePath,
      'ssl.truststore.location': certs.ca.certPath,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config': `${PLAIN_MODULE} required username="broker" password="broker-secret" user_broker="broker-secret";`,
      'listener.name.external.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_admin="admin-secret";`,
      'replica.lag.time.max.ms': '5000',
      'replica.fetch.wait.max.ms': '200',
      'offsets.topic.num.partitions': '3',
      'group.initial.rebalance.delay.ms': '0',
      'gregor.websocket.port': '-1',
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:broker;User:admin',
      ...extra,
    };
    return ['--port', '0', '--log-dirs', n.dir.path, ...Object.entries(props).flatMap(([k, v]) => ['-o', `${k}=${v}`])];
  };
  const external = (n: Node) => `127.0.0.1:${n.proc!.ports[1]}`;
  const scram = (user: string, password: string) => [
    '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-512',
    '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`, '-X', `ssl.ca.location=${certs.ca.certPath}`,
  ];

  beforeAll(async () => {
    certs = makeCertificates(work.path);
    zk = await startZooKeeper();
    await Promise.all(nodes.map(async (n) => (n.proc = await spawnBroker(brokerArgs(n)))));
    adminConfig = join(work.path, 'admin.properties');
    writeFileSync(adminConfig, [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=PLAIN',
      `sasl.jaas.config=${PLAIN_MODULE} required username="admin" password="admin-secret";`,
      `ssl.truststore.location=${certs.ca.certPath}`,
      '',
    ].join('\n'));
  }, 90_000);
  afterAll(async () => {
    for (const n of nodes) {
      await n.proc?.stop('SIGKILL');
      n.dir.remove();
    }
    await zk?.stop();
    work.remove();
  });

  it('creates a SCRAM user in ZooKeeper through one broker, and every broker accepts it', async () => {
    const added = await gregor(['users', 'add', 'alice', '--mechanism', 'SCRAM-SHA-512', '--password', 'alice-secret',
      '--bootstrap-server', external(nodes[0]!), '--command-config', adminConfig]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    for (const n of nodes) {
      await waitForAsync(async () => (await kcat(['-L', '-b', external(n), ...scram('alice', 'alice-secret'), '-m', '5'], undefined, 20_000)).code === 0,
        15_000, `broker ${n.id} accepting alice`);
    }
    const wrong = await kcat(['-L', '-b', external(nodes[2]!), ...scram('alice', 'not-her-password'), '-m', '3'], undefined, 20_000);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed/);
  });

  it('ACLs created through one broker reach every broker through ZooKeeper', async () => {
    for (const topic of ['orders-eu', 'payments']) {
      const created = await gregor(['topics', 'create', topic, '--partitions', '3', '--replication-factor', '3', '--config', 'min.insync.replicas=3',
        '--bootstrap-server', external(nodes[1]!), '--command-config', adminConfig]);
      expect(created.code).toBe(0);
    }
    const added = await gregor(['acls', 'add', '--allow-principal', 'User:alice', '--producer', '--consumer', '--topic', 'orders-', '--resource-pattern-type', 'prefixed',
      '--bootstrap-server', external(nodes[0]!), '--command-config', adminConfig]);
    expect(added.stderr).toBe('');
    for (const n of nodes) {
      await waitForAsync(async () => {
        const listed = await kcat(['-L', '-b', external(n), ...scram('alice', 'alice-secret'), '-m', '5'], undefined, 20_000);
        const topics = [...listed.stdout.toString().matchAll(/topic "([^"]+)"/g)].map((m) => m[1]);
        return topics.join(',') === 'orders-eu';
      }, 15_000, `broker ${n.id} showing alice only orders-eu`);
    }
    const denied = await kcat(['-P', '-b', external(nodes[2]!), ...scram('alice', 'alice-secret'), '-t', 'payments', '-X', 'message.timeout.ms=5000'], Buffer.from('x\n'), 30_000);
    expect(denied.stderr).toMatch(/Topic authorization failed/i);
  });

  it('acks=all with min.insync.replicas=3: every acknowledged record was replicated over SASL_SSL', async () => {
    const records = makeKcatRecords(11, 20_000);
    const produced = await kcat(['-P', '-b', external(nodes[0]!), ...scram('alice', 'alice-secret'), '-t', 'orders-eu', ...KCAT_PRODUCE_DELIMITERS,
      '-X', 'acks=all', '-X', 'linger.ms=10'], kcatInput(records), 120_000);
    expect(produced.stderr).not.toMatch(/ERROR|Failed/i);
    expect(produced.code).toBe(0);
    for (const n of nodes) {
      const consumed = await kcat(['-C', '-b', external(n), ...scram('alice', 'alice-secret'), '-t', 'orders-eu', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 120_000);
      expect(consumed.code).toBe(0);
      expect(checkConsumedExactly(parseConsumed(consumed.stdout), records)).toBe(3);
    }
  });

  it('a restarted broker enforces the ACLs it reads from ZooKeeper', async () => {
    const n = nodes[1]!;
    await n.proc!.stop('SIGTERM');
    n.proc = await spawnBroker(brokerArgs(n));
    const listed = await kcat(['-L', '-b', external(n), ...scram('alice', 'alice-secret'), '-m', '5'], undefined, 20_000);
    expect([...listed.stdout.toString().matchAll(/topic "([^"]+)"/g)].map((m) => m[1])).toEqual(['orders-eu']);
    const meta = await kcat(['-L', '-b', external(n), ...scram('admin', 'admin-secret').map((a) => a.replace('SCRAM-SHA-512', 'PLAIN')), '-m', '5'], undefined, 20_000);
    expect(meta.stdout.toString()).toContain('topic "payments"');
  });
});
