/**
 * The idempotent producer with real clients through a proxy that loses Produce responses
 * (the broker appended the batch; the client never heard, cuts over and retries):
 *   - KafkaJS 2.2.4 `idempotent: true`: every record exactly once, in order; the same run
 *     without idempotence duplicates records (the proxy really causes retries);
 *   - kcat (librdkafka 2.0.2) `enable.idempotence=true`: exactly once, in order;
 *   - across a kill -9 of the broker process at the moment a response is lost: the retry
 *     reaches the restarted broker, which recognises it (state replayed from the log).
 */
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { type DroppingProxy, startDroppingProxy } from '../helpers/dropping-proxy.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const RETRY = { retries: 1000, initialRetryTime: 30, maxRetryTime: 300 };

/** Values of partition 0 of `topic`, read back with kcat straight from the broker. */
async function readBack(bootstrap: string, topic: string): Promise<string[]> {
  const r = await kcat(['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 60_000);
  expect(r.code).toBe(0);
  return parseConsumed(r.stdout).map((rec) => rec.value!.toString());
}

async function sendOneByOne(kafka: Kafka, topic: string, values: string[], idempotent: boolean): Promise<void> {
  const producer = kafka.producer({ idempotent, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, retry: RETRY });
  await producer.connect();
  try {
    for (const value of values) await producer.send({ topic, acks: -1, messages: [{ partition: 0, value }] });
  } finally {
    await producer.disconnect();
  }
}

describe('idempotent producers through a response-dropping proxy', () => {
  let proxy: DroppingProxy | null = null;
  let t: TestBroker | null = null;
  afterEach(async () => {
    await proxy?.close();
    await t?.stop();
    proxy = null;
    t = null;
  });

  async function setup(shouldDrop: (n: number) => boolean): Promise<{ kafka: Kafka; broker: TestBroker; proxy: DroppingProxy }> {
    proxy = await startDroppingProxy(0, shouldDrop);
    t = await startTestBroker({ properties: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
    proxy.target = t.broker.port;
    const kafka = new Kafka({ clientId: 'idem', brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, retry: RETRY, requestTimeout: 5000 });
    return { kafka, broker: t, proxy };
  }

  const values = Array.from({ length: 150 }, (_, i) => `m-${i}`);

  it('KafkaJS idempotent: every record exactly once, in order, although responses were lost', async () => {
    const s = await setup((n) => n % 7 === 3);
    s.broker.broker.logs.createTopic('kjs-idem', 1);
    await sendOneByOne(s.kafka, 'kjs-idem', values, true);
    expect(s.proxy.dropped).toBeGreaterThan(15);
    expect(await readBack(s.broker.bootstrap, 'kjs-idem')).toEqual(values);
  });

  it('control: the same losses without idempotence write duplicates', async () => {
    const s = await setup((n) => n % 7 === 3);
    s.broker.broker.logs.createTopic('kjs-plain', 1);
    await sendOneByOne(s.kafka, 'kjs-plain', values, false);
    const got = await readBack(s.broker.bootstrap, 'kjs-plain');
    expect(got.length).toBe(values.length + s.proxy.dropped);
    expect(new Set(got)).toEqual(new Set(values));
  });

  it('kcat enable.idempotence=true: every record exactly once, in order', async () => {
    const s = await setup((n) => n % 5 === 2);
    s.broker.broker.logs.createTopic('kcat-idem', 1);
    const lines = Array.from({ length: 1000 }, (_, i) => `k-${i}`);
    const r = await kcat(
      ['-P', '-b', `localhost:${s.proxy.port},127.0.0.1:${s.proxy.port}`, '-t', 'kcat-idem', '-p', '0', '-X', 'enable.idempotence=true', '-X', 'linger.ms=1', '-X', 'batch.num.messages=50', '-X', 'retry.backoff.ms=20', '-X', 'reconnect.backoff.ms=10', '-X', 'reconnect.backoff.max.ms=50'],
      Buffer.from(`${lines.join('\n')}\n`),
      120_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(s.proxy.dropped).toBeGreaterThan(3);
    expect(await readBack(s.broker.bootstrap, 'kcat-idem')).toEqual(lines);
  });
});

describe('idempotence across a kill -9 of the broker', () => {
  const dir = makeTempDir();
  let proc: BrokerProcess | null = null;
  let proxy: DroppingProxy | null = null;
  afterEach(async () => {
    await proxy?.close();
    await proc?.stop('SIGKILL');
    dir.remove();
  });

  it('a retry after the broker was killed and restarted is recognised as a duplicate', async () => {
    const start = async () => {
      proc = await spawnBroker(['--port', '0', '--log-dirs', dir.path, '--override', `advertised.listeners=PLAINTEXT://127.0.0.1:${proxy!.port}`, '--override', 'log.segment.bytes=2048']);
      proxy!.target = proc.port;
    };
    let restart: Promise<void> | null = null;
    proxy = await startDroppingProxy(0, (n) => {
      // The 40th produce response is lost and the broker dies right after appending it.
      if (n !== 40) return false;
      restart = (async () => {
        await proc!.stop('SIGKILL');
        await start();
      })();
      return true;
    });
    await start();
    const kafka = new Kafka({ clientId: 'idem-crash', brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, retry: RETRY, requestTimeout: 5000 });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'crash-idem', numPartitions: 1 }] });
    await admin.disconnect();
    const sent = Array.from({ length: 80 }, (_, i) => `c-${i}-${'z'.repeat(100)}`);
    await sendOneByOne(kafka, 'crash-idem', sent, true);
    expect(restart).not.toBeNull();
    await restart;
    expect(proc!.output()).toContain('broker started');
    expect(await readBack(`127.0.0.1:${proc!.port}`, 'crash-idem')).toEqual(sent);
  });
});
