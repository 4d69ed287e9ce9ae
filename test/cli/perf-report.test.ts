/**
 * `gregor perf produce --report out.html` (the real CLI against a real broker process): the
 * page is self-contained (no script, no external URL) and renders in headless Chromium with
 * both charts drawn — the throughput series and the HDR percentile curve each have a path of
 * non-zero length and one point per second / per percentile step. `perf consume --report`
 * draws its throughput chart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { type TestBrowser, launchChromium } from '../helpers/chromium.js';
import { gregorCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Drawn {
  points: number;
  pathLength: number;
  width: number;
  height: number;
}

describe('gregor perf --report (Chromium)', () => {
  const dir = makeTempDir('gregor-perf-report-');
  let broker: BrokerProcess;
  let browser: TestBrowser;
  let bootstrap: string;

  beforeAll(async () => {
    [broker, browser] = await Promise.all([spawnBroker(['--port', '0', '--ws-port', '-1', '--log-dirs', join(dir.path, 'logs'), '-o', 'group.initial.rebalance.delay.ms=0']), launchChromium()]);
    bootstrap = `127.0.0.1:${broker.port}`;
    const r = await gregorCli(['topics', 'create', 'report', '-p', '2', '-b', bootstrap]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await broker?.stop();
    dir.remove();
  });

  async function drawn(file: string, chart: string): Promise<Drawn> {
    const page = await browser.context.newPage();
    try {
      await page.goto(pathToFileURL(file).href);
      return await page.evaluate((id) => {
        const svg = document.getElementById(id) as unknown as SVGSVGElement | null;
        if (!svg) return { points: 0, pathLength: 0, width: 0, height: 0 };
        const path = svg.querySelector('path.series') as SVGPathElement | null;
        const box = svg.getBoundingClientRect();
        return { points: svg.querySelectorAll('circle.point').length, pathLength: path ? path.getTotalLength() : 0, width: box.width, height: box.height };
      }, chart);
    } finally {
      await page.close();
    }
  }

  it('produce: throughput over time and the latency percentile curve are both drawn', async () => {
    const out = join(dir.path, 'produce.html');
    const r = await gregorCli(['perf', 'produce', '--topic', 'report', '--num-records', '30000', '--record-size', '100', '--throughput', '10000', '-b', bootstrap, '--report', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const throughput = await drawn(out, 'throughput-chart');
    expect(throughput.points).toBeGreaterThanOrEqual(3); // ~3 s at 10,000 records/s, one point a second
    expect(throughput.pathLength).toBeGreaterThan(0);
    expect(throughput.width).toBeGreaterThan(0);
    const latency = await drawn(out, 'latency-chart');
    expect(latency.points).toBeGreaterThan(10); // 10 steps a decade up to 1 − 1/30,000, then the max
    expect(latency.pathLength).toBeGreaterThan(0);
    expect(latency.height).toBeGreaterThan(0);
  }, 60_000);

  it('consume: the records-read chart is drawn', async () => {
    const out = join(dir.path, 'consume.html');
    const r = await gregorCli(['perf', 'consume', '--topic', 'report', '--messages', '30000', '-b', bootstrap, '--report', out]);
    expect(r.code, r.stderr).toBe(0);
    const throughput = await drawn(out, 'throughput-chart');
    expect(throughput.points).toBeGreaterThan(0);
    expect(throughput.pathLength).toBeGreaterThan(0);
    expect(await drawn(out, 'latency-chart')).toMatchObject({ points: 0 });
  }, 60_000);
});
