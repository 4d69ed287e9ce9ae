/**
 * `gregor topics create|list|describe|alter|delete`: the real CLI (bin/gregor.js, built to
 * dist/) as a child process against a broker on loopback; kcat (librdkafka) then sees the
 * configs take effect (max.message.bytes refuses its message, and accepts it once deleted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gregor } from '../helpers/gregor-cli.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { kcat } from '../helpers/kcat.js';

describe('gregor topics (CLI)', () => {
  let t: TestBroker;
  let b: string[];
  beforeAll(async () => {
    t = await startTestBroker();
    b = ['-b', t.bootstrap];
  });
  afterAll(async () => {
    await t.stop();
  });

  it('create with configs, list, describe, alter, delete', async () => {
    let r = await gregor(['topics', 'create', 'orders', '-p', '3', '-c', 'retention.ms=3600000', '-c', 'cleanup.policy=compact,delete', ...b]);
    expect(r).toMatchObject({ code: 0, stdout: 'Created topic orders.\n' });
    expect(t.broker.logs.topic('orders')!.partitions.length).toBe(3);
    await gregor(['topics', 'create', 'audit', ...b]);

    r = await gregor(['topics', 'list', ...b]);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['audit', 'orders']);

    r = await gregor(['topics', 'describe', 'orders', ...b]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Topic: orders\tTopicId: \S{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup\.policy=compact,delete,retention\.ms=3600000$/);
    expect(lines.slice(1)).toEqual([0, 1, 2].map((p) => `\tTopic: orders\tPartition: ${p}\tLeader: 0\tReplicas: 0\tIsr: 0`));

    r = await gregor(['topics', 'alter', 'orders', '-c', 'segment.bytes=1048576', '-d', 'retention.ms', ...b]);
    expect(r).toMatchObject({ code: 0, stdout: 'Altered topic orders.\n' });
    expect(t.broker.logs.topic('orders')!.configs).toEqual({ 'cleanup.policy': 'compact,delete', 'segment.bytes': '1048576' });

    r = await gregor(['topics', 'describe', 'orders', '--all-configs', ...b]);
    expect(r.stdout).toContain('\tsegment.bytes=1048576\t(DYNAMIC_TOPIC_CONFIG)');
    expect(r.stdout).toContain('\tretention.ms=604800000\t(DEFAULT_CONFIG)');

    r = await gregor(['topics', 'delete', 'orders', 'audit', ...b]);
    expect(r).toMatchObject({ code: 0, stdout: 'Deleted topic orders.\nDeleted topic audit.\n' });
    expect(t.broker.logs.allTopics().filter((x) => !x.name.startsWith('__'))).toEqual([]);
  });

  it('a refused value exits 1 with one line naming the key; so do unknown topics and unreachable brokers', async () => {
    let r = await gregor(['topics', 'create', 'bad', '-c', 'retention.ms=forever', ...b]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('gregor: INVALID_CONFIG: Invalid value forever for configuration retention.ms: Not a number of type LONG\n');
    await gregor(['topics', 'create', 'good', ...b]);
    r = await gregor(['topics', 'alter', 'good', '-c', 'max.compaction.lag.ms=0', ...b]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gregor: INVALID_CONFIG: .*max\.compaction\.lag\.ms/);
    r = await gregor(['topics', 'alter', 'good', '-c', 'no.such.config=1', ...b]);
    expect(r.stderr).toBe('gregor: INVALID_CONFIG: Unknown topic config name: no.such.config\n');
    r = await gregor(['topics', 'describe', 'missing', ...b]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gregor: UNKNOWN_TOPIC_OR_PARTITION/);
    r = await gregor(['topics', 'create', 'good', ...b]);
    expect(r.stderr).toMatch(/^gregor: TOPIC_ALREADY_EXISTS/);
    expect((await gregor(['topics', 'create', 'good', '--if-not-exists', ...b])).code).toBe(0);
    r = await gregor(['topics', 'list', '-b', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gregor: connect ECONNREFUSED/);
    // A list, as Kafka's tools take: the first broker that answers.
    r = await gregor(['topics', 'list', '-b', `127.0.0.1:1,${t.bootstrap}`]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('good\n');
  });

  it('kcat sees a config set by the CLI take effect: max.message.bytes refuses, then accepts once deleted', async () => {
    expect((await gregor(['topics', 'create', 'limited', '-c', 'max.message.bytes=2000', ...b])).code).toBe(0);
    const big = Buffer.concat([Buffer.alloc(5000, 'x'), Buffer.from('\n')]);
    const kcatArgs = ['-P', '-b', t.bootstrap, '-t', 'limited', '-X', 'message.max.bytes=100000', '-X', 'message.send.max.retries=0'];
    let r = await kcat(kcatArgs, big);
    expect(r.stderr).toMatch(/Message size too large|MSG_SIZE_TOO_LARGE/i);
    expect(t.broker.logs.partition('limited', 0)!.logEndOffset).toBe(0);

    expect((await gregor(['topics', 'alter', 'limited', '-d', 'max.message.bytes', ...b])).code).toBe(0);
    r = await kcat(kcatArgs, big);
    expect(r.code).toBe(0);
    expect(t.broker.logs.partition('limited', 0)!.logEndOffset).toBe(1);
  });
});
