/**
 * The handlers' one way to ask the broker's Authorizer (docs/security.html "Operations and
 * Resources on Protocols"): whether the request's session may perform an operation on a
 * topic, a group, a transactional id or the cluster. Allow-all (no `authorizer.class.name`)
 * answers true without looking.
 */
import { type AclOperation, CLUSTER_RESOURCE, type Resource, groupResource, topicResource, transactionalIdResource } from '../security/authorizer.js';
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
