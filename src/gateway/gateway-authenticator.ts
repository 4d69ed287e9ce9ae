/**
 * Authentication of WebSocket clients (`gregor.websocket.authentication=jwt`): the first frame
 * must be `{op: 'authenticate', id, token}` with a JWT that the broker's JwtVerifier accepts
 * (the OAUTHBEARER settings, `sasl.oauthbearer.*` / `gregor.sasl.oauthbearer.*`, optionally
 * under `listener.name.websocket.`). The session's principal becomes `User:<sub>`.
 *
 * - Before authentication every other frame is answered SASL_AUTHENTICATION_FAILED and the
 *   socket is closed; a frame above PRE_AUTH_MAX_BYTES closes it unread; a socket not
 *   authenticated within `gregor.authentication.timeout.ms` is closed (code 1008).
 * - A token that fails verification: SASL_AUTHENTICATION_FAILED, then close.
 * - The token's `exp` ends the session: the client sends a new `authenticate` frame with a
 *   fresh token for the same subject before then, or the socket is closed at expiry. A
 *   refresh for another subject is refused and closes the socket.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type KafkaPrincipal, formatPrincipal, userPrincipal } from '../security/principal.js';
import type { JwtVerifier } from '../security/jwt-verifier.js';
import type { Session } from './session.js';

/** Largest frame accepted before authentication (bytes): a JWT fits with room to spare. */
export const PRE_AUTH_MAX_BYTES = 16 * 1024;
/** WebSocket close code for authentication failures (RFC 6455 policy violation). */
export const POLICY_VIOLATION = 1008;

export class GatewayAuthenticator {
  constructor(
    private readonly verifier: JwtVerifier,
    /** `gregor.authentication.timeout.ms`. */
    readonly timeoutMs: number,
  ) {}

  /**
   * The principal of an HTTP request's `Authorization: Bearer <JWT>` header (for /metrics).
   * Rejects with KafkaError SASL_AUTHENTICATION_FAILED when absent or invalid.
   */
  async bearerPrincipal(authorization: string): Promise<KafkaPrincipal> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!m) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'an Authorization: Bearer <JWT> header is required');
    try {
      return userPrincipal((await this.verifier.verify(m[1]!)).principalName);
    } catch (err) {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, (err as Error).message);
    }
  }

  /**
   * Verifies `token` for `session` (first authentication or refresh) and sets its principal and
   * expiry. Resolves to the result frame's fields; rejects with KafkaError
   * SASL_AUTHENTICATION_FAILED (the caller closes the socket).
   */
  async authenticate(session: Session, token: unknown): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.length === 0) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'field "token" must be a JWT string');
    let verified;
    try {
      verified = await this.verifier.verify(token);
    } catch (err) {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, (err as Error).message);
    }
    const principal = userPrincipal(verified.principalName);
    if (session.authenticated && formatPrincipal(session.auth.principal) !== formatPrincipal(principal)) {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'a refreshed token must be for the same principal');
    }
    session.authenticateAs(principal, verified.expiresAtMs);
    return { principal: formatPrincipal(principal), expiresAtMs: verified.expiresAtMs };
  }
}
