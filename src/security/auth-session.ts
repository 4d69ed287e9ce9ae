/**
 * Who is on a connection: one AuthSession per Kafka connection or WebSocket, created when
 * the connection is accepted and updated when (re-)authentication completes. The Authorizer
 * decides every request from it; quotas are keyed by its principal (and the client id).
 *
 * Lifetimes: `sessionExpiresAtMs` is when the broker stops serving the connection unless it
 * re-authenticates (KIP-368: the smaller of `connections.max.reauth.ms` and a token's
 * expiry); `null` = never.
 * Source: Kafka's RequestChannel.Session / AuthorizableRequestContext.
 */
import { ANONYMOUS, type KafkaPrincipal } from './principal.js';

/** Kafka's SecurityProtocol names (docs/security.html, "Listener Configuration"). */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export interface AuthSession {
  /** `User:ANONYMOUS` until authenticated (and for good on PLAINTEXT). */
  principal: KafkaPrincipal;
  /** The listener name the connection came in on (`PLAINTEXT`, `SASL_SSL`, `INTERNAL`, `WEBSOCKET` …). */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** The peer's IP address, as ACL host patterns match it (no port). */
  readonly clientAddress: string;
  /** The SASL mechanism that authenticated the session, or null. */
  saslMechanism: string | null;
  /** When the session must re-authenticate (epoch ms; KIP-368), or null for never. */
  sessionExpiresAtMs: number | null;
}

/** A session for a connection that has not authenticated (yet). */
export function anonymousSession(listenerName: string, securityProtocol: SecurityProtocol, clientAddress: string): AuthSession {
  return { principal: ANONYMOUS, listenerName, securityProtocol, clientAddress, saslMechanism: null, sessionExpiresAtMs: null };
}

/**
 * The broker acting on its own behalf (group coordinator writes, controller work inside this
 * process): authorized for everything, never sent over a wire.
 */
export const BROKER_INTERNAL_SESSION: AuthSession = Object.freeze({
  principal: Object.freeze({ type: 'User', name: 'gregor-broker-internal' }),
  listenerName: 'INTERNAL',
  securityProtocol: 'PLAINTEXT' as SecurityProtocol,
  clientAddress: '127.0.0.1',
  saslMechanism: null,
  sessionExpiresAtMs: null,
}) as AuthSession;
