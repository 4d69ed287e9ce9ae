/**
 * `gregor perf produce|consume` (the real bin/gregor.js as a child process) against a real
 * broker process: Kafka's periodic and final lines, a count that equals the partitions' log
 * end offsets (kcat -Q, librdkafka's ListOffsets), the throttler holding 20,000 records/s
 * (the issue's acceptance: it measures the tool's pacing, not the broker's speed), --json,
 * the consumer reading the records back, --payload-file, --compare against a second broker,
 * records the broker refuses, bad input.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { gregorCli } from '../helpers/cli.js';
import { kcat } from '../helpers/kcat.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const PERIODIC = /^(\d+) records sent, (\d+\.\d) records\/sec \((\d+\.\d\d) MB\/sec\), (\d+\.\d) ms avg latency, (\d+\.\d) ms max latency\.$/;
const FINAL = /^(\d+) records sent, (\d+\.\d{6}) records\/sec \((\d+\.\d\d) MB\/sec\), (\d+\.\d\d) ms avg latency, (\d+\.\d\d) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;
const PARTITIONS = 4;

/** Sum of the partitions' log end offsets, asked of the broker by kcat (-Q, offset -1 = end). */
async function logEndSum(bootstrap: string, topic: string): Promise<number> {
  const args = ['-Q', '-b', bootstrap];
  for (let p = 0; p < PARTITIONS; p++) args.push('-t', `${topic}:${p}:-1`);
  const r = await kcat(args);
  expect(r.code).toBe(0);
  const offsets = [...r.stdout.toString().matchAll(/\[(\d+)\] offset (\d+)/g)].map((m) => Number(m[2]));
  expect(offsets).toHaveLength(PARTITIONS);
  return offsets.reduce((a, b) => a + b, 0);
}

