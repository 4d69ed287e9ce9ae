/**
 * `GET /audit` on the gateway's HTTP port: the audit collector's report (the rows of
 * `GET /audit/report.json`, audit-route.ts) as one self-contained HTML page, rendered on the
 * server — no scripts, inline SVG only, refreshed every 10 s by a meta refresh. Per topic: a
 * bar chart of records per tier per bucket (producer, broker, replica, one bar per consumer
 * group) with buckets that lost records (missing > 0) shaded red and consumer lag marked
 * orange, then a table per bucket with the counts, missing, duplicated, lag and latency
 * p50/p99 (ms) per tier. Same query (`topic`, `sinceMs`), access and status codes as the
 * JSON route (401/403 as /metrics, 404 while the audit is off, 400 for a bad `sinceMs`).
 */
import type uWS from 'uWebSockets.js';
import type { MetricsAccess } from '../metrics/metrics-endpoint.js';
import { answerAuditReport } from './audit-route.js';
import type { AuditService } from './audit-service.js';
import type { AuditRow, TierCounts } from './collector.js';

const COLOURS: Record<string, string> = { producer: '#4e79a7', broker: '#59a14f', replica: '#76b7b2' };
const CONSUMER_COLOURS = ['#b07aa1', '#9c755f', '#edc948', '#bab0ac'];

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The series of one topic: fixed tiers, then one per consumer group. */
function tiersOf(rows: AuditRow[]): Array<{ name: string; colour: string; pick: (r: AuditRow) => TierCounts | null }> {
  const groups = [...new Set(rows.flatMap((r) => Object.keys(r.consumers)))].sort();
  return [
    ...(['producer', 'broker', 'replica'] as const).map((t) => ({ name: t, colour: COLOURS[t], pick: (r: AuditRow) => r[t] })),
    ...groups.map((g, i) => ({ name: `consumer:${g}`, colour: CONSUMER_COLOURS[i % CONSUMER_COLOURS.length], pick: (r: AuditRow) => r.consumers[g] ?? null })),
  ];
}

const lagOf = (r: AuditRow) => Object.values(r.lag).reduce((a, b) => Math.max(a, b), 0);

/** Records per tier per bucket as grouped bars; loss and lag marked. */
function chart(topic: string, rows: AuditRow[]): string {
  const tiers = tiersOf(rows);
  const max = Math.max(1, ...rows.flatMap((r) => tiers.map((t) => t.pick(r)?.records ?? 0)));
  const bar = 14;
  const groupWidth = tiers.length * bar + 24;
  const height = 180;
  const top = 28;
  const width = 60 + rows.length * groupWidth;
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const x0 = 50 + i * groupWidth;
    const bucket = `data-bucket="${r.bucketStartMs}"`;
    if ((r.missing ?? 0) > 0) parts.push(`<rect class="loss" ${bucket} x="${x0 - 4}" y="${top - 22}" width="${groupWidth - 16}" height="${height + 22}" fill="#f8d0d0"><title>${r.missing} missing</title></rect><text class="loss-label" x="${x0}" y="${top - 8}" fill="#c00" font-size="11">missing ${r.missing}</text>`);
    else if (lagOf(r) > 0) parts.push(`<rect class="lag" ${bucket} x="${x0 - 4}" y="${top - 22}" width="${groupWidth - 16}" height="${height + 22}" fill="#fde6c8"><title>lag ${lagOf(r)}</title></rect><text class="lag-label" x="${x0}" y="${top - 8}" fill="#c60" font-size="11">lag ${lagOf(r)}</text>`);
    tiers.forEach((t, j) => {
      const records = t.pick(r)?.records ?? 0;
      const h = Math.round((records / max) * height);
      parts.push(`<rect class="bar" ${bucket} data-tier="${escape(t.name)}" x="${x0 + j * bar}" y="${top + height - h}" width="${bar - 2}" height="${h}" fill="${t.colour}"><title>${escape(t.name)}: ${records}</title></rect>`);
    });
    parts.push(`<text x="${x0}" y="${top + height + 14}" font-size="10">${new Date(r.bucketStartMs).toISOString().slice(11, 16)}</text>`);
  });
  const legend = tiers.map((t, j) => `<rect x="${50 + j * 110}" y="${top + height + 24}" width="10" height="10" fill="${t.colour}"/><text x="${64 + j * 110}" y="${top + height + 33}" font-size="11">${escape(t.name)}</text>`).join('');
  return `<svg class="chart" data-topic="${escape(topic)}" xmlns="http://www.w3.org/2000/svg" width="${Math.max(width, 60 + tiers.length * 110)}" height="${top + height + 44}" role="img" aria-label="records per tier per bucket for ${escape(topic)}"><text x="4" y="${top + 8}" font-size="10">${max}</text><text x="4" y="${top + height}" font-size="10">0</text><line x1="46" y1="${top + height}" x2="${width}" y2="${top + height}" stroke="#999"/>${parts.join('')}${legend}</svg>`;
}

