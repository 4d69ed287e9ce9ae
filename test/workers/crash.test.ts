/**
 * Crash safety of the append worker pool, with real producers in their own processes: a
 * worker thread that ends (process.exit in the thread) or throws in the middle of a task is
 * replaced, its partitions are reloaded from disk, the produce requests it held are answered
 * NOT_LEADER_OR_FOLLOWER (retriable), and the producers' retries land: every record a
 * producer had acknowledged is read back (kcat). A KafkaJS request spans partitions of both
 * workers and KafkaJS resends all of it when some partitions fail, so a plain producer may
 * write the others twice (at least once, as against Kafka); the idempotent producer's
 * retries are deduplicated by the broker: exactly once.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { kcat } from '../helpers/kcat.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { waitFor } from '../helpers/wait.js';

const PRODUCER = fileURLToPath(new URL('../fixtures/kafkajs-producer.mjs', import.meta.url));

/** Every value in a topic, from the beginning to the end (kcat -C -e). */
async function readValues(bootstrap: string, topic: string): Promise<string[]> {
  const res = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
  expect(res.code).toBe(0);
  return res.stdout.toString('utf8').split('\n').filter((l) => l.length > 0);
}

describe('append workers that die or throw under load', () => {
  let t: TestBroker | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  it.each(['idempotent', 'plain'])('KafkaJS %s producer (acks=-1): retried sends land, the slots are replaced, everything acknowledged is read back', async (mode) => {
    t = await startTestBroker({ workers: 2, engine: 'wasm', websocketPort: -1 });
    t.broker.logs.createTopic('crash', 4);
    const pool = t.broker.appendPool!;
    const threadsBefore = pool.threadIds();
    const total = 20_000;
    // KafkaJS numbers an idempotent producer's batches per send(): concurrent send() calls
    // retried after an error get sequence numbers out of order (as against Kafka), so one lane.
    const lanes = mode === 'idempotent' ? '1' : '4';
    const child = spawn(process.execPath, [PRODUCER, t.bootstrap, 'crash', String(total), '100', lanes, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Set<number>();
    let failed = 0;
    let done = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as { event: string; first: number; count: number };
      if (e.event === 'acked') for (let i = 0; i < e.count; i++) acked.add(e.first + i);
      if (e.event === 'failed') failed += e.count;
      if (e.event === 'done') done = true;
    });
    try {
      await waitFor(() => acked.size >= 3_000, 30_000, 'the first acknowledgements');
      pool.injectFault(0, 'exit');
      await waitFor(() => pool.stats().replacements >= 1, 30_000, 'slot 0 replaced');
      await waitFor(() => acked.size >= 8_000, 30_000, 'acknowledgements after the first crash');
      pool.injectFault(1, 'throw');
      await waitFor(() => pool.stats().replacements >= 2, 30_000, 'slot 1 replaced');
      await waitFor(() => done, 60_000, 'the producer to finish');
    } finally {
      child.kill();
    }
    const stats = pool.stats();
    expect(stats.failedInFlight).toBeGreaterThan(0); // requests were in flight on the failed workers
    expect(failed).toBe(0); // ... and KafkaJS retried every one of them
    expect(acked.size).toBe(total);
    const threadsAfter = pool.threadIds();
    expect(threadsAfter[0]).not.toBe(threadsBefore[0]);
    expect(threadsAfter[1]).not.toBe(threadsBefore[1]);

    const values = await readValues(t.bootstrap, 'crash');
    const distinct = new Set(values);
    for (const i of acked) expect(distinct.has(`m-${i}`)).toBe(true); // nothing acknowledged is lost
    expect(distinct.size).toBe(total);
    if (mode === 'idempotent') expect(values.length).toBe(total); // ... and nothing is written twice
  });

  it('kcat producer (librdkafka, acks=1): a task that throws and a thread that exits at the first hand-off; every record lands once', async () => {
    t = await startTestBroker({ workers: 2, engine: 'js', websocketPort: -1 });
    t.broker.logs.createTopic('crash2', 2);
    const pool = t.broker.appendPool!;
    pool.injectFault(0, 'throw');
    pool.injectFault(1, 'exit');
    const total = 100_000;
    const lines: string[] = [];
    for (let i = 0; i < total; i++) lines.push(`k${i}\tv-${i}`);
    const produced = await kcat(['-P', '-b', t.bootstrap, '-t', 'crash2', '-K', '\t', '-X', 'acks=1', '-X', 'linger.ms=2'], Buffer.from(lines.join('\n') + '\n'));
    expect(produced.code).toBe(0);
    expect(pool.stats().replacements).toBe(2);
    expect(pool.stats().failedInFlight).toBeGreaterThan(0);
    const values = await readValues(t.bootstrap, 'crash2');
    expect(values.length).toBe(total);
    expect(new Set(values).size).toBe(total);
  });
});
