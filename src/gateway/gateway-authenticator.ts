/**
 * Authentication of WebSocket clients (`gregor.websocket.authentication=jwt|sasl`). The socket
 * runs a SASL exchange (RFC 4422) in `authenticate` frames, with the same mechanism servers and
 * credentials as the Kafka listeners (listener-sasl.ts, listener name WEBSOCKET):
 *
 *   jwt   OAUTHBEARER only. `{op: 'authenticate', id, token: '<JWT>'}` — the bare JWT, which
 *         the gateway wraps into OAUTHBEARER's client message (RFC 7628 §3.1).
 *   sasl  the mechanisms of `listener.name.websocket.sasl.enabled.mechanisms` (default
 *         SCRAM-SHA-256 and SCRAM-SHA-512, plus PLAIN when a PlainLoginModule JAAS entry has
 *         users and OAUTHBEARER when JWT keys are configured). A new exchange is
 *         `{op: 'authenticate', id, mechanism, token: <bytes>}`; each further client message
 *         `{op: 'authenticate', id, token: <bytes>}`. Every answer is `{type: 'result', id,
 *         complete, token?: <server bytes>}`, the last one with `principal` and `expiresAtMs`.
 *         A bare JWT string is accepted as OAUTHBEARER when that mechanism is enabled.
 *
 * Rules (as Kafka's SaslServerAuthenticator): before authentication every other frame is
 * answered SASL_AUTHENTICATION_FAILED and the socket is closed; a frame above
 * PRE_AUTH_MAX_BYTES closes it unread; a socket not authenticated within
 * `gregor.authentication.timeout.ms` is closed (code 1008). A failed exchange answers
 * SASL_AUTHENTICATION_FAILED (never saying whether the user exists), an unknown mechanism
 * UNSUPPORTED_SASL_MECHANISM, a continuation without an exchange ILLEGAL_SASL_STATE; the
 * socket is then closed after `connection.failed.authentication.delay.ms`. Sessions end at
 * the credential's expiry (a JWT's exp) or after `connections.max.reauth.ms`
 * (`listener.name.websocket.` prefix honoured) unless re-authenticated in-band with the same
 * mechanism and principal (KIP-368's rules).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type KafkaPrincipal, formatPrincipal, samePrincipal, userPrincipal } from '../security/principal.js';
import type { JwtVerifier } from '../security/jwt-verifier.js';
import type { SaslServer, SaslServerFactory } from '../security/sasl/sasl-server.js';
import type { Session } from './session.js';

/** Largest frame accepted before authentication (bytes): a JWT or a SCRAM message fits with room to spare. */
export const PRE_AUTH_MAX_BYTES = 16 * 1024;
/** WebSocket close code for authentication failures (RFC 6455 policy violation). */
export const POLICY_VIOLATION = 1008;

export type GatewayAuthenticationMode = 'jwt' | 'sasl';

/** An HTTP request's verified credential (httpCredentials). */
export interface HttpCredentials {
  principal: KafkaPrincipal;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
  token?: string;
}

export interface GatewayAuthenticatorOptions {
  mode: GatewayAuthenticationMode;
  /** The WEBSOCKET listener's mechanisms (only OAUTHBEARER in jwt mode). */
  mechanisms: SaslServerFactory;
  /** Verifies `Authorization: Bearer` JWTs on HTTP routes (/metrics); null without JWT keys. */
  bearerVerifier: JwtVerifier | null;
  /** `gregor.authentication.timeout.ms`. */
  timeoutMs: number;
  /** `connection.failed.authentication.delay.ms`. */
  failureDelayMs: number;
  /** `connections.max.reauth.ms` for the WEBSOCKET listener (0: sessions do not expire). */
  maxSessionMs: number;
}

/** What an `authenticate` frame carries (already decoded from MessagePack). */
export interface AuthenticateFrame {
  mechanism?: unknown;
  token?: unknown;
}

const utf8 = new TextEncoder();
const OAUTHBEARER_ERROR_ACK = new Uint8Array([1]);

/** OAUTHBEARER's client-first message for a bare JWT (RFC 7628 §3.1: gs2 header, auth=Bearer, two ^A). */
function oauthBearerMessage(jwt: string): Uint8Array {
  return utf8.encode(`n,,\u0001auth=Bearer ${jwt}\u0001\u0001`);
}

function tokenBytes(token: unknown): Uint8Array {
  if (token instanceof Uint8Array) return token;
  if (typeof token === 'string') return utf8.encode(token);
  throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'field "token" must be bytes or a string');
}

export class GatewayAuthenticator {
  constructor(private readonly options: GatewayAuthenticatorOptions) {}

