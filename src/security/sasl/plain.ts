/**
 * SASL PLAIN, server side (RFC 4616): one client message `[authzid] NUL authcid NUL passwd`,
 * UTF-8. The authzid must be empty or equal to the authcid (Kafka's PlainSaslServer); the
 * password is compared in constant time against the one configured for the user
 * (`user_<name>="<password>"` in the listener's PlainLoginModule JAAS entry).
 * An unknown user and a wrong password fail with the same message.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EMPTY_TOKEN, SaslAuthenticationError, type SaslServer } from './sasl-server.js';

/** Looks up a PLAIN user's password; undefined when unknown. */
export type PlainPasswords = (user: string) => string | undefined;

const INVALID = 'Authentication failed: Invalid username or password';

/** Constant-time string equality (hashes first, so lengths do not leak either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  complete = false;
  authorizationId = '';
  readonly credentialExpiresAtMs = null;

  constructor(private readonly passwords: PlainPasswords) {}

  async evaluate(token: Uint8Array): Promise<Uint8Array> {
    if (this.complete) throw new SaslAuthenticationError('Authentication failed: PLAIN exchange already complete');
    const text = Buffer.from(token).toString('utf8');
    const parts = text.split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError('Authentication failed: Invalid SASL/PLAIN response: expected 3 tokens');
    const [authzid, user, password] = parts as [string, string, string];
    if (user.length === 0) throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password.length === 0) throw new SaslAuthenticationError('Authentication failed: password not specified');
    if (authzid.length > 0 && authzid !== user) throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    const expected = this.passwords(user);
    // Compare against a dummy for unknown users, so both paths cost the same.
    const ok = constantTimeEqual(password, expected ?? '\u0000unknown-user\u0000');
    if (expected === undefined || !ok) throw new SaslAuthenticationError(INVALID);
    this.authorizationId = user;
    this.complete = true;
    return EMPTY_TOKEN;
  }
}
