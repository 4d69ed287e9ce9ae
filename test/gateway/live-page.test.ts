/// <reference lib="dom.iterable" />
/// <reference lib="dom" />
/**
 * The live page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it loads from the gateway, lists topics, subscribes through the client library's browser
 * bundle, and shows records that kcat produces during the test; the browser's client also
 * produces (its record batches encoded in the browser by the WASM core), read back by kcat.
 * A screenshot is kept in dist/test-artifacts/live-page.png.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The page's globals, as seen from callbacks that run in the browser (no DOM lib in this project). */
type PageGlobals = { document: { querySelectorAll(selector: string): { length: number } }; gregorClient: any; crossOriginIsolated: boolean };
const TOPIC = 'browser-tail';

describe('live page in headless Chromium', () => {
  let t: TestBroker;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-browser.mjs')], { stdio: 'inherit' });
    t = await startTestBroker();
    t.broker.logs.createTopic(TOPIC, 2);
    t.broker.logs.createTopic('other-topic', 1);
    // A fresh profile per run: playwright passes it to Chromium as --user-data-dir.
    profile = mkdtempSync(join(tmpdir(), 'gregor-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await t?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('lists topics, tails a topic and shows records kcat produces', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${t.broker.websocketPort}/?topic=${TOPIC}`);
    await page.waitForSelector('body[data-state="tailing"]', { timeout: 20_000 });
    await expect(page.locator('#topics li a').allTextContents()).resolves.toEqual(['browser-tail', 'other-topic']);
    expect(await page.locator('#status').textContent()).toContain(`tailing ${TOPIC}`);
    expect(await page.locator('#status').textContent()).toContain('encoder: wasm');

    const lines = Array.from({ length: 12 }, (_, i) => `user-${i}\thello from kcat #${i}`).join('\n') + '\n';
    const produced = await kcat(['-P', '-b', t.bootstrap, '-t', TOPIC, '-K', '\t', '-H', 'via=kcat', '-X', 'partitioner=murmur2_random'], Buffer.from(lines));
    expect(produced.code, produced.stderr).toBe(0);

    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('#records tr').length === 12, undefined, { timeout: 20_000 });
    const rows = await page.locator('#records tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const values = rows.map((cells) => cells[4]).sort();
    expect(values).toEqual(Array.from({ length: 12 }, (_, i) => `hello from kcat #${i}`).sort());
    for (const cells of rows) {
      const i = Number(cells[4]!.split('#')[1]);
      expect(cells[3]).toBe(`user-${i}`);
      expect(cells[5]).toBe('via=kcat');
      expect(['0', '1']).toContain(cells[0]);
    }
    expect(await page.locator('#count').textContent()).toBe('12 records received');
    mkdirSync(join(ROOT, 'dist', 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'dist', 'test-artifacts', 'live-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the browser's client produces record batches encoded in the browser, read back by kcat", async () => {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${t.broker.websocketPort}/`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    const result = await page.evaluate(async () => {
      const browser = globalThis as unknown as PageGlobals;
      const client = browser.gregorClient;
      const producer = client.producer({ lingerMs: 1 });
      const metas = await producer.send({ topic: 'other-topic', messages: [{ key: 'from-browser', value: 'encoded in Chromium', headers: { agent: 'chromium' }, timestamp: 1767225600000 }] });
      await producer.close();
      return { encoder: client.encoderKind, crossOriginIsolated: browser.crossOriginIsolated, offset: metas[0].offset };
    });
    expect(result).toEqual({ encoder: 'wasm', crossOriginIsolated: true, offset: 0 });
    const consumed = await kcat(['-C', '-b', t.bootstrap, '-t', 'other-topic', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
    expect(parseConsumed(consumed.stdout).map((r) => [r.key!.toString(), r.value!.toString(), r.headers, r.timestamp])).toEqual([
      ['from-browser', 'encoded in Chromium', 'agent=chromium', 1767225600000],
    ]);
    await page.close();
  });
});
