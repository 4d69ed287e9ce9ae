/**
 * Reads by partition and offset over the REST proxy: records written by kcat (keys, values,
 * headers) come back with their headers and timestamps in the binary, string and json
 * embedded formats; and as Server-Sent Events in Chromium's EventSource, which — after the
 * test cuts its TCP connection twice through a loopback proxy — resumes from Last-Event-ID
 * with neither gaps nor duplicates while records keep arriving.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBrowser, launchChromium } from '../helpers/chromium.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { kcat } from '../helpers/kcat.js';
import { waitForAsync } from '../helpers/wait.js';

/** A TCP proxy on loopback that can cut every connection through it. */
async function cuttingProxy(target: number): Promise<{ port: number; cut(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('REST proxy: reads by offset, and Server-Sent Events', () => {
  let t: TestBroker;
  let base: string;
  let browser: TestBrowser | null = null;

  beforeAll(async () => {
    t = await startTestBroker();
    base = `http://127.0.0.1:${t.broker.websocketPort}`;
    t.broker.logs.createTopic('events', 1);
    const lines = Array.from({ length: 5 }, (_, i) => `k${i}|{"n":${i}}`).join('\n') + '\n';
    const res = await kcat(['-b', t.bootstrap, '-P', '-t', 'events', '-p', '0', '-K', '|', '-H', 'origin=kcat'], Buffer.from(lines));
    expect(res.code).toBe(0);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('GET …/records in each embedded format, with headers and timestamps; …/messages and count', async () => {
    const get = async (path: string, accept: string) => {
      const res = await fetch(base + path, { headers: { Accept: accept } });
      return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Array<Record<string, unknown>> };
    };
    const binary = await get('/topics/events/partitions/0/records?offset=1&count=2', 'application/vnd.kafka.binary.v2+json');
    expect(binary.status).toBe(200);
    expect(binary.type).toBe('application/vnd.kafka.binary.v2+json');
    expect(binary.body.map((r) => [r['offset'], Buffer.from(r['key'] as string, 'base64').toString(), Buffer.from(r['value'] as string, 'base64').toString()])).toEqual([
      [1, 'k1', '{"n":1}'],
      [2, 'k2', '{"n":2}'],
    ]);
    expect(binary.body[0]!['headers']).toEqual([{ name: 'origin', value: Buffer.from('kcat').toString('base64') }]);
    expect(typeof binary.body[0]!['timestamp']).toBe('number');
    // kcat's keys are not JSON: the json format refuses to read them; records with JSON keys read fine.
    expect(await get('/topics/events/partitions/0/messages?offset=3', 'application/vnd.kafka.json.v2+json')).toMatchObject({ status: 500, body: { error_code: 50002 } });
    t.broker.logs.createTopic('json', 1);
    const posted = await fetch(base + '/topics/json', { method: 'POST', headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' }, body: JSON.stringify({ records: [{ key: { id: 1 }, value: { n: 3 } }, { key: null, value: [4] }] }) });
    expect(posted.status).toBe(200);
    const json = await get('/topics/json/partitions/0/messages?offset=0', 'application/vnd.kafka.json.v2+json');
    expect(json.body.map((r) => [r['key'], r['value']])).toEqual([[{ id: 1 }, { n: 3 }], [null, [4]]]);
    const string = await get('/topics/events/partitions/0/records?offset=beginning&format=string', 'application/json');
    expect(string.body.map((r) => r['key'])).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(string.body[4]).toMatchObject({ topic: 'events', partition: 0, offset: 4, value: '{"n":4}' });
    const beyond = await fetch(base + '/topics/events/partitions/0/records?offset=99');
    expect(beyond.status).toBe(500);
    expect(await beyond.json()).toMatchObject({ error_code: 50002, message: expect.stringContaining('OFFSET_OUT_OF_RANGE') });
  });

  it('EventSource in Chromium resumes after dropped connections without gaps or duplicates', async () => {
    const proxy = await cuttingProxy(t.broker.websocketPort);
    try {
      browser = await launchChromium();
      const page = await browser.context.newPage();
      // The gateway's own page gives the EventSource a same-origin URL (no CORS involved).
      await page.goto(`http://127.0.0.1:${proxy.port}/`);
      await page.evaluate(() => {
        const w = window as unknown as { got: number[]; opens: number };
        w.got = [];
        w.opens = 0;
        const source = new EventSource('/topics/events/partitions/0/records?offset=beginning&format=string');
        source.onopen = () => w.opens++;
        source.addEventListener('record', (e) => w.got.push(JSON.parse((e as MessageEvent).data).offset));
      });
      const got = () => page.evaluate(() => (window as unknown as { got: number[] }).got);
      const produce = async (from: number, n: number) => {
        const lines = Array.from({ length: n }, (_, i) => `k${from + i}|{"n":${from + i}}`).join('\n') + '\n';
        expect((await kcat(['-b', t.bootstrap, '-P', '-t', 'events', '-p', '0', '-K', '|'], Buffer.from(lines))).code).toBe(0);
      };
      await waitForAsync(async () => (await got()).length === 5, 15_000, 'the first five records');
      for (const [round, from] of [[1, 5], [2, 25]] as const) {
        expect(proxy.cut()).toBeGreaterThan(0);
        await produce(from, 20);
        await waitForAsync(async () => (await got()).length === from + 20, 20_000, `records after cut ${round}`);
      }
      const offsets = await got();
      expect(offsets).toEqual(Array.from({ length: 45 }, (_, i) => i));
      expect(await page.evaluate(() => (window as unknown as { opens: number }).opens)).toBeGreaterThanOrEqual(3);
    } finally {
      proxy.cut();
      await proxy.close();
    }
  }, 60_000);
});
