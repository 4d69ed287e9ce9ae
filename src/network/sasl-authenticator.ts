/**
 * The SASL side of one connection on a SASL_PLAINTEXT or SASL_SSL listener: Kafka's
 * SaslServerAuthenticator, as the protocol guide ("SASL Authentication Sequence") and
 * KIP-43, KIP-152 and KIP-368 describe it.
 *
 *   state          accepts                                   goes to
 *   handshake      ApiVersions, SaslHandshake                authenticate (v1), rawToken (v0)
 *   authenticate   SaslAuthenticate (tokens in Kafka frames) complete, or failed
 *   rawToken       raw size-prefixed SASL tokens (v0)        complete, or failed
 *   complete       every API; SaslHandshake starts re-authentication (back to handshake's
 *                  successor, with the old principal serving until it succeeds)
 *   failed         nothing: the connection closes
 *
 * Before authentication a request of any other API closes the connection, a frame above
 * `sasl.server.max.receive.size` closes it unread (CVE-2022-34917), and SaslHandshake or
 * SaslAuthenticate out of turn is answered ILLEGAL_SASL_STATE and closes it. An enabled
 * mechanism list comes with every handshake response; an unknown mechanism is
 * UNSUPPORTED_SASL_MECHANISM (then closed). A failed authentication is answered
 * SASL_AUTHENTICATION_FAILED, `connection.failed.authentication.delay.ms` later, and closed.
 *
 * Sessions (KIP-368): a completed authentication lives for the smaller of
 * `connections.max.reauth.ms` and the credential's own expiry (an OAUTHBEARER token's exp),
 * reported as `sessionLifetimeMs` by SaslAuthenticate v1+. After that only SaslHandshake /
 * SaslAuthenticate are served; any other request closes the connection. Re-authentication
 * must keep the mechanism and the principal.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { AuthSession } from '../security/auth-session.js';
import { type KafkaPrincipal, formatPrincipal, samePrincipal, userPrincipal } from '../security/principal.js';
import type { SaslServer, SaslServerFactory } from '../security/sasl/sasl-server.js';

export type SaslState = 'handshake' | 'authenticate' | 'rawToken' | 'complete' | 'failed';

export const SASL_HANDSHAKE_KEY = 17;
export const SASL_AUTHENTICATE_KEY = 36;
const API_VERSIONS_KEY = 18;

export interface SaslLimits {
  /** `connections.max.reauth.ms` (0 = sessions never expire). */
  connectionsMaxReauthMs: number;
  /** `connection.failed.authentication.delay.ms`. */
  failedAuthenticationDelayMs: number;
}

/** What the connection does with the outcome of one SaslAuthenticate (or raw token). */
export interface SaslStepResult {
  errorCode: number;
  errorMessage: string | null;
  /** The server's token for the client (empty when none). */
  token: Uint8Array;
  /** SaslAuthenticate v1+: ms until re-authentication is needed (0 = never). */
  sessionLifetimeMs: number;
  /** The connection closes once this answer is written. */
  close: boolean;
}

export interface SaslEvents {
  /** Authentication (first or re-) completed: raise frame limits, stop the deadline. */
  authenticated(principal: KafkaPrincipal): void;
}

