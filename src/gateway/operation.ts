/**
 * What a gateway operation looks like: one file per operation under operations/, listed in
 * operations/index.ts. An operation reads its request frame and returns the fields of its
 * `result` frame (or null for no answer, e.g. produce with acks 0), synchronously or later.
 * It throws KafkaError for failures; the dispatcher turns them into error frames.
 */
import type { Logger } from 'pino';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { ApiHandler } from '../apis/api.js';
import { HANDLERS } from '../apis/index.js';
import { type AclOperation, type Resource, ResourceType } from '../security/authorizer.js';
import type { RequestContext } from '../apis/api.js';
import type { BrokerServices } from '../broker-services.js';
import type { Frame } from './fields.js';
import type { GatewayAuthenticator } from './gateway-authenticator.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { Session } from './session.js';
import type { SubscriptionHub } from './subscription-hub.js';

export interface GatewayContext {
  broker: BrokerServices;
  hub: SubscriptionHub;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Bound WebSocket port (for metadata). */
  websocketPort(): number;
  /** Gateway authentication (null: `gregor.websocket.authentication=none`). */
  authenticator: GatewayAuthenticator | null;
}

export interface Reply {
  /** Fields of the result frame (besides `type` and `id`). */
  fields: Record<string, unknown>;
  /** Runs once the frame is sent (or dropped): ends leases on shared-memory views. */
  release?: () => void;
  /** Runs after the result frame was sent (e.g. a subscription's first pushes). */
  after?: () => void;
}

export type Operation = (request: Frame, session: Session, ctx: GatewayContext) => Reply | null | Promise<Reply | null>;

/** The client id Kafka handlers see for WebSocket requests that name none. */
export const WEBSOCKET_CLIENT_ID = 'gregor-websocket';

/**
 * The context Kafka API handlers expect, for an operation that reuses one. `remote` gets a
 * port-like suffix (uWS gives the address alone) so handlers that cut the port off it, such
 * as JoinGroup's client host, keep the whole address.
 */
export function kafkaContext(ctx: GatewayContext, session: Session, id: number, apiVersion: number, clientId = WEBSOCKET_CLIENT_ID): RequestContext {
  return { broker: ctx.broker, apiVersion, correlationId: id, clientId, remote: `${session.remote}:ws`, session: session.auth, sasl: null, logger: ctx.logger };
}

/**
 * A failure whose error frame carries more fields than `{ code, name, message }`, e.g. the
 * member id handed out with MEMBER_ID_REQUIRED (joinGroup).
 */
/** The registered (authorization-guarded) version of a Kafka API handler, as the Kafka listeners serve it. */
export function registered<H extends ApiHandler>(handler: H): H {
  return (HANDLERS.get(handler.apiKey) ?? handler) as H;
}

/**
 * Throws TOPIC_AUTHORIZATION_FAILED (or GROUP_…) unless the session may perform `operation` on
 * the resource: for gateway operations that read the log themselves (subscribe, listOffsets).
 */
export function requirePermission(session: Session, ctx: GatewayContext, operation: AclOperation, resource: Resource): void {
  const authorizer = ctx.broker.authorizer;
  if (!authorizer.enabled || authorizer.authorize(session.auth, operation, resource)) return;
  const code = resource.type === ResourceType.GROUP ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  throw new KafkaError(code, `not authorized for ${resource.name}`);
}

export class OperationError extends KafkaError {
  constructor(
    code: number,
    message: string,
    readonly fields: Record<string, unknown>,
  ) {
    super(code, message);
  }
}