function cell(value: string, cls = ''): string {
  return `<td${cls ? ` class="${cls}"` : ''}>${escape(value)}</td>`;
}

/** One table row per bucket: counts, missing, duplicated, lag, latency p50/p99 per tier. */
function rowsTable(rows: AuditRow[]): string {
  const tiers = tiersOf(rows);
  const head = ['bucket', ...tiers.map((t) => t.name), 'missing', 'duplicated', 'lag', ...tiers.map((t) => `${t.name} p50/p99 ms`)];
  const body = rows.map((r) => {
    const lag = Object.entries(r.lag).map(([g, n]) => `${g}: ${n}`).join(', ');
    const latency = (c: TierCounts | null) => (c?.latencyMs.count ? `${c.latencyMs.p50} / ${c.latencyMs.p99}` : '-');
    return `<tr data-bucket="${r.bucketStartMs}">${cell(`${new Date(r.bucketStartMs).toISOString()}${r.complete ? '' : ' (open)'}`)}${tiers.map((t) => cell(String(t.pick(r)?.records ?? '-'), 'records')).join('')}${cell(r.missing === null ? '-' : String(r.missing), (r.missing ?? 0) > 0 ? 'missing loss' : 'missing')}${cell(r.duplicated === null ? '-' : String(r.duplicated), (r.duplicated ?? 0) > 0 ? 'duplicated dup' : 'duplicated')}${cell(lag || '-', lagOf(r) > 0 ? 'lag lagging' : 'lag')}${tiers.map((t) => cell(latency(t.pick(r)), 'latency')).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

/** The whole page for the report's rows (any topics, any order). */
export function renderAuditPage(report: { bucketMs: number; graceMs: number; rows: AuditRow[] }): string {
  const topics = new Map<string, AuditRow[]>();
  for (const r of [...report.rows].sort((a, b) => a.bucketStartMs - b.bucketStartMs)) topics.set(r.topic, [...(topics.get(r.topic) ?? []), r]);
  const sections = [...topics.keys()].sort().map((topic) => {
    const rows = topics.get(topic)!;
    return `<section data-topic="${escape(topic)}"><h2>${escape(topic)}</h2>${chart(topic, rows)}${rowsTable(rows)}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10"><title>Gregor audit</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 2em;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
td.loss{background:#f4b4b4;color:#900;font-weight:bold}
td.dup{background:#f1e0a8}
td.lagging{background:#fbd5a5;color:#840;font-weight:bold}
</style></head><body>
<h1>End-to-end audit</h1>
<p>Buckets of ${report.bucketMs} ms of record time, grace ${report.graceMs} ms. Missing = producer &minus; broker, duplicated = broker &minus; producer, lag = broker &minus; consumer group. Refreshes every 10 s.</p>
${sections.length > 0 ? sections.join('\n') : '<p class="empty">No audit counts yet.</p>'}
</body></html>
`;
}

/** Registers `GET /audit` on the gateway's uWS app. */
export function registerAuditPage(app: uWS.TemplatedApp, audit: () => AuditService | null, access: Pick<MetricsAccess, 'authorizer' | 'bearer'>, send: (res: uWS.HttpResponse, status: string, contentType: string, body: string, headers?: Array<[string, string]>) => void): void {
  app.get('/audit', (res, req) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    void answerAuditReport(audit(), access, req.getQuery() ?? '', req.getHeader('authorization'), remote).then((reply) => {
      if (aborted) return;
      if (reply.status !== 200) send(res, `${reply.status} ${reply.reason}`, reply.contentType, reply.body, reply.headers);
      else send(res, '200 OK', 'text/html; charset=utf-8', renderAuditPage(JSON.parse(reply.body)), [['Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'"]]);
    });
  });
}
