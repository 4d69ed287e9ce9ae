/**
 * The handlers' one way to ask the broker's Authorizer (docs/security.html "Operations and
 * Resources on Protocols"): whether the request's session may perform an operation on a
 * topic, a group, a transactional id or the cluster. Allow-all (no `authorizer.class.name`)
 * answers true without looking.
 */
import { type AclOperation, CLUSTER_RESOURCE, type Resource, SUPPORTED_OPERATIONS, groupResource, topicResource, transactionalIdResource } from '../security/authorizer.js';
import type { RequestContext } from './api.js';

export function permitted(ctx: RequestContext, operation: AclOperation, resource: Resource): boolean {
  const authorizer = ctx.broker.authorizer;
  return !authorizer.enabled || authorizer.authorize(ctx.session, operation, resource);
}

export function topicPermitted(ctx: RequestContext, operation: AclOperation, topic: string): boolean {
  return permitted(ctx, operation, topicResource(topic));
}

export function groupPermitted(ctx: RequestContext, operation: AclOperation, group: string): boolean {
  return permitted(ctx, operation, groupResource(group));
}

export function transactionalIdPermitted(ctx: RequestContext, operation: AclOperation, id: string): boolean {
  return permitted(ctx, operation, transactionalIdResource(id));
}

export function clusterPermitted(ctx: RequestContext, operation: AclOperation): boolean {
  return permitted(ctx, operation, CLUSTER_RESOURCE);
}

/** The "not requested" value of KIP-430's authorized-operations fields (INT32_MIN). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * KIP-430's bit field for `resource`: bit `op` is set for every operation of the resource
 * type's supported set (SUPPORTED_OPERATIONS) the session may perform; all of them when no
 * authorizer is configured, as Kafka reports. AUTHORIZED_OPERATIONS_OMITTED unless `requested`.
 */
export function authorizedOperations(ctx: RequestContext, resource: Resource, requested: boolean): number {
  if (!requested) return AUTHORIZED_OPERATIONS_OMITTED;
  let bits = 0;
  for (const op of SUPPORTED_OPERATIONS[resource.type] ?? []) if (permitted(ctx, op, resource)) bits |= 1 << op;
  return bits;
}
