/**
 * What every API handler looks like. One file per API under src/apis/, listed in
 * src/apis/index.ts, which is also what ApiVersions reports.
 */
import type { Logger } from 'pino';
import type { BrokerServices } from '../broker-services.js';
import type { AuthSession } from '../security/auth-session.js';
import type { SaslAuthenticator } from '../network/sasl-authenticator.js';

/** Per-request context. */
export interface RequestContext {
  broker: BrokerServices;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Peer address, for logs. */
  remote: string;
  /** Who sent the request (principal, listener, client address): what the Authorizer decides on. */
  session: AuthSession;
  /** The connection's SASL exchange (SASL listeners only; null elsewhere). */
  sasl: SaslAuthenticator | null;
  logger: Logger;
}

/**
 * A response and what to do once it is on the wire: `release` ends leases on shared-memory
 * views (fetch) after the socket write completes.
 */
export interface HandlerResult<Res> {
  response: Res;
  release?: () => void;
  /** Close the connection once this response is written (failed authentication). */
  closeConnection?: boolean;
  /** Not counted against client quotas (a follower's fetch is replication, as in Kafka). */
  quotaExempt?: boolean;
}

export interface ApiHandler<Req = any, Res = any> {
  apiKey: number;
  name: string;
  /** The versions we serve (within the JSON definition's validVersions). */
  minVersion: number;
  maxVersion: number;
  /**
   * Handles one decoded request. Returns the response (possibly later, e.g. a long-poll
   * fetch), or null when the protocol sends none (Produce with acks=0).
   */
  handle(request: Req, ctx: RequestContext): HandlerResult<Res> | null | Promise<HandlerResult<Res> | null>;
}
