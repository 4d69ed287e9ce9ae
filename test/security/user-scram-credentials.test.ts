/**
 * SCRAM users (KIP-554): `gregor users add|list|delete` against a real broker, the
 * credentials file in log.dirs (salted, mode 0600, never the password), what the SASL side
 * reads (`broker.scramCredentials`), survival across a restart, and bad input answered with
 * Kafka's errors while nothing changes.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ENTITY_CONFIGS_FILE } from '../../src/security/entity-config/file-entity-config-store.js';
import { credentialFromPassword, saltedPassword } from '../../src/security/sasl/scram-credential.js';
import { gregor } from '../helpers/gregor-cli.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('SCRAM users', () => {
  const dir = makeTempDir();
  let t: TestBroker;
  let b: string[];
  beforeAll(async () => {
    t = await startTestBroker({ logDirs: dir.path });
    b = ['-b', t.bootstrap];
  });
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  it('adds, lists and deletes users with the CLI; the file holds salted credentials only, mode 0600', async () => {
    const passwordFile = join(dir.path, '..', `pw-${process.pid}`);
    writeFileSync(passwordFile, 'bob-secret-p4ss\n');
    let r = await gregor(['users', 'add', 'alice', '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192', '--password', 'alice-secret-p4ss', ...b]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    r = await gregor(['users', 'add', 'alice', '--mechanism', 'SCRAM-SHA-256', '--password', 'alice-secret-p4ss', ...b]);
    expect(r.code).toBe(0);
    r = await gregor(['users', 'add', 'bob', '--password-file', passwordFile, ...b]);
    expect(r.code).toBe(0);

    r = await gregor(['users', 'list', ...b]);
    expect(r.stdout.trim().split('\n').sort()).toEqual([
      'alice\tSCRAM-SHA-256\titerations=4096',
      'alice\tSCRAM-SHA-512\titerations=8192',
      'bob\tSCRAM-SHA-256\titerations=4096',
    ]);

    // What SASL/SCRAM will check against: the credential derived from the same password and salt.
    const stored = t.broker.scramCredentials.scramCredential('alice', 'SCRAM-SHA-512')!;
    expect(stored.iterations).toBe(8192);
    const expected = credentialFromPassword('SCRAM-SHA-512', 'alice-secret-p4ss', 8192, stored.salt);
    expect(stored.storedKey.equals(expected.storedKey)).toBe(true);
    expect(stored.serverKey.equals(expected.serverKey)).toBe(true);
    expect(t.broker.scramCredentials.scramCredential('bob', 'SCRAM-SHA-512')).toBeNull();

    const file = join(dir.path, ENTITY_CONFIGS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('secret');
    expect(text).not.toContain(saltedPassword('SCRAM-SHA-512', 'alice-secret-p4ss', stored.salt, 8192).toString('base64'));
    expect(JSON.parse(text).entities['users/alice']['SCRAM-SHA-512']).toMatch(/^salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=8192$/);

    r = await gregor(['users', 'delete', 'alice', '--mechanism', 'SCRAM-SHA-256', ...b]);
    expect(r.code).toBe(0);
    r = await gregor(['users', 'delete', 'bob', ...b]);
    expect(r.code).toBe(0);
    r = await gregor(['users', 'list', ...b]);
    expect(r.stdout).toBe('alice\tSCRAM-SHA-512\titerations=8192\n');
    r = await gregor(['users', 'list', 'bob', ...b]);
    expect(r).toMatchObject({ code: 1, stderr: 'gregor: RESOURCE_NOT_FOUND: Attempt to describe a user credential that does not exist\n' });
  });

  it('refuses bad credentials with Kafka errors and changes nothing', async () => {
    const before = readFileSync(join(dir.path, ENTITY_CONFIGS_FILE), 'utf8');
    let r = await gregor(['users', 'add', 'carol', '--iterations', '100', '--password', 'x', ...b]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gregor: UNACCEPTABLE_CREDENTIAL: Too few iterations/);
    r = await gregor(['users', 'add', 'carol', '--iterations', '20000', '--password', 'x', ...b]);
    expect(r.stderr).toMatch(/^gregor: UNACCEPTABLE_CREDENTIAL: Too many iterations/);
    r = await gregor(['users', 'add', 'carol', '--mechanism', 'SCRAM-SHA-1', '--password', 'x', ...b]);
    expect(r.code).toBe(1);
    r = await gregor(['users', 'delete', 'nobody', '--mechanism', 'SCRAM-SHA-256', ...b]);
    expect(r.stderr).toBe('gregor: RESOURCE_NOT_FOUND: Attempt to delete a user credential that does not exist\n');

    const c = await RawClient.connect(t.broker.port);
    const salt = Buffer.alloc(16, 7);
    const upsert = (name: string, mechanism: number, iterations = 4096) => ({ name, mechanism, iterations, salt, saltedPassword: saltedPassword('SCRAM-SHA-256', 'pw', salt, 4096) });
    const res = await c.request(51, 0, {
      deletions: [{ name: 'alice', mechanism: 9 }],
      upsertions: [upsert('dave', 1), upsert('dave', 1), upsert('', 1), upsert('erin', 1, 100), upsert('frank', 1)],
    });
    const byUser = Object.fromEntries(res.results.map((x: { user: string; errorCode: number }) => [x.user, x.errorCode]));
    expect(byUser).toEqual({
      alice: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      dave: ErrorCode.DUPLICATE_RESOURCE,
      '': ErrorCode.UNACCEPTABLE_CREDENTIAL,
      erin: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      frank: ErrorCode.NONE,
    });
    const described = await c.request(50, 0, { users: [{ name: 'frank' }, { name: 'dave' }, { name: 'alice' }, { name: 'alice' }] });
    expect(described.errorCode).toBe(0);
    expect(Object.fromEntries(described.results.map((x: { user: string; errorCode: number }) => [x.user, x.errorCode]))).toEqual({
      frank: 0,
      dave: ErrorCode.RESOURCE_NOT_FOUND,
      alice: ErrorCode.DUPLICATE_RESOURCE,
    });
    c.close();
    expect(readFileSync(join(dir.path, ENTITY_CONFIGS_FILE), 'utf8')).not.toBe(before); // frank only
    expect(t.broker.scramCredentials.scramCredential('dave', 'SCRAM-SHA-256')).toBeNull();
    expect(t.broker.scramCredentials.scramCredential('alice', 'SCRAM-SHA-512')).not.toBeNull();
  });

  it('keeps credentials across a restart', async () => {
    await t.broker.stop();
    t = await startTestBroker({ logDirs: dir.path });
    b = ['-b', t.bootstrap];
    expect(t.broker.scramCredentials.scramCredential('alice', 'SCRAM-SHA-512')?.iterations).toBe(8192);
    const r = await gregor(['users', 'list', ...b]);
    expect(r.stdout.trim().split('\n')).toEqual(['alice\tSCRAM-SHA-512\titerations=8192', 'frank\tSCRAM-SHA-256\titerations=4096']);
  });
});