const EMPTY = new Uint8Array(0);
const FAILED_MESSAGE = (mechanism: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

export class SaslAuthenticator {
  state: SaslState = 'handshake';
  private server: SaslServer | null = null;
  /** The mechanism of the completed authentication (re-authentication must keep it). */
  private mechanism: string | null = null;
  private reauthenticating = false;

  constructor(
    private readonly factory: SaslServerFactory,
    readonly session: AuthSession,
    private readonly limits: SaslLimits,
    private readonly events: SaslEvents,
  ) {}

  /** Mechanisms this listener offers, for handshake responses. */
  get enabledMechanisms(): string[] {
    return this.factory.enabledMechanisms;
  }

  /** True once authenticated at least once (a re-authentication in progress keeps it). */
  get authenticated(): boolean {
    return this.state === 'complete' || this.reauthenticating;
  }

  /**
   * Whether a request of `apiKey` may be served now; otherwise the connection must close
   * with the returned reason. Raw-token frames are routed by the connection (state rawToken).
   */
  admit(apiKey: number, nowMs: number): string | null {
    if (this.state === 'complete') {
      const expires = this.session.sessionExpiresAtMs;
      if (expires !== null && nowMs >= expires && apiKey !== SASL_HANDSHAKE_KEY && apiKey !== SASL_AUTHENTICATE_KEY) {
        return 'the SASL session expired and was not re-authenticated (connections.max.reauth.ms, KIP-368)';
      }
      return null;
    }
    if (this.state === 'failed') return 'authentication failed';
    if (apiKey === SASL_HANDSHAKE_KEY || apiKey === SASL_AUTHENTICATE_KEY) return null;
    if (apiKey === API_VERSIONS_KEY && this.state === 'handshake' && !this.reauthenticating) return null;
    return `API key ${apiKey} received before SASL authentication completed`;
  }

  /**
   * SaslHandshake (v0: raw tokens follow; v1: SaslAuthenticate follows).
   * Returns the response's error code and whether the connection must close after it:
   * ILLEGAL_SASL_STATE out of turn; UNSUPPORTED_SASL_MECHANISM for a mechanism not enabled
   * (or another than the session's on re-authentication).
   */
  handshake(mechanism: string, apiVersion: number): { errorCode: number; close: boolean } {
    if (this.state === 'complete') {
      this.reauthenticating = true;
      this.state = 'handshake';
    }
    if (this.state !== 'handshake') return this.fail(ErrorCode.ILLEGAL_SASL_STATE);
    if (this.reauthenticating && mechanism !== this.mechanism) return this.fail(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    const server = this.factory.enabledMechanisms.includes(mechanism) ? this.factory.create(mechanism) : null;
    if (!server) return this.fail(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    this.server = server;
    this.state = apiVersion === 0 ? 'rawToken' : 'authenticate';
    return { errorCode: ErrorCode.NONE, close: false };
  }

  private fail(errorCode: number): { errorCode: number; close: boolean } {
    this.state = 'failed';
    return { errorCode, close: true };
  }

  /**
   * One client token, from SaslAuthenticate (state authenticate) or a raw frame (rawToken).
   * Failures resolve (never reject) with SASL_AUTHENTICATION_FAILED after
   * `connection.failed.authentication.delay.ms`, or ILLEGAL_SASL_STATE out of turn.
   */
  async step(token: Uint8Array, raw: boolean): Promise<SaslStepResult> {
    const expected = raw ? 'rawToken' : 'authenticate';
    const server = this.server;
    if (this.state !== expected || !server) {
      const message = `Unexpected SASL ${raw ? 'token' : 'SaslAuthenticate request'} in state ${this.state}`;
      this.state = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: message, token: EMPTY, sessionLifetimeMs: 0, close: true };
    }
    let reply: Uint8Array;
    try {
      reply = await server.evaluate(token);
    } catch (err) {
      return this.failed(server.mechanism, err);
    }
    if (!server.complete) return { errorCode: ErrorCode.NONE, errorMessage: null, token: reply, sessionLifetimeMs: 0, close: false };
    const principal = userPrincipal(server.authorizationId);
    if (this.reauthenticating && !samePrincipal(principal, this.session.principal)) {
      return this.failed(server.mechanism, new Error(`Cannot change principals during re-authentication from ${formatPrincipal(this.session.principal)} to ${formatPrincipal(principal)}`));
    }
    const now = Date.now();
    let expiresAt: number | null = this.limits.connectionsMaxReauthMs > 0 ? now + this.limits.connectionsMaxReauthMs : null;
    if (server.credentialExpiresAtMs !== null) expiresAt = Math.min(expiresAt ?? Number.POSITIVE_INFINITY, server.credentialExpiresAtMs);
    this.session.principal = principal;
    this.session.saslMechanism = server.mechanism;
    this.session.sessionExpiresAtMs = expiresAt;
    this.mechanism = server.mechanism;
    this.server = null;
    this.reauthenticating = false;
    this.state = 'complete';
    this.events.authenticated(principal);
    return { errorCode: ErrorCode.NONE, errorMessage: null, token: reply, sessionLifetimeMs: expiresAt === null ? 0 : Math.max(1, expiresAt - now), close: false };
  }

  private async failed(mechanism: string, err: unknown): Promise<SaslStepResult> {
    this.state = 'failed';
    this.server = null;
    const delay = this.limits.failedAuthenticationDelayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    // The mechanism's message never says whether the user exists (see the mechanisms).
    const detail = err instanceof Error && err.name === 'SaslAuthenticationError' ? err.message : FAILED_MESSAGE(mechanism);
    return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: detail, token: EMPTY, sessionLifetimeMs: 0, close: true };
  }
}
