/**
 * `gregor produce` / `gregor consume`: the real CLI (bin/gregor.js over dist/) as child
 * processes against a real broker process on loopback; kcat (librdkafka) on the other side of
 * the interop checks; `gregor groups describe` reads back what a group committed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { gregor } from '../helpers/gregor-cli.js';
import { kcat } from '../helpers/kcat.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';

const BIN = fileURLToPath(new URL('../../bin/gregor.js', import.meta.url));

/** A long-running `gregor consume`, with its output so far. */
function startConsumer(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'consume', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, out: () => out, err: () => err, exited };
}

/** Rows of `gregor groups describe`: partition → { current, end, consumer }. */
async function describeGroup(b: string[], group: string): Promise<Map<number, { current: string; end: string; consumer: string }>> {
  const r = await gregor(['groups', 'describe', group, ...b]);
  const rows = new Map<number, { current: string; end: string; consumer: string }>();
  for (const line of r.stdout.split('\n').slice(3)) {
    const [, partition, current, end, , consumer] = line.trim().split(/\s+/);
    if (partition !== undefined) rows.set(Number(partition), { current: current!, end: end!, consumer: consumer! });
  }
  return rows;
}

describe('gregor produce / consume (console tools)', () => {
  const dir = makeTempDir();
  let broker: BrokerProcess;
  let bootstrap: string;
  let b: string[];

  beforeAll(async () => {
    broker = await spawnBroker(['--port', '0', '--ws-port', '-1', '--log-dirs', dir.path, '--override', 'group.initial.rebalance.delay.ms=0']);
    bootstrap = `127.0.0.1:${broker.port}`;
    b = ['-b', bootstrap];
  }, 30_000);
  afterAll(async () => {
    await broker?.stop();
    dir.remove();
  });

  it('round-trips 10,000 keyed records with headers, byte for byte', async () => {
    expect((await gregor(['topics', 'create', 'roundtrip', '-p', '3', ...b])).code).toBe(0);
    // Values hold the separator again (split at the first one), UTF-8 and spaces.
    const lines = Array.from({ length: 10_000 }, (_, i) => `key-${i}\tvalue ${i}\tmore ü€ ${'x'.repeat(i % 50)}`);
    const produced = await gregor(['produce', 'roundtrip', '--key-separator', '\\t', '-H', 'trace=abc', '-H', 'n=1', '--compression', 'lz4', ...b], `${lines.join('\n')}\n`);
    expect(produced).toMatchObject({ code: 0, stderr: '' });

    const consumed = await gregor(['consume', 'roundtrip', '--from-beginning', '--max-messages', '10000', '--format', '%p %o %k\\t%v|%h\\n', ...b]);
    expect(consumed.code).toBe(0);
    expect(consumed.stderr).toBe('Processed a total of 10000 messages\n');
    const records = consumed.stdout.split('\n').filter(Boolean).map((l) => {
      const [p, o] = l.split(' ', 2);
      const rest = l.slice(p!.length + o!.length + 2);
      return { partition: Number(p), offset: Number(o), line: rest.slice(0, rest.lastIndexOf('|')), headers: rest.slice(rest.lastIndexOf('|') + 1) };
    });
    expect(records.map((r) => r.line).sort()).toEqual([...lines].sort());
    expect(new Set(records.map((r) => r.headers))).toEqual(new Set(['trace=abc,n=1']));
    // Keyed records land by key hash (all 3 partitions used), in produce order per partition.
    const lastIndex = new Map<number, number>();
    for (const r of records) {
      const index = Number(r.line.slice(4, r.line.indexOf('\t')));
      expect(index).toBeGreaterThan(lastIndex.get(r.partition) ?? -1);
      lastIndex.set(r.partition, index);
    }
    expect(lastIndex.size).toBe(3);

    const json = await gregor(['consume', 'roundtrip', '--partition', '0', '--offset', '0', '--max-messages', '1', '--format', 'json', ...b]);
    const first = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(first).toMatchObject({ topic: 'roundtrip', partition: 0, offset: 0, headers: [{ key: 'trace', value: 'abc' }, { key: 'n', value: '1' }] });
    expect(lines).toContain(`${first.key as string}\t${first.value as string}`);
  }, 60_000);

  it('interoperates with kcat both ways', async () => {
    await gregor(['topics', 'create', 'from-kcat', '-p', '2', ...b]);
    await gregor(['topics', 'create', 'to-kcat', '-p', '2', ...b]);
    const lines = Array.from({ length: 500 }, (_, i) => `k${i}:v${i}`);

    const p = await kcat(['-P', '-b', bootstrap, '-t', 'from-kcat', '-K', ':', '-H', 'origin=kcat'], Buffer.from(`${lines.join('\n')}\n`));
    expect(p.code).toBe(0);
    const c = await gregor(['consume', 'from-kcat', '--from-beginning', '--max-messages', '500', '--format', '%k:%v %h\\n', ...b]);
    expect(c.code).toBe(0);
    expect(c.stdout.split('\n').filter(Boolean).sort()).toEqual(lines.map((l) => `${l} origin=kcat`).sort());

    const g = await gregor(['produce', 'to-kcat', '--key-separator', ':', '-H', 'origin=gregor', '--idempotent', ...b], `${lines.join('\n')}\n`);
    expect(g).toMatchObject({ code: 0, stderr: '' });
    const k = await kcat(['-C', '-b', bootstrap, '-t', 'to-kcat', '-o', 'beginning', '-e', '-q', '-f', '%k:%s %h\n']);
    expect(k.code).toBe(0);
    expect(k.stdout.toString().split('\n').filter(Boolean).sort()).toEqual(lines.map((l) => `${l} origin=gregor`).sort());
  }, 60_000);

  it('two consumers in a group split the partitions; SIGINT commits what one printed', async () => {
    await gregor(['topics', 'create', 'shared', '-p', '4', ...b]);
    // A long commit interval: only the commit at exit can put offsets in the group.
    const args = ['shared', '--group', 'console-split', '--from-beginning', '--format', '%p %v\\n', '--consumer-property', 'auto.commit.interval.ms=600000', ...b];
    const a = startConsumer(args);
    const c = startConsumer(args);
    try {
      await waitForAsync(async () => {
        const rows = await describeGroup(b, 'console-split');
        const owners = new Set([...rows.values()].map((r) => r.consumer));
        return rows.size === 4 && owners.size === 2 && !owners.has('-');
      }, 30_000, 'both consumers to own partitions');

      // Batches of one record: the sticky partitioner moves on each batch, so all 4 partitions fill.
      const values = Array.from({ length: 200 }, (_, i) => `v${i}`);
      expect((await gregor(['produce', 'shared', '--batch-size', '1', ...b], `${values.join('\n')}\n`)).code).toBe(0);
      const lines = () => [...a.out().split('\n'), ...c.out().split('\n')].filter(Boolean);
      await waitFor(() => lines().length >= 200, 20_000, 'all 200 records consumed');

      const partitionsOf = (out: string) => new Set(out.split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0])));
      const pa = partitionsOf(a.out());
      const pc = partitionsOf(c.out());
      expect(pa.size).toBeGreaterThan(0);
      expect(pc.size).toBeGreaterThan(0);
      expect([...pa].filter((x) => pc.has(x))).toEqual([]);
      expect(lines().map((l) => l.split(' ')[1]).sort()).toEqual([...values].sort());

      a.child.kill('SIGINT');
      expect(await a.exited).toBe(0);
      expect(a.err()).toBe(`Processed a total of ${a.out().split('\n').filter(Boolean).length} messages\n`);
      const rows = await describeGroup(b, 'console-split');
      for (const partition of pa) {
        const row = rows.get(partition)!;
        expect(row.current).toBe(row.end);
        expect(Number(row.end)).toBeGreaterThan(0);
      }
    } finally {
      a.child.kill('SIGTERM');
      c.child.kill('SIGTERM');
      await Promise.all([a.exited, c.exited]);
    }
  }, 90_000);

  it('bad input: one error line and a non-zero exit; delivery errors name the line and Kafka error', async () => {
    let r = await gregor(['consume', 'no-such-topic', ...b]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'gregor: UNKNOWN_TOPIC_OR_PARTITION: topic no-such-topic does not exist\n' });
    r = await gregor(['produce', 'no-such-topic', ...b], 'x\n');
    expect(r).toMatchObject({ code: 1, stderr: 'gregor: UNKNOWN_TOPIC_OR_PARTITION: topic no-such-topic does not exist\n' });
    r = await gregor(['produce', 'roundtrip', '--compression', 'brotli', ...b], 'x\n');
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("'brotli' is invalid");
    r = await gregor(['consume', 'roundtrip', '--offset', '3', ...b]);
    expect(r).toMatchObject({ code: 1, stderr: 'gregor: the partition is required when offset is specified\n' });
    r = await gregor(['consume', 'roundtrip', '--format', '%q', ...b]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gregor: unknown --format placeholder "%q"[^\n]*\n$/);

    await gregor(['topics', 'create', 'small', '-c', 'max.message.bytes=1000', ...b]);
    r = await gregor(['produce', 'small', '--batch-size', '1', '--key-separator', ':', ...b], `a:ok\nb:${'x'.repeat(5000)}\nno separator\nc:ok\n`);
    expect(r.code).toBe(1);
    // Line 3 is refused while reading, line 2 when its batch comes back: either order.
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
      'gregor: 2 of 4 records failed',
      expect.stringMatching(/^gregor: line 2: (MESSAGE_TOO_LARGE|RECORD_TOO_LARGE): /),
      'gregor: line 3: no key separator found on line number 3',
    ]);
    r = await gregor(['consume', 'small', '--from-beginning', '--max-messages', '2', '--format', '%k=%v\\n', ...b]);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['a=ok', 'c=ok']);
  }, 60_000);
});
