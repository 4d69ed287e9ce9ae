/**
 * Load and back-pressure against a broker in its own process (the real CLI):
 *   - 2,000 concurrent WebSocket connections, each a client-library consumer subscribed to
 *     one partition, all receive every record of a burst, in order;
 *   - meanwhile a client that never reads (its TCP socket paused) and granted a huge credit
 *     on a 128 MiB topic is paused by the gateway, then disconnected after
 *     `gregor.websocket.slow.client.timeout.ms`; the 2,000 others are served regardless;
 *   - the broker's resident memory stays under a fixed bound throughout (sampled from
 *     /proc every 50 ms): the stalled client costs about `pause.bytes`, not the topic.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type GregorClient, connect } from '../../src/client/node.js';
import { createFrameCodec } from '../../src/gateway/protocol.js';
import { spawnBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SUBSCRIBERS = 2000;
const BURST = 1000;
const FIREHOSE_BYTES = 128 * 1024 * 1024;
const SLOW_TIMEOUT_MS = 4000;
/**
 * Bound on the broker's RSS (bytes) over the whole test: below its size after setup plus the
 * firehose, so buffering the firehose for the stalled client would break it.
 */
const RSS_BOUND = 200 * 1024 * 1024;

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('WebSocket gateway under load', () => {
  const dir = makeTempDir();
  let broker: BrokerProcess;
  let wsPort: number;
  let peakRss = 0;
  let sampler: NodeJS.Timeout;
  const clients: GregorClient[] = [];

  beforeAll(async () => {
    broker = await spawnBroker([
      '--port', '0', '--log-dirs', dir.path,
      '--override', 'gregor.websocket.host=127.0.0.1',
      '--override', 'gregor.websocket.pause.bytes=1048576',
      '--override', `gregor.websocket.slow.client.timeout.ms=${SLOW_TIMEOUT_MS}`,
    ]);
    wsPort = Number(/"websocketPort":(\d+)/.exec(broker.output())![1]);
    sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(broker.child.pid!))), 50);
  });
  afterAll(async () => {
    clearInterval(sampler);
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker?.stop();
    dir.remove();
  });

  it(`${SUBSCRIBERS} subscribers get a whole burst while a client that never reads is paused, then disconnected; RSS stays bounded`, async () => {
    const admin = await connect(`ws://127.0.0.1:${wsPort}`);
    clients.push(admin);
    await admin.createTopic('burst', { partitions: 1 });
    await admin.createTopic('firehose', { partitions: 1 });
    const producer = admin.producer({ batchSize: 1024 * 1024, lingerMs: 1 });
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    for (let sent = 0; sent < FIREHOSE_BYTES; sent += 16 * chunk.byteLength) {
      await producer.send({ topic: 'firehose', messages: Array.from({ length: 16 }, () => ({ value: chunk })) });
    }
    const rssAfterSetup = rssOf(broker.child.pid!);

    // The client that never reads: subscribes with a huge credit, then stops reading its socket.
    const codec = createFrameCodec();
    const stalled = new WebSocket(`ws://127.0.0.1:${wsPort}/`, { perMessageDeflate: false });
    await new Promise((resolve) => stalled.once('message', resolve)); // hello
    stalled.send(codec.pack({ op: 'subscribe', id: 1, topic: 'firehose', partition: 0, offset: -2, credit: 2 ** 40 }));
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
    await until('the gateway to pause the stalled client', async () => (await metric(wsPort, 'gregor_websocket_paused_total')) >= 1, 20_000);

    // 2,000 consumers on their own connections.
    const counts = new Int32Array(SUBSCRIBERS);
    const inOrder = new Uint8Array(SUBSCRIBERS).fill(1);
    for (let i = 0; i < SUBSCRIBERS; i += 100) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, async (_, j) => {
          const n = i + j;
          const client = await connect(`ws://127.0.0.1:${wsPort}`, { reconnect: false });
          const consumer = client.consumer({ checkCrcs: false });
          await consumer.assign([{ topic: 'burst', partition: 0, offset: 0 }]);
          consumer.run({
            eachRecord: (r) => {
              if (r.offset !== counts[n]) inOrder[n] = 0;
              counts[n]!++;
            },
          });
          return client;
        }),
      );
      clients.push(...opened);
    }
    // Every subscriber and the admin client, plus the stalled client unless its slow-client
    // timeout already ran out while 2,000 connections opened (a loaded machine takes longer).
    // Both gauges read between two equal readings of the disconnect counter (else once more).
    let open = 0;
    let stalledGone = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await metric(wsPort, 'gregor_websocket_slow_client_disconnects_total');
      open = await metric(wsPort, 'gregor_websocket_connections');
      if ((await metric(wsPort, 'gregor_websocket_slow_client_disconnects_total')) !== before) continue;
      stalledGone = before >= 1 ? 1 : 0;
      break;
    }
    expect(open).toBe(SUBSCRIBERS + 2 - stalledGone);

    const value = new Uint8Array(100).fill(0x62);
    await producer.send({ topic: 'burst', messages: Array.from({ length: BURST }, (_, i) => ({ key: String(i), value })) });
    await until('every subscriber to get the whole burst', () => counts.every((c) => c === BURST), 90_000);
    expect(inOrder.every((ok) => ok === 1)).toBe(true);

    await until('the stalled client to be disconnected', async () => (await metric(wsPort, 'gregor_websocket_slow_client_disconnects_total')) >= 1, SLOW_TIMEOUT_MS + 20_000);
    expect(await metric(wsPort, 'gregor_websocket_connections')).toBe(SUBSCRIBERS + 1);
    stalled.terminate();

    // A pushed chunk of every subscription was answered with credit: nobody is owed anything.
    expect(await metric(wsPort, 'gregor_websocket_subscriptions')).toBe(SUBSCRIBERS);
    console.log(`broker RSS: after setup ${(rssAfterSetup / 2 ** 20).toFixed(0)} MiB, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB (bound ${RSS_BOUND / 2 ** 20} MiB)`);
    expect(peakRss).toBeGreaterThan(0);
    expect(peakRss).toBeLessThan(RSS_BOUND);
  }, 240_000);
});