describe('gregor perf (CLI, broker process)', () => {
  const dirs = [makeTempDir('gregor-perf-a-'), makeTempDir('gregor-perf-b-')];
  let a: BrokerProcess;
  let b: BrokerProcess;
  let bootA: string;
  let bootB: string;

  beforeAll(async () => {
    // No initial rebalance delay: the consumer's join then takes milliseconds, not 3 s.
    [a, b] = await Promise.all(dirs.map((d) => spawnBroker(['--port', '0', '--ws-port', '-1', '--log-dirs', d.path, '-o', 'group.initial.rebalance.delay.ms=0'])));
    bootA = `127.0.0.1:${a.port}`;
    bootB = `127.0.0.1:${b.port}`;
    for (const [topic, boot] of [['perf', bootA], ['paced', bootA], ['json', bootA], ['cmp', bootA], ['cmp', bootB], ['small', bootB], ['file', bootB]] as const) {
      const configs = topic === 'small' ? ['-c', 'max.message.bytes=200'] : [];
      const r = await gregorCli(['topics', 'create', topic, '-p', String(PARTITIONS), ...configs, '-b', boot]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const d of dirs) d.remove();
  });

  it('produce 200,000 × 100 B unthrottled: periodic and final lines in Kafka format; the count is the log end offsets sum', async () => {
    const r = await gregorCli(['perf', 'produce', '--topic', 'perf', '--num-records', '200000', '--record-size', '100', '--throughput', '-1', '-b', bootA, '--reporting-interval', '250'], {}, 80_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const periodic = lines.slice(0, -1).map((l) => PERIODIC.exec(l));
    expect(periodic.every((m) => m !== null), r.stdout).toBe(true);
    const final = FINAL.exec(lines.at(-1)!);
    expect(final, lines.at(-1)).not.toBeNull();
    expect(Number(final![1])).toBe(200_000);
    // The windows add up to at most the total (the last, unclosed window is not printed).
    expect(periodic.reduce((s, m) => s + Number(m![1]), 0)).toBeLessThanOrEqual(200_000);
    const [p50, p95, p99, p999] = final!.slice(6).map(Number);
    expect(p50! <= p95! && p95! <= p99! && p99! <= p999!).toBe(true);
    expect(Number(final![5])).toBeGreaterThanOrEqual(p999!);
    expect(await logEndSum(bootA, 'perf')).toBe(200_000);
  }, 90_000);

  it('consume reads the 200,000 records back and reports them in kafka-consumer-perf-test format', async () => {
    const r = await gregorCli(['perf', 'consume', '--topic', 'perf', '--messages', '200000', '--timeout', '10000', '-b', bootA], {}, 80_000);
    expect(r.code, r.stderr).toBe(0);
    const [header, line] = r.stdout.trim().split('\n');
    expect(header).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    const fields = line!.split(', ');
    expect(fields).toHaveLength(10);
    expect(fields[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}$/);
    expect(fields[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}$/);
    expect(fields[2]).toBe(((200_000 * 100) / 1024 / 1024).toFixed(4));
    expect(fields[4]).toBe('200000');
    expect(Number(fields[5])).toBeGreaterThan(0);
    expect(r.stderr).not.toContain('WARNING');
  }, 90_000);

  it('consume --from-latest skips what is there; --timeout ends the wait with Kafka\'s WARNING', async () => {
    const r = await gregorCli(['perf', 'consume', '--topic', 'perf', '--messages', '10', '--from-latest', '--timeout', '1500', '-b', bootA]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')[1]!.split(', ').slice(2, 5)).toEqual(['0.0000', '0.0000', '0']);
    expect(r.stderr).toContain('WARNING: Exiting before consuming the expected number of messages: timeout (1500 ms) exceeded.');
  }, 60_000);

  it('--throughput 20000 holds 20,000 ± 10 % records/s over ~5 s', async () => {
    const r = await gregorCli(['perf', 'produce', '--topic', 'paced', '--num-records', '100000', '--record-size', '100', '--throughput', '20000', '-b', bootA]);
    expect(r.code, r.stderr).toBe(0);
    const final = FINAL.exec(r.stdout.trim().split('\n').at(-1)!);
    expect(final).not.toBeNull();
    expect(Number(final![1])).toBe(100_000);
    const rate = Number(final![2]);
    expect(rate).toBeGreaterThanOrEqual(18_000);
    expect(rate).toBeLessThanOrEqual(22_000);
    expect(await logEndSum(bootA, 'paced')).toBe(100_000);
  }, 60_000);

  it('--json prints one document whose count matches the log end offsets', async () => {
    const r = await gregorCli(['perf', 'produce', '--topic', 'json', '--num-records', '30000', '--record-size', '64', '--throughput', '15000', '-b', bootA, '--reporting-interval', '500', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.kind).toBe('produce');
    expect(doc.summary.records).toBe(30_000);
    expect(doc.summary.bytes).toBe(30_000 * 64);
    expect(doc.summary.errors).toBe(0);
    expect(doc.summary.p50Ms).toBeLessThanOrEqual(doc.summary.p999Ms);
    expect(doc.windows.length).toBeGreaterThan(0);
    expect(doc.series.reduce((s: number, p: { records: number }) => s + p.records, 0)).toBe(30_000);
    expect(doc.percentiles.at(-1).percentile).toBe(100);
    // Not a TTY: the periodic lines went to stderr, stdout holds only the JSON.
    expect(r.stderr).toMatch(/records sent, .* ms max latency\.\n/);
    expect(await logEndSum(bootA, 'json')).toBe(30_000);
  }, 60_000);

  it('--payload-file: each record is one of the file\'s delimited payloads', async () => {
    const file = join(dirs[1]!.path, 'payloads.txt');
    writeFileSync(file, 'alpha|beta-beta|gamma-gamma-gamma|');
    const r = await gregorCli(['perf', 'produce', '--topic', 'file', '--num-records', '3000', '--payload-file', file, '--payload-delimiter', '|', '--throughput', '-1', '-b', bootB, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.records).toBe(3000);
    expect(doc.summary.bytes).toBeGreaterThan(3000 * 5);
    expect(doc.summary.bytes).toBeLessThan(3000 * 17);
    const read = await kcat(['-C', '-b', bootB, '-t', 'file', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    const values = read.stdout.toString().trim().split('\n');
    expect(values).toHaveLength(3000);
    expect(new Set(values)).toEqual(new Set(['alpha', 'beta-beta', 'gamma-gamma-gamma']));
    expect(values.reduce((s, v) => s + v.length, 0)).toBe(doc.summary.bytes);
  }, 60_000);

  it('--compare runs A, B alternately and prints each pair\'s ratio and the median', async () => {
    const r = await gregorCli(['perf', 'produce', '--topic', 'cmp', '--num-records', '5000', '--record-size', '100', '--throughput', '-1', '-b', bootA, '--compare', bootB, '--runs', '2']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`A: ${bootA}\nB: ${bootB}\n`);
    expect(out.match(/^run [12] [AB]: 5000 records sent, /gm)).toHaveLength(4);
    expect(out.match(/^run [12]: B\/A \d+\.\d{4} \(A \d+\.\d records\/sec, B \d+\.\d records\/sec\)$/gm)).toHaveLength(2);
    expect(out).toMatch(/^median B\/A: \d+\.\d{4} over 2 run\(s\) \(records\/sec\)$/m);
    expect(await logEndSum(bootA, 'cmp')).toBe(10_000);
    expect(await logEndSum(bootB, 'cmp')).toBe(10_000);
  }, 60_000);

  it('bad input: one clear line, exit 1, nothing sent', async () => {
    const before = await logEndSum(bootA, 'perf');
    let r = await gregorCli(['perf', 'produce', '--topic', 'perf', '--num-records', '10', '--throughput', '-1', '-b', bootA]);
    expect(r).toMatchObject({ code: 1, stderr: 'gregor: Either --record-size or --payload-file must be specified but not both.\n' });
    r = await gregorCli(['perf', 'produce', '--topic', 'perf', '--num-records', '10', '--record-size', '10', '--throughput', '-1', '-b', bootA, '--producer-props', 'acks=2']);
    expect(r).toMatchObject({ code: 1, stderr: 'gregor: Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1\n' });
    r = await gregorCli(['perf', 'produce', '--topic', 'perf', '--num-records', '10', '--record-size', '10', '--throughput', '0', '-b', bootA]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"0" is not a rate in records/s (> 0) or -1 (unthrottled)');
    r = await gregorCli(['perf', 'produce', '--topic', 'perf', '--num-records', '10', '--record-size', '10', '--throughput', '-1']);
    expect(r).toMatchObject({ code: 1, stderr: 'gregor: --bootstrap-server is required (or bootstrap.servers in --producer-props / --producer.config)\n' });
    expect(await logEndSum(bootA, 'perf')).toBe(before);
  }, 60_000);

  it('records the broker refuses are counted and reported by their Kafka error; an unreachable broker is one line', async () => {
    let r = await gregorCli(['perf', 'produce', '--topic', 'small', '--num-records', '500', '--record-size', '300', '--throughput', '-1', '-b', bootB, '--producer-props', 'retries=0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^0 records sent, /);
    expect(r.stderr).toMatch(/^gregor: 500 of 500 records failed: .*MESSAGE_TOO_LARGE: /);
    r = await gregorCli(['perf', 'produce', '--topic', 'perf', '--num-records', '10', '--record-size', '10', '--throughput', '-1', '-b', '127.0.0.1:1', '--producer-props', 'retries=0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gregor: .*ECONNREFUSED 127\.0\.0\.1:1\n$/);
  }, 60_000);
});
