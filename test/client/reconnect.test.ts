/**
 * Reconnection: the broker stops and starts again on the same ports and log directory; a
 * producer's sends made during the outage are retried (NETWORK_EXCEPTION is retriable) and
 * land once; a consumer resubscribes at its position and misses nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker.js';
import { connect, utf8 } from '../../src/client/node.js';
import { createLogger } from '../../src/logger.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('client reconnection', () => {
  const dir = makeTempDir();
  let broker: Broker | null = null;
  afterAll(async () => {
    await broker?.stop();
    dir.remove();
  });

  it('producer retries across a broker restart; the consumer resubscribes at its position', async () => {
    const start = (port: number, websocketPort: number) =>
      Broker.start({ port, host: '127.0.0.1', websocketPort, logDirs: dir.path, logger: createLogger('silent') });
    broker = await start(0, 0);
    const { port, websocketPort } = broker;
    const client = await connect(`ws://127.0.0.1:${websocketPort}`, { reconnect: { retries: 50, backoffMs: 50, maxBackoffMs: 200 } });
    await client.createTopic('resilient', { partitions: 1 });
    const producer = client.producer({ lingerMs: 0, retryBackoffMs: 50 });
    const consumer = client.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign([{ topic: 'resilient', partition: 0 }]);
    const seen: string[] = [];
    let wake = () => {};
    consumer.run({ eachRecord: (r) => { seen.push(utf8(r.value)!); wake(); } });
    const waitFor = (n: number) => new Promise<void>((resolve) => { wake = () => seen.length >= n && resolve(); wake(); });

    await producer.send({ topic: 'resilient', messages: [{ value: 'before-1' }, { value: 'before-2' }] });
    await waitFor(2);
    let disconnected = 0;
    client.disconnected.add(() => disconnected++);
    await broker.stop();
    const during = producer.send({ topic: 'resilient', messages: [{ value: 'during' }] });
    await new Promise((r) => setTimeout(r, 300));
    broker = await start(port, websocketPort);
    const [meta] = await during;
    expect(meta!.offset).toBe(2);
    await producer.send({ topic: 'resilient', messages: [{ value: 'after' }] });
    await waitFor(4);
    expect(seen).toEqual(['before-1', 'before-2', 'during', 'after']);
    expect(disconnected).toBe(1);
    expect(broker.logs.partition('resilient', 0)!.logEndOffset).toBe(4);
    await client.close();
  });
});
