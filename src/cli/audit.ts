/**
 * `gregor audit report`: the end-to-end audit's completeness per topic × bucket (issue 15,
 * docs/audit.md), read from the broker's `GET /audit/report.json` on the gateway's HTTP port:
 *
 *   gregor audit report --topic orders --since 2h -b broker1:9092
 *   gregor audit report --http https://broker1:9093 --bearer-token "$JWT" --command-config ssl.properties
 *
 * One table per bucket: a row per tier (producer, broker, replica, consumer per group) with
 * records, bytes and latency p50/p99 (ms); missing and duplicated on the broker row, lag on
 * each consumer row. The gateway address is `--http`, else the host of `--bootstrap-server`
 * on the gateway's default port 9093. Access as /metrics: `--bearer-token` (a JWT whose
 * principal may DESCRIBE the cluster) when the gateway authenticates; for an https gateway the
 * truststore of `--command-config` (ssl.truststore.location …) verifies it.
 */
import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { type Command, InvalidArgumentError } from 'commander';
import type { AuditRow, TierCounts } from '../audit/collector.js';
import { readPropertiesFile } from '../config/broker-config.js';
import { clientTlsOptions } from '../security/tls-options.js';
import { adminOptions } from './admin-client.js';

/** The gateway's default port (gregor.websocket.port). */
const GATEWAY_PORT = 9093;
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

interface ReportOptions {
  bootstrapServer: string;
  commandConfig?: string;
  http?: string;
  bearerToken?: string;
  topic?: string;
  since?: number;
}

/** `2h`, `30m`, `90s`, `500ms`, `1d` → ms; anything else is an InvalidArgumentError. */
export function parseDuration(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a duration: a whole number followed by ms, s, m, h or d (e.g. 2h, 30m)`);
  return Number(m[1]) * UNITS[m[2]];
}

/** The gateway's base URL: `--http` (`host:port` or an http(s) URL), else the bootstrap host on port 9093. */
export function gatewayUrl(httpOption: string | undefined, bootstrapServer: string): URL {
  if (httpOption) return new URL(/^https?:\/\//.test(httpOption) ? httpOption : `http://${httpOption}`);
  const first = bootstrapServer.split(',')[0].trim();
  const host = first.startsWith('[') ? first.slice(0, first.indexOf(']') + 1) : first.replace(/:\d+$/, '');
  return new URL(`http://${host}:${GATEWAY_PORT}`);
}

/** GETs `url`; resolves the status and body (any status). */
function get(url: URL, headers: Record<string, string>, tls: ConnectionOptions | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = { headers, timeout: 10_000, ...(url.protocol === 'https:' && tls ? tls : {}) } as https.RequestOptions;
    const req = (url.protocol === 'https:' ? https : http).get(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within 10 s`)));
    req.on('error', reject);
  });
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

/** The report as text: one table per bucket, oldest first. */
export function formatAuditReport(rows: AuditRow[]): string {
  if (rows.length === 0) return 'No audit counts for the selected topics and time.';
  const buckets = new Map<number, AuditRow[]>();
  for (const r of [...rows].sort((a, b) => a.bucketStartMs - b.bucketStartMs || a.topic.localeCompare(b.topic))) {
    const list = buckets.get(r.bucketStartMs) ?? [];
    list.push(r);
    buckets.set(r.bucketStartMs, list);
  }
  const out: string[] = [];
  for (const [start, list] of buckets) {
    const end = list[0].bucketEndMs;
    out.push(`Bucket ${new Date(start).toISOString()} - ${new Date(end).toISOString()}${list.every((r) => r.complete) ? ' (complete)' : ' (open)'}`);
    const lines: string[][] = [['TOPIC', 'TIER', 'RECORDS', 'BYTES', 'LATENCY-P50-MS', 'LATENCY-P99-MS', 'MISSING', 'DUPLICATED', 'LAG']];
    for (const r of list) {
      const line = (tier: string, c: TierCounts | null, extra: [string, string, string] = ['', '', '']) =>
        lines.push([r.topic, tier, c ? String(c.records) : '-', c ? String(c.bytes) : '-', c?.latencyMs.count ? String(c.latencyMs.p50) : '-', c?.latencyMs.count ? String(c.latencyMs.p99) : '-', ...extra]);
      line('producer', r.producer);
      line('broker', r.broker, [r.missing === null ? '-' : String(r.missing), r.duplicated === null ? '-' : String(r.duplicated), '']);
      line('replica', r.replica);
      for (const group of Object.keys(r.consumers).sort()) line(`consumer:${group}`, r.consumers[group], ['', '', String(r.lag[group] ?? '-')]);
    }
    out.push(table(lines), '');
  }
  return out.join('\n').trimEnd();
}

/** Adds the `audit` command to the `gregor` program. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the end-to-end audit (gregor.audit.enable=true): completeness per topic and bucket');
  adminOptions(
    audit
      .command('report')
      .description('counts per tier per bucket, with missing, duplicated, lag and latency, from GET /audit/report.json')
      .option('--topic <topic>', 'one topic only')
      .option('--since <duration>', 'buckets ending within this long ago (e.g. 2h, 30m, 90s)', parseDuration)
      .option('--http <[http(s)://]host:port>', `the broker's gateway HTTP address (default: the --bootstrap-server host, port ${GATEWAY_PORT})`)
      .option('--bearer-token <jwt>', 'a JWT for a gateway with gregor.websocket.authentication=jwt (its principal needs DESCRIBE on the cluster)'),
  ).action(async (opts: ReportOptions) => {
    try {
      const url = new URL('/audit/report.json', gatewayUrl(opts.http, opts.bootstrapServer));
      if (opts.topic) url.searchParams.set('topic', opts.topic);
      if (opts.since !== undefined) url.searchParams.set('sinceMs', String(Date.now() - opts.since));
      const tls = opts.commandConfig ? clientTlsOptions(readPropertiesFile(opts.commandConfig), 'CLIENT') : null;
      const { status, body } = await get(url, opts.bearerToken ? { authorization: `Bearer ${opts.bearerToken}` } : {}, tls);
      if (status !== 200) {
        let message = body.trim();
        try {
          message = (JSON.parse(body) as { error?: string }).error ?? message;
        } catch {
          // plain text (401/403)
        }
        throw new Error(`${url.origin}${url.pathname}: ${status} ${message}`);
      }
      process.stdout.write(`${formatAuditReport((JSON.parse(body) as { rows: AuditRow[] }).rows)}\n`);
    } catch (err) {
      process.stderr.write(`gregor: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });
}
