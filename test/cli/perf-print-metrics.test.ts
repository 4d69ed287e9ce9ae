/**
 * `gregor perf produce --print-metrics` (bin/gregor.js as a child process, a real broker
 * process): after the final line, the producer's metrics in Kafka's ToolsUtils.printMetrics
 * layout — a blank line, the `Metric Name`/`Value` header, `group:name:{tags} : value` sorted,
 * three decimals — whose figures agree with the run (records sent, sizes, no errors); --json
 * carries them as `metrics`; without the option nothing is printed after the final line.
 * `gregor perf consume --print-metrics` does the same after kafka-consumer-perf-test's line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { gregorCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const METRIC = /^(producer-metrics:[a-z-]+:\{client-id=perf-producer-client\}) +: (-?\d+\.\d{3})$/;

describe('gregor perf produce --print-metrics', () => {
  const dir = makeTempDir('gregor-perf-metrics-');
  let broker: BrokerProcess;
  let boot: string;

  beforeAll(async () => {
    broker = await spawnBroker(['--port', '0', '--ws-port', '-1', '--log-dirs', dir.path, '-o', 'group.initial.rebalance.delay.ms=0']);
    boot = `127.0.0.1:${broker.port}`;
    const r = await gregorCli(['topics', 'create', 'metrics', '-p', '2', '-b', boot]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
    dir.remove();
  });

  const produce = (extra: string[]) => gregorCli(['perf', 'produce', '--topic', 'metrics', '--num-records', '5000', '--record-size', '100', '--throughput', '-1', '-b', boot, '--producer-props', 'batch.size=16384', ...extra], {}, 60_000);

  it("prints Kafka's metric table after the final line, with the run's figures", async () => {
    const r = await produce(['--print-metrics']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => /^Metric Name +Value$/.test(l));
    expect(header).toBeGreaterThan(0);
    expect(lines[header - 1]).toBe('');
    expect(lines[header - 2]).toMatch(/^5000 records sent, /);
    const rows = lines.slice(header + 1).filter((l) => l !== '');
    const parsed = rows.map((l) => METRIC.exec(l));
    expect(parsed.every((m) => m !== null), rows.join('\n')).toBe(true);
    const names = parsed.map((m) => m![1]!);
    expect(names).toEqual([...names].sort());
    // Java's %-Ns: every name padded to the longest, so the colons line up.
    expect(new Set(rows.map((l) => l.indexOf(' : '))).size).toBe(1);
    const value = (name: string) => Number(parsed.find((m) => m![1] === `producer-metrics:${name}:{client-id=perf-producer-client}`)![2]);
    expect(value('record-send-total')).toBe(5000);
    expect(value('record-error-total')).toBe(0);
    expect(value('record-size-avg')).toBe(100);
    expect(value('record-size-max')).toBe(100);
    expect(value('outgoing-byte-total')).toBe(500_000);
    expect(value('request-total')).toBeGreaterThanOrEqual(1);
    expect(value('records-per-request-avg') * value('request-total')).toBeCloseTo(5000, 0);
    expect(value('batch-size-max')).toBeLessThanOrEqual(16384);
    expect(value('request-latency-max')).toBeGreaterThanOrEqual(value('request-latency-avg'));
  });

  it('--json carries the metrics; without --print-metrics nothing follows the final line', async () => {
    const json = await produce(['--print-metrics', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { metrics: Array<{ group: string; name: string; tags: Record<string, string>; value: number }> };
    expect(doc.metrics.find((m) => m.name === 'record-send-total')).toEqual({ group: 'producer-metrics', name: 'record-send-total', tags: { 'client-id': 'perf-producer-client' }, value: 5000 });
    const plain = await produce([]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trimEnd().split('\n').at(-1)).toMatch(/^5000 records sent, /);
    expect(plain.stdout).not.toContain('Metric Name');
  });

  it('perf consume --print-metrics: the consumer\'s records and bytes read, after Kafka\'s line', async () => {
    // The three produce runs above wrote 15,000 records of 100 B.
    const r = await gregorCli(['perf', 'consume', '--topic', 'metrics', '--messages', '15000', '-b', boot, '--print-metrics'], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^start\.time, end\.time/);
    expect(lines[2]).toBe('');
    expect(lines[3]).toMatch(/^Metric Name +Value$/);
    const rows = lines.slice(4).filter((l) => l !== '');
    const value = (name: string) => Number(new RegExp(`^[a-z-]+:${name}:\\{client-id=perf-consumer-client\\} +: (\\d+\\.\\d{3})$`, 'm').exec(rows.join('\n'))?.[1]);
    expect(value('records-consumed-total')).toBe(15000);
    expect(value('bytes-consumed-total')).toBe(1_500_000);
    expect(value('rebalance-latency-max')).toBeGreaterThanOrEqual(0);
    expect(rows.map((l) => l.split(' ')[0])).toEqual([...rows.map((l) => l.split(' ')[0])].sort());
  });
});
