/**
 * Which web origins may open a WebSocket to the gateway: the defence against cross-site
 * WebSocket hijacking (a page on any site the user visits connecting to `ws://localhost:9093`
 * with the user's network position). Browsers always send `Origin` on a WebSocket upgrade and
 * pages cannot forge it; programs that send none (Node's ws, kcat-like tools) are not browsers
 * and are admitted — authentication, not the origin, is what guards against them.
 *
 * Admitted:
 * - no Origin header (not a browser);
 * - the gateway's own origin: the Origin's host:port equals the request's Host header and that
 *   host is an IP literal, `localhost`, or `gregor.websocket.host` (a DNS name of an attacker's
 *   choosing is not trusted, which defeats DNS rebinding);
 * - with `gregor.websocket.allowed.origins` unset: any `localhost` / 127.0.0.0/8 / `[::1]`
 *   origin (local development servers);
 * - with it set: exactly the origins listed (`scheme://host[:port]`), or every origin for `*`.
 * Everything else is answered 403 at the upgrade.
 */
import { isIP } from 'node:net';

export class OriginPolicy {
  private readonly allowed: ReadonlySet<string> | null;

  /**
   * `allowedOrigins`: the configured list (null = the default, local origins);
   * `gatewayHost`: `gregor.websocket.host` ('' when bound to every interface).
   */
  constructor(allowedOrigins: readonly string[] | null, private readonly gatewayHost: string) {
    this.allowed = allowedOrigins === null ? null : new Set(allowedOrigins.map(normalizeOrigin));
  }

  /** Whether an upgrade with these `Origin` and `Host` header values ('' when absent) is admitted. */
  admits(origin: string, host: string): boolean {
    if (origin === '') return true;
    if (this.allowed?.has('*')) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (this.isOwnOrigin(url, host)) return true;
    if (this.allowed === null) return isLocalHost(url.hostname);
    return this.allowed.has(normalizeOrigin(origin));
  }

  private isOwnOrigin(url: URL, host: string): boolean {
    if (host === '' || url.host !== host.toLowerCase()) return false;
    const name = url.hostname.replace(/^\[|\]$/g, '');
    return isIP(name) !== 0 || name === 'localhost' || (this.gatewayHost !== '' && name === this.gatewayHost.toLowerCase());
  }
}

function isLocalHost(hostname: string): boolean {
  const name = hostname.replace(/^\[|\]$/g, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));
}

/** `scheme://host[:port]` in URL's normal form (lower case, default port dropped); `*` kept. */
function normalizeOrigin(origin: string): string {
  if (origin === '*') return origin;
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}