  get mode(): GatewayAuthenticationMode {
    return this.options.mode;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  get failureDelayMs(): number {
    return this.options.failureDelayMs;
  }

  /** The mechanisms offered, for the hello frame. */
  get enabledMechanisms(): string[] {
    return this.options.mechanisms.enabledMechanisms;
  }

  /**
   * The principal of an HTTP request's `Authorization: Bearer <JWT>` header (for /metrics).
   * Rejects with KafkaError SASL_AUTHENTICATION_FAILED when absent or invalid, or when the
   * broker has no JWT keys.
   */
  async bearerPrincipal(authorization: string): Promise<KafkaPrincipal> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!m) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'an Authorization: Bearer <JWT> header is required');
    const verifier = this.options.bearerVerifier;
    if (!verifier) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'this gateway has no JWT keys configured');
    try {
      return userPrincipal((await verifier.verify(m[1]!)).principalName);
    } catch (err) {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, (err as Error).message);
    }
  }

  /**
   * The principal of an HTTP request (the REST proxy) from its `Authorization` header:
   * `Bearer <JWT>` as bearerPrincipal, or — in sasl mode — `Basic <base64 user:password>`
   * (RFC 7617) checked against the WEBSOCKET listener's password mechanisms (PLAIN users,
   * SCRAM credentials). Rejects with KafkaError SASL_AUTHENTICATION_FAILED, never saying
   * whether the user exists.
   */
  async httpPrincipal(authorization: string): Promise<KafkaPrincipal> {
    return (await this.httpCredentials(authorization)).principal;
  }

  /**
   * httpPrincipal, with the credential itself as a gateway client would present it (the REST
   * proxy's consumer instances log in to this gateway as their creator): `sasl` with the
   * mechanism that verified the password, or the bearer `token`.
   */
  async httpCredentials(authorization: string): Promise<HttpCredentials> {
    const basic = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(authorization.trim());
    if (!basic) {
      const principal = await this.bearerPrincipal(authorization);
      return { principal, token: authorization.trim().replace(/^Bearer\s+/i, '') };
    }
    if (this.options.mode !== 'sasl') throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'this gateway accepts only Authorization: Bearer <JWT>');
    const text = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const username = colon > 0 ? text.slice(0, colon) : '';
    const password = colon > 0 ? text.slice(colon + 1) : '';
    const mechanism = await this.options.mechanisms.passwordMechanism(username, password);
    if (!mechanism) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'Authentication failed: Invalid username or password');
    return { principal: userPrincipal(username), sasl: { mechanism: mechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password } };
  }

  /**
   * Takes one `authenticate` frame for `session` (first authentication, a step of it, or a
   * re-authentication) and resolves to the result frame's fields; once the exchange completes
   * the session's principal and expiry are set. Rejects with KafkaError
   * SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM or ILLEGAL_SASL_STATE; the caller
   * closes the socket after `failureDelayMs`.
   */
  async authenticate(session: Session, frame: AuthenticateFrame): Promise<Record<string, unknown>> {
    let server: SaslServer;
    let token: Uint8Array;
    let bareJwt = false;
    if (frame.mechanism !== undefined) {
      if (typeof frame.mechanism !== 'string') throw new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'field "mechanism" must be a string');
      server = this.start(session, frame.mechanism);
      token = tokenBytes(frame.token);
    } else if (session.saslExchange) {
      server = session.saslExchange;
      token = tokenBytes(frame.token);
    } else if (typeof frame.token === 'string' && frame.token.length > 0) {
      server = this.start(session, 'OAUTHBEARER');
      token = oauthBearerMessage(frame.token);
      bareJwt = true;
    } else if (this.options.mode === 'jwt') {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'field "token" must be a JWT string');
    } else {
      throw new KafkaError(ErrorCode.ILLEGAL_SASL_STATE, 'no SASL exchange in progress: start one with {op: "authenticate", mechanism, token}');
    }
    session.saslExchange = server;
    let reply: Uint8Array;
    try {
      reply = await server.evaluate(token);
      // A refused JWT gets OAUTHBEARER's error challenge (RFC 7628 §3.2.2); a bare-JWT client
      // cannot answer it, so send its dummy reply (%x01) for it to get the failure.
      if (bareJwt && !server.complete) reply = await server.evaluate(OAUTHBEARER_ERROR_ACK);
    } catch (err) {
      session.saslExchange = null;
      throw err instanceof KafkaError ? err : new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, (err as Error).message);
    }
    if (!server.complete) return { complete: false, token: reply };
    session.saslExchange = null;
    const principal = userPrincipal(server.authorizationId);
    if (session.authenticated && !samePrincipal(session.auth.principal, principal)) {
      throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `cannot change principals during re-authentication from ${formatPrincipal(session.auth.principal)} to ${formatPrincipal(principal)}`);
    }
    const now = Date.now();
    let expiresAtMs: number | null = this.options.maxSessionMs > 0 ? now + this.options.maxSessionMs : null;
    if (server.credentialExpiresAtMs !== null) expiresAtMs = Math.min(expiresAtMs ?? Number.POSITIVE_INFINITY, server.credentialExpiresAtMs);
    session.authenticateAs(principal, server.mechanism, expiresAtMs);
    return { complete: true, principal: formatPrincipal(principal), mechanism: server.mechanism, expiresAtMs, ...(reply.length > 0 ? { token: reply } : {}) };
  }

  /** A fresh mechanism server; a re-authentication must keep the session's mechanism. */
  private start(session: Session, mechanism: string): SaslServer {
    const server = this.options.mechanisms.create(mechanism);
    if (!server) throw new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, `mechanism ${mechanism} is not enabled; this gateway offers ${this.enabledMechanisms.join(', ')}`);
    if (session.authenticated && session.auth.saslMechanism !== mechanism) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, `re-authentication must use the session's mechanism ${session.auth.saslMechanism}`);
    }
    return server;
  }
}
