/**
 * Who a REST request comes from, and the RequestContext the Kafka API handlers get for it, so
 * that authorization (ACLs), quotas of principals and errors are the Kafka listeners' own.
 *
 * Authentication follows the gateway's (`gregor.websocket.authentication`): none → the
 * anonymous principal (User:ANONYMOUS); jwt → `Authorization: Bearer <JWT>`; sasl →
 * `Authorization: Basic` with the SASL users (PLAIN users, SCRAM credentials) or a Bearer JWT
 * when JWT keys are configured. A missing or bad credential is 401 with error_code 40101 and
 * a `WWW-Authenticate` challenge; nothing of the body is read beyond PRE_AUTH_BODY_BYTES.
 */
import type { Logger } from 'pino';
import type { RequestContext } from '../apis/api.js';
import type { BrokerServices } from '../broker-services.js';
import type { GatewayAuthenticator, HttpCredentials } from '../gateway/gateway-authenticator.js';
import { anonymousSession } from '../security/auth-session.js';
import type { HttpExchange } from './http-exchange.js';
import type { PartitionRouter } from './partition-router.js';
import { RestError } from './rest-error.js';
import type { ConsumerServices } from './v2/consumers.js';

export interface RestServices {
  broker: BrokerServices;
  /** The gateway's authenticator; null when `gregor.websocket.authentication=none`. */
  authenticator: GatewayAuthenticator | null;
  logger: Logger;
  /** `gregor.rest.max.request.bytes`: the largest request body accepted (bytes). */
  maxRequestBytes: number;
  /** Consumer instances and how they reach the gateway. */
  consumers: ConsumerServices;
  /** Produce, fetch and offsets of partitions, on this broker or forwarded to their leaders. */
  router: PartitionRouter;
}

/** The client id Kafka handlers see for REST requests. */
export const REST_CLIENT_ID = 'gregor-rest';

let correlationIds = 0;

/**
 * Authenticates `ex` and returns the context handlers run in. Rejects with RestError 401
 * (error_code 40101) when the gateway requires authentication and the credential is missing
 * or wrong.
 */
export async function restContext(services: RestServices, ex: HttpExchange, apiVersion: number): Promise<RestRequestContext> {
  const session = anonymousSession('WEBSOCKET', 'PLAINTEXT', ex.remote);
  const authenticator = services.authenticator;
  let credentials: HttpCredentials | null = null;
  if (authenticator) {
    try {
      credentials = await authenticator.httpCredentials(ex.authorization);
    } catch (err) {
      throw new RestError(401, 40101, `Authentication failed: ${(err as Error).message}`);
    }
    session.principal = credentials.principal;
    session.saslMechanism = credentials.sasl?.mechanism ?? 'OAUTHBEARER';
  }
  correlationIds = (correlationIds + 1) | 0;
  return { broker: services.broker, apiVersion, correlationId: correlationIds, clientId: REST_CLIENT_ID, remote: `${ex.remote}:http`, session, sasl: null, logger: services.logger, credentials, router: services.router };
}

/** A handler context with the request's verified credential (null without gateway authentication). */
export interface RestRequestContext extends RequestContext {
  credentials: HttpCredentials | null;
  /** Where each partition's requests go (this broker or its leader). */
  router: PartitionRouter;
}

/** The `WWW-Authenticate` challenge for a 401 (RFC 7235 §4.1). */
export function challenge(services: RestServices): Array<[string, string]> {
  const mode = services.authenticator?.mode;
  if (!mode) return [];
  return [['WWW-Authenticate', mode === 'sasl' ? 'Basic realm="gregor", charset="UTF-8"' : 'Bearer realm="gregor"']];
}
