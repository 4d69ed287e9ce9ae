/**
 * Cross-site WebSocket hijacking: the gateway refuses upgrades from foreign origins with 403
 * (`gregor.websocket.allowed.origins`; default: its own origin and localhost pages), admits
 * clients that send no Origin (not browsers), and keeps serving. A real headless Chromium page
 * from another origin cannot open the socket; the same page script works from an allowed one.
 */
import { createServer, type Server } from 'node:http';
import type { BrowserContext } from 'playwright-core';
import { type TestBrowser, launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';

/** Opens a WebSocket with these headers; resolves to 'open' or the HTTP status of the refusal. */
function tryUpgrade(port: number, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? -1));
    ws.on('error', (err) => reject(err));
  });
}

describe('WebSocket origin policy', () => {
  describe('default: the gateway\'s own origin and localhost pages', () => {
    let t: TestBroker;
    beforeAll(async () => {
      t = await startTestBroker();
    });
    afterAll(() => t.stop());

    it('admits no Origin, the own origin and localhost origins; refuses others with 403', async () => {
      const port = t.broker.websocketPort;
      expect(await tryUpgrade(port, {})).toBe('open');
      expect(await tryUpgrade(port, { Origin: `http://127.0.0.1:${port}` })).toBe('open');
      expect(await tryUpgrade(port, { Origin: 'http://localhost:5173' })).toBe('open');
      expect(await tryUpgrade(port, { Origin: 'http://[::1]:8080' })).toBe('open');
      expect(await tryUpgrade(port, { Origin: 'https://evil.example' })).toBe(403);
      expect(await tryUpgrade(port, { Origin: 'http://localhost.evil.example' })).toBe(403);
      expect(await tryUpgrade(port, { Origin: 'null' })).toBe(403);
      // DNS rebinding: a foreign name that resolves to us claims to be "own origin".
      expect(await tryUpgrade(port, { Origin: `http://rebind.evil.example:${port}`, Host: `rebind.evil.example:${port}` })).toBe(403);
      // Still serving.
      expect(await tryUpgrade(port, {})).toBe('open');
    });
  });

  describe('configured origins, and a real browser', () => {
    let t: TestBroker;
    let pages: Server;
    let pagesPort: number;
    let browser: TestBrowser;
    let context: BrowserContext;

    beforeAll(async () => {
      t = await startTestBroker({ properties: { 'gregor.websocket.allowed.origins': 'https://app.example.test, http://127.0.0.1:1' } });
      // A page on another origin whose script opens the gateway's WebSocket.
      pages = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><script>
          window.result = new Promise((resolve) => {
            const ws = new WebSocket('ws://127.0.0.1:${t.broker.websocketPort}/');
            ws.onopen = () => resolve('open');
            ws.onerror = () => resolve('refused');
          });
        </script>`);
      });
      await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
      pagesPort = (pages.address() as { port: number }).port;
      browser = await launchChromium();
      context = browser.context;
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      pages?.close();
      await t?.stop();
      });

    it('admits exactly the listed origins (and its own), not localhost ones', async () => {
      const port = t.broker.websocketPort;
      expect(await tryUpgrade(port, { Origin: 'https://app.example.test' })).toBe('open');
      expect(await tryUpgrade(port, { Origin: 'https://app.example.test:443' })).toBe('open');
      expect(await tryUpgrade(port, { Origin: `http://127.0.0.1:${port}` })).toBe('open');
      expect(await tryUpgrade(port, { Origin: 'http://localhost:5173' })).toBe(403);
      expect(await tryUpgrade(port, { Origin: 'https://other.example.test' })).toBe(403);
    });

    it('a page from a foreign origin cannot open the socket in Chromium; the live page can', async () => {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${pagesPort}/`);
      expect(await page.evaluate('window.result')).toBe('refused');
      // The gateway's own page (same origin) connects.
      await page.goto(`http://127.0.0.1:${t.broker.websocketPort}/`);
      expect(await page.evaluate(`new Promise((resolve) => { const ws = new WebSocket('ws://127.0.0.1:${t.broker.websocketPort}/'); ws.onopen = () => resolve('open'); ws.onerror = () => resolve('refused'); })`)).toBe('open');
      await page.close();
    });
  });
});
