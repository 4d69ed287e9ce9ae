/**
 * `--report out.html`: one self-contained page (no script, no CDN, no external file) with
 * two inline SVG charts and the summary table:
 *
 * - `#throughput-chart`: records/s per second of the run (acknowledgements for produce,
 *   records read for consume), a polyline with one point per second (the last, partial
 *   second as a rate over the time it covered; left out when under MIN_BUCKET_MS).
 * - `#latency-chart` (produce only): the latency distribution as HDR's percentile curve,
 *   x = percentile on the usual 1/(1 − p) log scale (0 %, 90 %, 99 %, 99.9 %, …), y = ms.
 *
 * Each series is a `<path class="series">` plus one `<circle class="point">` per point, so a
 * browser (and the test in test/cli/perf-report.test.ts) can count what was drawn.
 */
import type { ConsumePerfResult } from './consume-runner.js';
import type { ProducePerfResult } from './produce-runner.js';
import type { SeriesPoint } from './produce-stats.js';

interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  points: Array<[number, number]>;
  xTicks: Array<{ value: number; label: string }>;
}

const W = 760;
const H = 320;
const M = { left: 70, right: 44, top: 36, bottom: 46 };
/** Buckets shorter than this (the run's last, partial second) are left out of the chart: too short for a rate. */
const MIN_BUCKET_MS = 250;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A "nice" upper bound (1, 2 or 5 × 10^k) at or above `v`. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const k = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * k >= v) return m * k;
  return 10 * k;
}

function fmt(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(2)}k`;
  return `${+v.toFixed(2)}`;
}

function lineChart(c: ChartSpec): string {
  const xMin = Math.min(...c.xTicks.map((t) => t.value), ...c.points.map((p) => p[0]));
  const xMax = Math.max(...c.xTicks.map((t) => t.value), ...c.points.map((p) => p[0]), xMin + 1);
  const yMax = niceMax(Math.max(0, ...c.points.map((p) => p[1])));
  const px = (x: number) => M.left + ((x - xMin) / (xMax - xMin)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(`<svg id="${c.id}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(c.title)}">`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" class="title">${escapeHtml(c.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  for (const t of c.xTicks) parts.push(`<text x="${px(t.value).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${escapeHtml(c.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(c.yLabel)}</text>`);
  if (c.points.length > 0) {
    const d = c.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path class="series" d="${d}"/>`);
    for (const p of c.points) parts.push(`<circle class="point" cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="2.5"><title>${fmt(p[1])}</title></circle>`);
  } else {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function throughputChart(series: readonly SeriesPoint[], what: string): string {
  const last = series.length;
  const step = Math.max(1, Math.ceil(last / 10));
  const xTicks = [];
  for (let s = 0; s <= last; s += step) xTicks.push({ value: s, label: `${s}s` });
  return lineChart({
    id: 'throughput-chart',
    title: `Throughput over time (${what} per second)`,
    xLabel: 'seconds since start',
    yLabel: 'records/s',
    // A step per one-second bucket, from its start to its end: a run shorter than a second still draws a line.
    points: series.filter((p) => p.ms >= MIN_BUCKET_MS).flatMap((p): Array<[number, number]> => [
      [p.second, (1000 * p.records) / p.ms],
      [p.second + p.ms / 1000, (1000 * p.records) / p.ms],
    ]),
    xTicks,
  });
}

function latencyChart(points: Array<{ percentile: number; latencyMs: number }>): string {
  // x = log10(1 / (1 − p)); the maximum (p = 100) is drawn one step past the last percentile.
  const xs = points.map((p) => (p.percentile >= 100 ? Number.NaN : Math.log10(100 / (100 - p.percentile))));
  const lastFinite = Math.max(0, ...xs.filter((x) => Number.isFinite(x)));
  const coords: Array<[number, number]> = points.map((p, i) => [Number.isFinite(xs[i]!) ? xs[i]! : lastFinite + 0.1, p.latencyMs]);
  const decades = Math.max(1, Math.ceil(lastFinite + 0.1));
  const labels = ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%', '99.9999%', '99.99999%'];
  const xTicks = Array.from({ length: decades + 1 }, (_, k) => ({ value: k, label: labels[k] ?? `${k} nines` }));
  return lineChart({ id: 'latency-chart', title: 'Latency by percentile (HDR histogram, send → ack)', xLabel: 'percentile', yLabel: 'latency (ms)', points: coords, xTicks });
}

function row(name: string, value: string): string {
  return `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`;
}

/** The page for a produce or consume result. */
export function renderReport(result: ProducePerfResult | ConsumePerfResult): string {
  const title = `gregor perf ${result.kind} — ${result.topic} @ ${result.bootstrap}`;
  let table: string;
  let charts: string;
  if (result.kind === 'produce') {
    const s = result.summary;
    table = [
      row('started', result.startedAt),
      row('records sent', String(s.records)),
      row('records/sec', s.recordsPerSec.toFixed(1)),
      row('MB/sec', s.mbPerSec.toFixed(2)),
      row('target throughput', result.throughput < 0 ? 'unthrottled' : `${result.throughput} records/s`),
      row('latency avg / max (ms)', `${s.latencyAvgMs.toFixed(2)} / ${s.latencyMaxMs.toFixed(2)}`),
      row('latency p50 / p95 / p99 / p99.9 (ms)', [s.p50Ms, s.p95Ms, s.p99Ms, s.p999Ms].map((v) => v.toFixed(2)).join(' / ')),
      row('failed records', String(s.errors)),
    ].join('\n');
    charts = `${throughputChart(result.series, 'acknowledged records')}\n${latencyChart(result.percentiles)}`;
  } else {
    const s = result.summary;
    table = [
      row('started', result.startedAt),
      row('group', result.group),
      row('records read', String(s.records)),
      row('records/sec', s.recordsPerSec.toFixed(1)),
      row('MB/sec', s.mbPerSec.toFixed(4)),
      row('rebalance.time.ms', String(Math.round(s.rebalanceMs))),
      row('fetch.time.ms', String(Math.round(s.fetchMs))),
    ].join('\n');
    charts = throughputChart(result.series, 'records read');
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin-bottom: 16px; }
th, td { text-align: left; padding: 3px 12px 3px 0; }
svg { display: block; margin: 12px 0; background: #fff; }
svg text { font: 11px system-ui, sans-serif; fill: #444; }
svg text.title { font-size: 13px; fill: #222; }
.grid { stroke: #e4e4e4; }
.axis { stroke: #888; }
.series { fill: none; stroke: #1f6feb; stroke-width: 2; }
.point { fill: #1f6feb; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<table>
${table}
</table>
${charts}
</body>
</html>
`;
}
