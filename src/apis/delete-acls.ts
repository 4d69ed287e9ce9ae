/**
 * DeleteAcls (key 31, v0-3): removes every ACL binding matching each filter and returns them.
 * Needs ALTER on the CLUSTER (CLUSTER_AUTHORIZATION_FAILED); INVALID_REQUEST for an unusable
 * filter; SECURITY_DISABLED without `authorizer.class.name`.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DeleteAclsRequest } from '../protocol/generated/delete-acls-request.js';
import type { DeleteAclsResponse } from '../protocol/generated/delete-acls-response.js';
import { AclAuthorizer } from '../security/acl/acl-authorizer.js';
import { invalidFilter } from '../security/acl/acl-binding.js';
import { AclOperation } from '../security/authorizer.js';
import { aclFilter } from './acl-filter.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

export const deleteAclsHandler: ApiHandler<DeleteAclsRequest, DeleteAclsResponse> = {
  apiKey: 31,
  name: 'DeleteAcls',
  minVersion: 0,
  maxVersion: 3,
  async handle(request, ctx) {
    const authorizer = ctx.broker.authorizer;
    const all = (errorCode: number, errorMessage: string) => ({ response: { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) } });
    if (!(authorizer instanceof AclAuthorizer)) return all(ErrorCode.SECURITY_DISABLED, 'no authorizer is configured (authorizer.class.name)');
    if (!clusterPermitted(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'deleting ACLs needs ALTER on the cluster');
    const filters = request.filters.map(aclFilter);
    const problems = filters.map(invalidFilter);
    let removed: ReturnType<AclAuthorizer['describe']>[];
    try {
      removed = await authorizer.delete(filters.filter((_, i) => problems[i] === null));
    } catch (err) {
      ctx.logger.error({ err }, 'storing ACLs failed');
      return all(ErrorCode.UNKNOWN_SERVER_ERROR, `storing ACLs failed: ${(err as Error).message}`);
    }
    let next = 0;
    return {
      response: {
        throttleTimeMs: 0,
        filterResults: problems.map((p) => {
          if (p !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p, matchingAcls: [] };
          const acls = removed[next++]!;
          return {
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            matchingAcls: acls.map((b) => ({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType })),
          };
        }),
      },
    };
  },
};
