/**
 * CreateAcls (key 30, v0-3): adds ACL bindings to the broker's AclAuthorizer (KIP-140,
 * KIP-290). Needs ALTER on the CLUSTER. Per creation: INVALID_REQUEST for an unusable binding
 * (see invalidBinding), SECURITY_DISABLED without `authorizer.class.name`. The bindings are
 * stored before the answer.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { CreateAclsRequest } from '../protocol/generated/create-acls-request.js';
import type { CreateAclsResponse } from '../protocol/generated/create-acls-response.js';
import { AclAuthorizer } from '../security/acl/acl-authorizer.js';
import { type AclBinding, invalidBinding } from '../security/acl/acl-binding.js';
import { AclOperation, type AclPermissionType, type PatternType, type ResourceType } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

export const createAclsHandler: ApiHandler<CreateAclsRequest, CreateAclsResponse> = {
  apiKey: 30,
  name: 'CreateAcls',
  minVersion: 0,
  maxVersion: 3,
  async handle(request, ctx) {
    const authorizer = ctx.broker.authorizer;
    const all = (errorCode: number, errorMessage: string) => ({ response: { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) } });
    if (!(authorizer instanceof AclAuthorizer)) return all(ErrorCode.SECURITY_DISABLED, 'no authorizer is configured (authorizer.class.name)');
    if (!clusterPermitted(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'creating ACLs needs ALTER on the cluster');
    const bindings: AclBinding[] = request.creations.map((c) => ({
      resourceType: c.resourceType as ResourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType as PatternType,
      principal: c.principal,
      host: c.host,
      operation: c.operation as AclOperation,
      permissionType: c.permissionType as AclPermissionType,
    }));
    const problems = bindings.map(invalidBinding);
    const valid = bindings.filter((_, i) => problems[i] === null);
    try {
      if (valid.length > 0) await authorizer.create(valid);
    } catch (err) {
      ctx.logger.error({ err }, 'storing ACLs failed');
      return all(ErrorCode.UNKNOWN_SERVER_ERROR, `storing ACLs failed: ${(err as Error).message}`);
    }
    return {
      response: {
        throttleTimeMs: 0,
        results: problems.map((p) => (p === null ? { errorCode: ErrorCode.NONE, errorMessage: null } : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p })),
      },
    };
  },
};
