/**
 * `GET /metrics`, whatever serves it (the gateway's uWS app, gateway/http.ts, or the broker's
 * own metrics port, metrics-server.ts): one access rule and one rendering.
 *
 * Access: without an authenticator (`gregor.websocket.authentication=none`) the endpoint is
 * open. With one, the request needs `Authorization: Bearer <JWT>` (verified like the gateway's
 * OAUTHBEARER tokens) whose principal may DESCRIBE the CLUSTER resource when an authorizer is
 * configured: 401 (with `WWW-Authenticate: Bearer`) for a missing or invalid token, 403 for a
 * principal without that ACL. Body: the registry's Prometheus text (exposition format 0.0.4),
 * or 500 with the error when a collector fails.
 */
import { anonymousSession } from '../security/auth-session.js';
import { AclOperation, type Authorizer, CLUSTER_RESOURCE } from '../security/authorizer.js';
import type { KafkaPrincipal } from '../security/principal.js';
import type { BrokerMetrics } from './broker-metrics.js';

export interface MetricsAccess {
  metrics: BrokerMetrics;
  /** The broker's authorizer at the time of the request (allow-all when none is configured). */
  authorizer(): Authorizer;
  /** Verifies a bearer `Authorization` header (rejects when invalid); null: the endpoint is open. */
  bearer: { bearerPrincipal(authorization: string): Promise<KafkaPrincipal> } | null;
}

/** An HTTP answer: status code and reason, content type, further headers, body. */
export interface MetricsReply {
  status: number;
  reason: string;
  contentType: string;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * Answers one `GET /metrics` with the `Authorization` header `authorization` ('' when absent)
 * from the client at `remoteAddress`. Never rejects.
 */
export async function answerMetrics(access: MetricsAccess, authorization: string, remoteAddress: string): Promise<MetricsReply> {
  const refused = await checkMetricsAccess(access, authorization, remoteAddress);
  if (refused) return refused;
  try {
    const { contentType, body } = await access.metrics.render();
    return { status: 200, reason: 'OK', contentType, headers: [], body };
  } catch (err) {
    return { status: 500, reason: 'Internal Server Error', contentType: 'text/plain', headers: [], body: `metrics failed: ${(err as Error).message}\n` };
  }
}

/**
 * The access rule above, for /metrics and the other read-only operational endpoints (the
 * audit's report, src/audit/audit-route.ts): null when allowed, else the 401/403 reply.
 */
export async function checkMetricsAccess(access: Pick<MetricsAccess, 'authorizer' | 'bearer'>, authorization: string, remoteAddress: string): Promise<MetricsReply | null> {
  if (!access.bearer) return null;
  let principal: KafkaPrincipal;
  try {
    principal = await access.bearer.bearerPrincipal(authorization);
  } catch {
    return refusal(401, 'Unauthorized');
  }
  const authorizer = access.authorizer();
  const session = { ...anonymousSession('WEBSOCKET', 'PLAINTEXT', remoteAddress), principal };
  if (authorizer.enabled && !authorizer.authorize(session, AclOperation.DESCRIBE, CLUSTER_RESOURCE)) return refusal(403, 'Forbidden');
  return null;
}

function refusal(status: number, reason: string): MetricsReply {
  return { status, reason, contentType: 'text/plain', headers: [['WWW-Authenticate', 'Bearer']], body: `${status} ${reason}\n` };
}
