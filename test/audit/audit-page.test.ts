/**
 * The `/audit` page (src/audit/audit-page.ts) in headless Chromium, against a real broker
 * process: records in two buckets sent acks=0 through test/helpers/dropping-proxy.ts, which
 * swallows 3 of the 20 Produce requests (all in the older bucket); the page shows that bucket's
 * missing count, highlighted in the table and shaded in the chart, and the other bucket with
 * nothing missing and no highlight; latency per tier is listed. No scripts run on the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBrowser, launchChromium } from '../helpers/chromium.js';
import { type DroppingProxy, startDroppingProxy } from '../helpers/dropping-proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { BUCKET_MS, createTopic, producerTier, produceFrame, reportWhen, spawnAuditedBroker } from './audit-helpers.js';

const TOPIC = 'audited-page';
const PER_REQUEST = 10;
/** Requests (1-based) the proxy swallows: all in the even-numbered (older) bucket. */
const DROPPED = new Set([3, 9, 15]);

describe('the /audit page', () => {
  const dir = makeTempDir();
  let broker: Awaited<ReturnType<typeof spawnAuditedBroker>>;
  let proxy: DroppingProxy;
  let browser: TestBrowser;
  let older: number;
  let newer: number;

  beforeAll(async () => {
    broker = await spawnAuditedBroker(dir.path);
    await createTopic(broker.port, TOPIC);
    proxy = await startDroppingProxy(broker.port, (n) => DROPPED.has(n), { drop: 'requests' });
    newer = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS - BUCKET_MS;
    older = newer - BUCKET_MS;
    const producer = producerTier(() => broker.port);
    const client = await RawClient.connect(proxy.port);
    for (let i = 0; i < 20; i++) {
      const timestamp = (i % 2 === 0 ? older : newer) + 1_000 + i;
      for (let r = 0; r < PER_REQUEST; r++) producer.count(TOPIC, timestamp, 20);
      client.sendRaw(produceFrame(client, TOPIC, PER_REQUEST, timestamp));
    }
    await producer.close();
    await reportWhen(broker.httpPort, TOPIC, (rs) => rs.reduce((n, r) => n + (r.broker?.records ?? 0), 0) >= 170 && rs.every((r) => r.producer));
    client.close();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await broker?.stop();
    dir.remove();
  });

  it('shows the missing records of the bucket that lost them, highlighted, in the table and the chart', async () => {
    expect(proxy.dropped).toBe(3);
    const page = await browser.context.newPage();
    const scripts: string[] = [];
    page.on('request', (r) => scripts.push(r.url()));
    const res = await page.goto(`http://127.0.0.1:${broker.httpPort}/audit?topic=${TOPIC}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toContain('text/html');
    const section = page.locator(`section[data-topic="${TOPIC}"]`);
    await expect(section.locator('h2').textContent()).resolves.toBe(TOPIC);

    const lossCell = section.locator(`tr[data-bucket="${older}"] td.missing`);
    expect(await lossCell.textContent()).toBe(String(DROPPED.size * PER_REQUEST));
    expect(await lossCell.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(244, 180, 180)');
    const fine = section.locator(`tr[data-bucket="${newer}"] td.missing`);
    expect(await fine.textContent()).toBe('0');
    expect(await fine.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgba(0, 0, 0, 0)');

    // the chart: the losing bucket shaded with its count, bars per tier scaled to the records
    expect(await section.locator(`svg rect.loss[data-bucket="${older}"]`).count()).toBe(1);
    expect(await section.locator(`svg rect.loss[data-bucket="${newer}"]`).count()).toBe(0);
    expect(await section.locator('svg text.loss-label').textContent()).toBe(`missing ${DROPPED.size * PER_REQUEST}`);
    const height = (tier: string, bucket: number) => section.locator(`svg rect.bar[data-tier="${tier}"][data-bucket="${bucket}"]`).evaluate((el) => Number(el.getAttribute('height')));
    expect(await height('producer', older)).toBe(await height('producer', newer));
    expect(await height('broker', older)).toBeLessThan(await height('producer', older));
    expect(await height('broker', newer)).toBe(await height('producer', newer));

    // latency per tier: p50 / p99 in ms for the producer and broker tiers
    const latencies = await section.locator(`tr[data-bucket="${older}"] td.latency`).allTextContents();
    expect(latencies.slice(0, 2).every((t) => /^\d+ \/ \d+$/.test(t))).toBe(true);
    expect(scripts).toEqual([`http://127.0.0.1:${broker.httpPort}/audit?topic=${TOPIC}`]);
    await page.close();
  }, 30_000);

  it('answers 400 for a bad sinceMs, as the JSON route', async () => {
    const res = await fetch(`http://127.0.0.1:${broker.httpPort}/audit?sinceMs=soon`);
    expect(res.status).toBe(400);
  });
});
