/**
 * `gregor audit report` (src/cli/audit.ts) against a real broker process with the audit on:
 * records sent acks=0 to two topics, one produce request's worth counted by the producer tier
 * but never sent, so the table shows producer, broker, missing per bucket; `--topic` keeps one
 * topic; `--since` keeps recent buckets; a bad `--since` is a clear error and exit code 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gregorCli } from '../helpers/cli.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { BUCKET_MS, createTopic, producerTier, produceFrame, reportWhen, spawnAuditedBroker } from './audit-helpers.js';

describe('gregor audit report', () => {
  const dir = makeTempDir();
  let broker: Awaited<ReturnType<typeof spawnAuditedBroker>>;
  let old: number;
  let args: string[];

  beforeAll(async () => {
    broker = await spawnAuditedBroker(dir.path);
    await createTopic(broker.port, 'orders');
    await createTopic(broker.port, 'payments');
    args = ['-b', `127.0.0.1:${broker.port}`, '--http', `127.0.0.1:${broker.httpPort}`];
    // orders: 5 requests of 10 in a bucket three hours ago, 3 of them sent (20 missing); payments: 7 now
    old = Math.floor((Date.now() - 3 * 3_600_000) / BUCKET_MS) * BUCKET_MS;
    const producer = producerTier(() => broker.port);
    const client = await RawClient.connect(broker.port);
    for (let i = 0; i < 5; i++) {
      for (let r = 0; r < 10; r++) producer.count('orders', old + 5, 20);
      if (i < 3) client.sendRaw(produceFrame(client, 'orders', 10, old + 5));
    }
    const now = Date.now();
    for (let r = 0; r < 7; r++) producer.count('payments', now, 20);
    client.sendRaw(produceFrame(client, 'payments', 7, now));
    await producer.close();
    await reportWhen(broker.httpPort, 'orders', (rs) => rs.some((r) => r.broker?.records === 30 && r.producer));
    await reportWhen(broker.httpPort, 'payments', (rs) => rs.some((r) => r.broker?.records === 7 && r.producer));
    client.close();
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
    dir.remove();
  });

  it('prints a table per bucket with the counts per tier and the missing records', async () => {
    const { code, stdout, stderr } = await gregorCli(['audit', 'report', ...args]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Bucket ${new Date(old).toISOString()} - ${new Date(old + BUCKET_MS).toISOString()} (complete)`);
    const lines = stdout.split('\n').map((l) => l.trim().split(/\s+/));
    expect(lines).toContainEqual(['orders', 'producer', '50', '1000', expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);
    expect(lines).toContainEqual(['orders', 'broker', '30', '600', expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), '20', '0']);
    expect(lines).toContainEqual(['payments', 'broker', '7', '140', expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), '0', '0']);
    expect(stdout.indexOf('orders')).toBeLessThan(stdout.indexOf('payments'));
  }, 30_000);

  it('--topic keeps one topic, --since keeps the recent buckets', async () => {
    const one = await gregorCli(['audit', 'report', ...args, '--topic', 'payments']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('payments');
    expect(one.stdout).not.toContain('orders');
    const recent = await gregorCli(['audit', 'report', ...args, '--since', '1h']);
    expect(recent.code).toBe(0);
    expect(recent.stdout).toContain('payments');
    expect(recent.stdout).not.toContain('orders');
    const none = await gregorCli(['audit', 'report', ...args, '--topic', 'nothing']);
    expect(none.stdout.trim()).toBe('No audit counts for the selected topics and time.');
  }, 30_000);

  it('a bad --since is a clear error, exit code 1', async () => {
    const { code, stdout, stderr } = await gregorCli(['audit', 'report', ...args, '--since', '2 hours']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('"2 hours" is not a duration');
  }, 30_000);

  it('an unreachable gateway is one line on stderr, exit code 1', async () => {
    const { code, stderr } = await gregorCli(['audit', 'report', '-b', `127.0.0.1:${broker.port}`, '--http', '127.0.0.1:1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gregor: .*ECONNREFUSED/);
  }, 30_000);
});
