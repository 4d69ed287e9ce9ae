/**
 * Plain HTTP on the gateway's uWebSockets.js app:
 *   GET /                  the live page (live-page.ts)
 *   GET /gregor-client.js  the client library's browser bundle (dist/browser/, `npm run build`)
 *   GET /gregor-core.wasm  the WASM core, for the bundle's record-batch encoder
 *   GET /health            200 `{"status":"ok", ...}` (JSON) while the broker is ready; 503
 *                          `{"status":"starting"|"joining"|"catching-up"|"stopping", "notInSync": [...]}`
 *                          until it has joined the cluster and is in the ISR of every partition
 *                          it follows, and while it stops (cluster/readiness.ts; a Kubernetes
 *                          readinessProbe)
 *   GET /metrics           Prometheus text (prom-client), see metrics/broker-metrics.ts; access
 *                          and answer as metrics/metrics-endpoint.ts
 *   GET /audit/report.json the audit collector's rows (src/audit/audit-route.ts), access as /metrics
 *   /topics…, /brokers     the REST proxy (src/rest/rest-proxy.ts) unless `gregor.rest.enable=false`
 *   anything else          404
 * Every response closes its connection (no idle keep-alive sockets at shutdown). The page
 * is sent cross-origin isolated (COOP/COEP), so browsers allow the shared WebAssembly
 * memory the encoder uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type uWS from 'uWebSockets.js';
import type { BrokerServices } from '../broker-services.js';
import { resolveWasmPath } from '../engine/wasm.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { type MetricsAccess, answerMetrics } from '../metrics/metrics-endpoint.js';
import type { GatewayAuthenticator } from './gateway-authenticator.js';
import { LIVE_PAGE_HTML } from './live-page.js';
import { ConsumerRegistry } from '../rest/consumers/consumer-registry.js';
import { registerRestProxy } from '../rest/rest-proxy.js';
import { PartitionRouter } from '../rest/partition-router.js';
import { loopbackPlatform, loopbackUrl } from '../rest/consumers/loopback-platform.js';
import { registerAuditRoute } from '../audit/audit-route.js';
import { registerAuditPage } from '../audit/audit-page.js';

export interface HttpSources {
  broker: BrokerServices;
  metrics: BrokerMetrics;
  gateway: { sessions: ReadonlySet<unknown>; readonly port: number; options: { authenticator: GatewayAuthenticator | null; tlsKeystorePath: string | null } };
}

const ISOLATION_HEADERS: Array<[string, string]> = [
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Embedder-Policy', 'require-corp'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

/** Path of the browser bundle, from src/gateway (vitest) or dist/src/gateway (built). */
export function browserBundlePath(): string | null {
  const candidates = [new URL('../../dist/browser/gregor-client.js', import.meta.url), new URL('../../browser/gregor-client.js', import.meta.url)].map((u) =>
    fileURLToPath(u),
  );
  return candidates.find((p) => existsSync(p)) ?? null;
}

function send(res: uWS.HttpResponse, status: string, contentType: string, body: string | Uint8Array, headers: Array<[string, string]> = []): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', contentType).writeHeader('Cache-Control', 'no-store');
    for (const [k, v] of headers) res.writeHeader(k, v);
    res.end(body, true);
  });
}

/** A file read once, on first request. */
function fileAsset(locate: () => string | null): () => Uint8Array | null {
  let cached: Uint8Array | null = null;
  return () => {
    if (cached) return cached;
    const path = locate();
    if (!path) return null;
    cached = readFileSync(path);
    return cached;
  };
}

/** Registers the routes; close() ends what they keep open (REST consumer instances) before the gateway stops. */
export function registerHttpRoutes(app: uWS.TemplatedApp, sources: HttpSources): { close(): Promise<void> } {
  const started = Date.now();
  const bundle = fileAsset(browserBundlePath);
  const wasm = fileAsset(() => {
    try {
      return resolveWasmPath();
    } catch {
      return null;
    }
  });

  app.get('/', (res) => send(res, '200 OK', 'text/html; charset=utf-8', LIVE_PAGE_HTML, ISOLATION_HEADERS));
  app.get('/gregor-client.js', (res) => {
    const body = bundle();
    if (body) send(res, '200 OK', 'text/javascript; charset=utf-8', body, ISOLATION_HEADERS);
    else send(res, '404 Not Found', 'text/plain', 'the browser bundle is missing: run `npm run build`\n');
  });
  app.get('/gregor-core.wasm', (res) => {
    const body = wasm();
    if (body) send(res, '200 OK', 'application/wasm', body, ISOLATION_HEADERS);
    else send(res, '404 Not Found', 'text/plain', 'gregor-core.wasm is missing: run `npm run build`\n');
  });
  app.get('/health', (res) => {
    const { broker } = sources;
    const readiness = broker.readiness();
    const body = JSON.stringify({
      status: readiness.ready ? 'ok' : readiness.state,
      ...(readiness.notInSync.length > 0 ? { notInSync: readiness.notInSync } : {}),
      nodeId: broker.config.nodeId,
      clusterId: broker.clusterId,
      topics: broker.logs.allTopics().length,
      websocketConnections: sources.gateway.sessions.size,
      kafkaConnections: broker.kafkaConnectionCount,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    });
    send(res, readiness.ready ? '200 OK' : '503 Service Unavailable', 'application/json', body);
  });
  // The same answer as the broker's own metrics port (metrics/metrics-endpoint.ts).
  const access: MetricsAccess = { metrics: sources.metrics, authorizer: () => sources.broker.authorizer, bearer: sources.gateway.options.authenticator };
  app.get('/metrics', (res, req) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    void answerMetrics(access, req.getHeader('authorization'), remote).then((reply) => {
      if (!aborted) send(res, `${reply.status} ${reply.reason}`, reply.contentType, reply.body, reply.headers);
    });
  });
  registerAuditRoute(app, () => sources.broker.audit ?? null, access, send);
  registerAuditPage(app, () => sources.broker.audit ?? null, access, send);
  let consumerInstances: ConsumerRegistry | null = null;
  let router: PartitionRouter | null = null;
  if (sources.broker.config.restEnable) {
    const config = sources.broker.config;
    consumerInstances = new ConsumerRegistry(config.restConsumerInstanceTimeoutMs);
    router = new PartitionRouter(sources.broker);
    const gateway = sources.gateway;
    registerRestProxy(app, {
      broker: sources.broker,
      authenticator: gateway.options.authenticator,
      logger: sources.broker.logger,
      maxRequestBytes: config.restMaxRequestBytes,
      consumers: {
        registry: consumerInstances,
        // Consumer instances are clients of this gateway on loopback (wss:// pinned to its own certificate when it serves TLS).
        gatewayUrl: () => (gateway.port > 0 ? loopbackUrl(gateway.port, gateway.options.tlsKeystorePath) : null),
        platform: () => loopbackPlatform(gateway.options.tlsKeystorePath),
        maxRequestBytes: config.restMaxRequestBytes,
      },
      router,
    });
  }
  app.any('/*', (res) => send(res, '404 Not Found', 'text/plain', 'not found\n'));
  return { close: async () => Promise.all([consumerInstances?.close(), router?.close()]).then(() => {}) };
}
