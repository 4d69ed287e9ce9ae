/**
 * A TLS listener (docs/security.html "Encryption and Authentication using SSL") with mutual
 * TLS: kcat (librdkafka) with a client certificate produces and consumes 100,000 records
 * byte for byte over SSL; a client without a certificate, or with one from another CA, is
 * refused at the handshake, and the broker keeps serving the PLAINTEXT listener. ACLs name
 * certificate principals as `ssl.principal.mapping.rules` map them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { CONSUME_FORMAT, KCAT_PRODUCE_DELIMITERS, checkConsumedExactly, kcat, kcatInput, makeKcatRecords, parseConsumed } from '../helpers/kcat.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { AclAuthorizer } from '../../src/security/acl/acl-authorizer.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer.js';

const RECORDS = 100_000;

describe('SSL listener with client certificates', () => {
  const dir = makeTempDir();
  let certs: TestCertificates;
  let t: TestBroker;
  let sslPort: number;

  beforeAll(async () => {
    certs = makeCertificates(dir.path, ['alice']);
    t = await startTestBroker({
      port: undefined,
      host: undefined,
      properties: {
        listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
        'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
        'num.partitions': 3,
        ...certs.listenerProperties('SSL', 'required'),
      },
    });
    sslPort = t.broker.listeners[1]!.port;
  });
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  const sslArgs = () => [
    '-b', `127.0.0.1:${sslPort}`,
    '-X', 'security.protocol=SSL',
    '-X', `ssl.ca.location=${certs.ca.certPath}`,
    '-X', `ssl.certificate.location=${certs.clients.alice!.certPath}`,
    '-X', `ssl.key.location=${certs.clients.alice!.keyPath}`,
  ];

  it(`kcat with a client certificate produces and consumes ${RECORDS} records byte for byte`, async () => {
    const records = makeKcatRecords(7, RECORDS);
    const produced = await kcat(['-P', ...sslArgs(), '-t', 'tls-topic', ...KCAT_PRODUCE_DELIMITERS, '-X', 'linger.ms=20'], kcatInput(records), 120_000);
    expect(produced.stderr).not.toMatch(/ERROR|Failed/i);
    expect(produced.code).toBe(0);
    const consumed = await kcat(['-C', ...sslArgs(), '-t', 'tls-topic', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 120_000);
    expect(consumed.code).toBe(0);
    expect(checkConsumedExactly(parseConsumed(consumed.stdout), records)).toBe(3);
    // Metadata over SSL advertises the SSL endpoint, so kcat never fell back to PLAINTEXT.
    const listed = await kcat(['-L', ...sslArgs()]);
    expect(listed.stdout.toString()).toContain(`broker 0 at 127.0.0.1:${sslPort}`);
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
    const other = join(dir.path, 'other');
    mkdirSync(other);
    const stranger = makeCertificates(other, ['mallory']).clients.mallory!;
    const noCert = await kcat(['-L', '-b', `127.0.0.1:${sslPort}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.ca.certPath}`, '-m', '3'], undefined, 20_000);
    expect(noCert.code).not.toBe(0);
    expect(noCert.stderr).toMatch(/SSL|handshake|certificate/i);
    const wrongCa = await kcat(['-L', '-b', `127.0.0.1:${sslPort}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.ca.certPath}`,
      '-X', `ssl.certificate.location=${stranger.certPath}`, '-X', `ssl.key.location=${stranger.keyPath}`, '-m', '3'], undefined, 20_000);
    expect(wrongCa.code).not.toBe(0);
    // The PLAINTEXT listener still serves.
    const plain = await kcat(['-L', '-b', `127.0.0.1:${t.broker.listeners[0]!.port}`]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.toString()).toContain('tls-topic');
  });
});

describe('ACLs on certificate principals', () => {
  const dir = makeTempDir();
  let certs: TestCertificates;
  let t: TestBroker;
  let sslPort: number;

  beforeAll(async () => {
    certs = makeCertificates(dir.path, ['alice', 'bob']);
    t = await startTestBroker({
      port: undefined,
      host: undefined,
      properties: {
        listeners: 'SSL://127.0.0.1:0',
        'advertised.listeners': 'SSL://127.0.0.1:0',
        ...certs.listenerProperties('SSL', 'required'),
        // The subject DN is CN=<name>,O=gregor-test; the rule keeps the CN.
        'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),.*$/$1/,DEFAULT',
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      },
    });
    sslPort = t.broker.listeners[0]!.port;
    t.broker.logs.createTopic('orders', 1);
    const allow = (operation: AclOperation) => ({ resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionType.ALLOW });
    await (t.broker.authorizer as AclAuthorizer).create([allow(AclOperation.WRITE)]);
  });
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  const produceAs = (name: string) => kcat([
    '-P', '-b', `127.0.0.1:${sslPort}`, '-t', 'orders', '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.ca.certPath}`,
    '-X', `ssl.certificate.location=${certs.clients[name]!.certPath}`, '-X', `ssl.key.location=${certs.clients[name]!.keyPath}`, '-X', 'message.timeout.ms=5000',
  ], Buffer.from(`from ${name}\n`), 30_000);

  it('the mapped certificate principal User:alice may write; User:bob may not', async () => {
    const alice = await produceAs('alice');
    expect(alice.stderr).not.toMatch(/ERROR|failed/i);
    expect(alice.code).toBe(0);
    expect(t.broker.logs.partition('orders', 0)!.logEndOffset).toBe(1);
    const bob = await produceAs('bob');
    expect(bob.stderr).toMatch(/Topic authorization failed/i);
    expect(t.broker.logs.partition('orders', 0)!.logEndOffset).toBe(1);
  });
});
