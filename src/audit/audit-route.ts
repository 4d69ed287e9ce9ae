/**
 * `GET /audit/report.json` on the gateway's HTTP port: the audit collector's rows
 * (AuditCollector.report, src/audit/collector.ts) as JSON, `{"bucketMs", "graceMs", "rows": [...]}`.
 * Query: `topic` (one topic), `sinceMs` (buckets ending after this time, ms since the epoch).
 * Access as `GET /metrics` (metrics/metrics-endpoint.ts checkMetricsAccess: a bearer JWT whose
 * principal may DESCRIBE the cluster when the gateway authenticates). 404 while the audit is
 * off (`gregor.audit.enable=false`), 400 for a bad `sinceMs`.
 */
import type uWS from 'uWebSockets.js';
import { type MetricsAccess, type MetricsReply, checkMetricsAccess } from '../metrics/metrics-endpoint.js';
import type { AuditService } from './audit-service.js';

/** Answers one request; never rejects. */
export async function answerAuditReport(audit: AuditService | null, access: Pick<MetricsAccess, 'authorizer' | 'bearer'>, query: string, authorization: string, remote: string): Promise<MetricsReply> {
  const refused = await checkMetricsAccess(access, authorization, remote);
  if (refused) return refused;
  const json = (status: number, reason: string, body: unknown): MetricsReply => ({ status, reason, contentType: 'application/json', headers: [], body: JSON.stringify(body) });
  if (!audit) return json(404, 'Not Found', { error: 'the audit is off (gregor.audit.enable=false)' });
  const params = new URLSearchParams(query);
  const topic = params.get('topic') ?? undefined;
  const since = params.get('sinceMs');
  const sinceMs = since === null ? undefined : Number(since);
  if (sinceMs !== undefined && !Number.isFinite(sinceMs)) return json(400, 'Bad Request', { error: `sinceMs must be a number of ms, got ${since}` });
  try {
    const rows = await audit.report({ topic, sinceMs });
    return json(200, 'OK', { bucketMs: audit.collector.options.bucketMs, graceMs: audit.collector.options.graceMs, rows });
  } catch (err) {
    return json(500, 'Internal Server Error', { error: (err as Error).message });
  }
}

/** Registers the route on the gateway's uWS app. */
export function registerAuditRoute(app: uWS.TemplatedApp, audit: () => AuditService | null, access: Pick<MetricsAccess, 'authorizer' | 'bearer'>, send: (res: uWS.HttpResponse, status: string, contentType: string, body: string, headers?: Array<[string, string]>) => void): void {
  app.get('/audit/report.json', (res, req) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    void answerAuditReport(audit(), access, req.getQuery() ?? '', req.getHeader('authorization'), remote).then((reply) => {
      if (!aborted) send(res, `${reply.status} ${reply.reason}`, reply.contentType, reply.body, reply.headers);
    });
  });
}
