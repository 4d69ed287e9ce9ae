/**
 * SASL OAUTHBEARER, server side (RFC 7628 §3.1, KIP-255; Kafka's OAuthBearerSaslServer).
 * The client's first message is `gs2-header \x01 auth=Bearer <jwt> \x01 [key=value \x01]* \x01`
 * with gs2-header `n,,` or `n,a=<authzid>,`. The token is verified by JwtVerifier (pinned
 * algorithms, local keys, exp, iss, aud); its subject is the principal and its exp the session's
 * credential expiry (KIP-368). An authzid must equal the subject.
 *
 * On a rejected token, as Kafka does, the server answers `{"status":"invalid_token"}`, the
 * client answers `\x01`, and only then does authentication fail.
 */
import type { JwtVerifier } from '../jwt-verifier.js';
import { EMPTY_TOKEN, SaslAuthenticationError, type SaslServer } from './sasl-server.js';

const SEPARATOR = '\u0001';
const AUTH_PATTERN = /^auth=Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export class OAuthBearerSaslServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER';
  complete = false;
  authorizationId = '';
  credentialExpiresAtMs: number | null = null;
  private state: 'first' | 'error-sent' | 'done' = 'first';
  private errorMessage = '';

  constructor(private readonly verifier: JwtVerifier) {}

  async evaluate(token: Uint8Array): Promise<Uint8Array> {
    const text = Buffer.from(token).toString('utf8');
    if (this.state === 'error-sent') {
      this.state = 'done';
      throw new SaslAuthenticationError(`Authentication failed: ${this.errorMessage}`);
    }
    if (this.state === 'done') throw new SaslAuthenticationError('Authentication failed: OAUTHBEARER exchange already complete');
    let jwt: string;
    let authzid: string;
    try {
      ({ jwt, authzid } = parseClientMessage(text));
    } catch (err) {
      this.state = 'done';
      throw new SaslAuthenticationError(`Authentication failed: ${(err as Error).message}`);
    }
    try {
      const verified = await this.verifier.verify(jwt);
      if (authzid !== '' && authzid !== verified.principalName) throw new Error('authorization id does not match the token subject');
      this.authorizationId = verified.principalName;
      this.credentialExpiresAtMs = verified.expiresAtMs;
      this.complete = true;
      this.state = 'done';
      return EMPTY_TOKEN;
    } catch (err) {
      this.errorMessage = (err as Error).message;
      this.state = 'error-sent';
      return Buffer.from(JSON.stringify({ status: 'invalid_token' }), 'utf8');
    }
  }
}

/** Splits the client's initial response (RFC 7628 §3.1); throws Error on malformed input. */
export function parseClientMessage(text: string): { jwt: string; authzid: string } {
  const sep = text.indexOf(SEPARATOR);
  if (sep < 0) throw new Error('invalid OAUTHBEARER client message: no key/value separator');
  const gs2 = text.slice(0, sep);
  const m = /^n,(a=([^,]*))?,$/.exec(gs2);
  if (!m) throw new Error('invalid OAUTHBEARER client message: bad gs2 header (channel binding is not supported)');
  const authzid = m[2] ?? '';
  const rest = text.slice(sep + 1);
  if (!rest.endsWith(SEPARATOR + SEPARATOR) && rest !== SEPARATOR) throw new Error('invalid OAUTHBEARER client message: not terminated');
  const pairs = rest.slice(0, -2).split(SEPARATOR).filter((p) => p.length > 0);
  let jwt: string | null = null;
  for (const pair of pairs) {
    if (pair.toLowerCase().startsWith('auth=')) {
      const a = AUTH_PATTERN.exec(pair);
      if (!a) throw new Error('invalid OAUTHBEARER client message: auth is not a Bearer token');
      jwt = a[1]!;
    } else if (!/^[A-Za-z]+=[\x21-\x7e \t\r\n]*$/.test(pair)) {
      throw new Error('invalid OAUTHBEARER client message: malformed extension');
    }
  }
  if (jwt === null) throw new Error('invalid OAUTHBEARER client message: no auth=Bearer token');
  return { jwt, authzid };
}
