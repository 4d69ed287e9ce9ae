/**
 * How a REST consumer instance (consumer-instance.ts) reaches its own broker's gateway on
 * loopback: `ws://127.0.0.1:<port>`, or `wss://` when the gateway serves TLS
 * (`gregor.websocket.ssl.enabled`). Over TLS the instance trusts exactly the gateway's own
 * certificate — the first CERTIFICATE of its PEM keystore, read at each connect so a
 * replaced keystore is followed — as a partial-chain trust anchor, and checks the peer's
 * SHA-256 fingerprint against it instead of a host name (the certificate names the broker's
 * public host, not 127.0.0.1). So credentials the instance logs in with never go to anything
 * but this gateway, and no CA needs to be configured for it.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Platform, WebSocketLike } from '../../client/platform.js';

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The gateway's URL on loopback (`port` > 0), with TLS when `keystorePath` (its PEM keystore) is set. */
export function loopbackUrl(port: number, keystorePath: string | null): string {
  return `${keystorePath ? 'wss' : 'ws'}://127.0.0.1:${port}`;
}

/**
 * The client platform for loopback connections: Node's own for ws://; for wss://, `ws` trusting
 * only the certificate of `keystorePath`. Errors (at connect): the keystore cannot be read or
 * holds no certificate; TLS errors, or "not this gateway's certificate". The client library and
 * `ws` are imported at the first call, not with the gateway (issue 12, idle RSS).
 */
export async function loopbackPlatform(keystorePath: string | null): Promise<Platform> {
  const [{ nodePlatform }, { default: WebSocket }] = await Promise.all([import('../../client/node.js'), import('ws')]);
  if (!keystorePath) return nodePlatform;
  return {
    ...nodePlatform,
    openSocket(url) {
      const pem = CERTIFICATE.exec(readFileSync(keystorePath, 'utf8'))?.[0];
      if (!pem) throw new Error(`${keystorePath} holds no certificate`);
      const fingerprint = new X509Certificate(pem).fingerprint256;
      // Node's TLS options, which `ws` hands to tls.connect (its typings know an older checkServerIdentity).
      const tls: ConnectionOptions = {
        ca: pem,
        allowPartialTrustChain: true,
        checkServerIdentity: (_host: string, cert: PeerCertificate) => (cert.fingerprint256 === fingerprint ? undefined : new Error("the loopback gateway did not present this broker's certificate")),
      };
      const ws = new WebSocket(url, { ...(tls as object), perMessageDeflate: false, maxPayload: 0 });
      ws.binaryType = 'nodebuffer';
      return ws as unknown as WebSocketLike;
    },
  };
}
