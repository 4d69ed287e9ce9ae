/**
 * Whether the request's principal may perform `operation` on the CLUSTER resource (the
 * user-credential and client-quota APIs). A thin call into `broker.authorizer`.
 */
import { type AclOperation, CLUSTER_RESOURCE } from '../security/authorizer.js';
import type { RequestContext } from './api.js';

export function clusterPermitted(ctx: RequestContext, operation: AclOperation): boolean {
  const authorizer = ctx.broker.authorizer;
  return !authorizer.enabled || authorizer.authorize(ctx.session, operation, CLUSTER_RESOURCE);
}
