/**
 * Restart through the real CLI process: after SIGTERM (graceful) and after kill -9 (the
 * page cache survives process death), every acknowledged record is there and new offsets
 * continue from the old log end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const TOPIC = 'restart-topic';

async function produce(port: number, from: number, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `k${from + i}\tv${from + i}`).join('\n') + '\n';
  const { code, stderr } = await kcat(['-P', '-b', `127.0.0.1:${port}`, '-t', TOPIC, '-p', '0', '-K', '\t', '-X', 'acks=all'], Buffer.from(lines));
  expect(stderr).not.toMatch(/ERROR|Failed/i);
  expect(code).toBe(0);
}

async function consumeAll(port: number): Promise<string[]> {
  const { code, stdout } = await kcat(['-C', '-b', `127.0.0.1:${port}`, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
  expect(code).toBe(0);
  return parseConsumed(stdout).map((r) => `${r.offset}:${r.key}:${r.value}`);
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('restart after %s', (signal) => {
  const dir = makeTempDir();
  let broker: BrokerProcess | null = null;
  afterEach(async () => {
    await broker?.stop('SIGKILL');
    dir.remove();
  });

  it('keeps every acknowledged record and continues offsets from the old log end', async () => {
    const args = ['--port', '0', '--log-dirs', dir.path, '--override', 'listeners=PLAINTEXT://127.0.0.1:0'];
    broker = await spawnBroker(args);
    await produce(broker.port, 0, 5_000);
    const exit = await broker.stop(signal);
    expect(exit).toBe(signal === 'SIGTERM' ? 0 : 'SIGKILL');

    broker = await spawnBroker(args);
    expect(await consumeAll(broker.port)).toEqual(Array.from({ length: 5_000 }, (_, i) => `${i}:k${i}:v${i}`));
    await produce(broker.port, 5_000, 1_000);
    const all = await consumeAll(broker.port);
    expect(all).toHaveLength(6_000);
    expect(all[5_000]).toBe('5000:k5000:v5000');
    expect(all[5_999]).toBe('5999:k5999:v5999');
  });
});
