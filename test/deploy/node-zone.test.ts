/**
 * The rack init container's lookup (src/deploy/node-zone.ts) against a real HTTPS server on
 * loopback standing in for the Kubernetes API server: the ServiceAccount's token and CA as a
 * pod has them, GET /api/v1/nodes/<name>, the topology.kubernetes.io/zone label.
 */
import { writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inClusterApiServer, nodeZone } from '../../src/deploy/node-zone.js';
import { makeCertificates } from '../helpers/certificates.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const TOKEN = 'service-account-token';
const NODES: Record<string, Record<string, string>> = {
  'node-a': { 'kubernetes.io/hostname': 'node-a', 'topology.kubernetes.io/zone': 'europe-west1-b' },
  'node-b': { 'kubernetes.io/hostname': 'node-b' },
};

describe('the zone of the pod’s node, from the API server', () => {
  const dir = makeTempDir('gregor-node-zone-');
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const certs = makeCertificates(dir.path);
    // The files a pod finds in /var/run/secrets/kubernetes.io/serviceaccount.
    writeFileSync(join(dir.path, 'token'), `${TOKEN}\n`);
    writeFileSync(join(dir.path, 'ca.crt'), certs.ca.certPem);
    server = createServer({ key: certs.server.keyPem, cert: certs.server.certPem }, (req, res) => {
      const name = /^\/api\/v1\/nodes\/([^/]+)$/.exec(req.url ?? '')?.[1];
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end('{"kind":"Status","message":"Unauthorized"}');
      if (!name || !NODES[name]) return void res.writeHead(404).end(`{"kind":"Status","message":"nodes \\"${name}\\" not found"}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Node', apiVersion: 'v1', metadata: { name, labels: NODES[name] } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    dir.remove();
  });

  it('reads the topology.kubernetes.io/zone label with the ServiceAccount token over TLS', async () => {
    const api = inClusterApiServer({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) }, dir.path);
    expect(await nodeZone(api, 'node-a')).toBe('europe-west1-b');
  });

  it('fails with one clear line: no label, unknown node, bad token, outside a pod', async () => {
    const api = inClusterApiServer({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) }, dir.path);
    await expect(nodeZone(api, 'node-b')).rejects.toThrow('node node-b has no topology.kubernetes.io/zone label');
    await expect(nodeZone(api, 'node-z')).rejects.toThrow(/^GET \/api\/v1\/nodes\/node-z: HTTP 404 .*not found/);
    await expect(nodeZone({ ...api, token: 'stolen' }, 'node-a')).rejects.toThrow(/HTTP 401/);
    expect(() => inClusterApiServer({}, dir.path)).toThrow('KUBERNETES_SERVICE_HOST is unset: not running in a pod');
  });
});
