/**
 * The rack init container (deploy/k8s/gregor-statefulset.yaml): reads the zone of the node the
 * pod runs on — its `topology.kubernetes.io/zone` label, which the downward API cannot expose —
 * from the Kubernetes API with the pod's ServiceAccount, and writes it to a file that
 * `GREGOR_RACK_FILE` hands to the broker as `broker.rack`.
 *
 *   node dist/src/deploy/node-zone.js /etc/gregor/rack/zone     (NODE_NAME from spec.nodeName)
 *
 * Exit 1 with one line when the node has no zone label, the API refuses, or NODE_NAME is unset.
 * Source: Kubernetes docs, "Accessing the Kubernetes API from a Pod" (in-cluster config:
 * KUBERNETES_SERVICE_HOST/PORT, the ServiceAccount token and CA), well-known label
 * topology.kubernetes.io/zone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { pathToFileURL } from 'node:url';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ApiServer {
  /** host:port or [v6]:port of the API server. */
  host: string;
  port: number;
  /** Bearer token of the ServiceAccount. */
  token: string;
  /** PEM CA certificate(s) the API server's certificate chains to. */
  ca: string;
}

/** The API server as a pod sees it (in-cluster). Errors: Error naming what is missing. */
export function inClusterApiServer(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): ApiServer {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = Number(env['KUBERNETES_SERVICE_PORT'] ?? 443);
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is unset: not running in a pod');
  return { host, port, token: readFileSync(`${dir}/token`, 'utf8').trim(), ca: readFileSync(`${dir}/ca.crt`, 'utf8') };
}

/**
 * The zone label of node `nodeName` (GET /api/v1/nodes/<name>, 10 s bound). Errors: Error for
 * a non-200 answer (naming the status), a node without the label, a network or TLS failure.
 */
export function nodeZone(api: ApiServer, nodeName: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: api.host, port: api.port, path: `/api/v1/nodes/${encodeURIComponent(nodeName)}`, ca: api.ca, headers: { authorization: `Bearer ${api.token}`, accept: 'application/json' }, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET /api/v1/nodes/${nodeName}: HTTP ${res.statusCode} ${body.slice(0, 200).replace(/\s+/g, ' ')}`));
          const zone = (JSON.parse(body) as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.[ZONE_LABEL];
          if (!zone) return reject(new Error(`node ${nodeName} has no ${ZONE_LABEL} label`));
          resolve(zone);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET /api/v1/nodes/${nodeName}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const nodeName = process.env['NODE_NAME'];
  if (!out || !nodeName) throw new Error('usage: NODE_NAME=<node> node node-zone.js <output file>');
  const zone = await nodeZone(inClusterApiServer(), nodeName);
  writeFileSync(out, `${zone}\n`);
  process.stdout.write(`broker.rack: ${zone} (node ${nodeName})\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    process.stderr.write(`node-zone: ${err.message}\n`);
    process.exit(1);
  });
}
