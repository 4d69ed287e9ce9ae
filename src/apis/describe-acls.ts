/**
 * DescribeAcls (key 29, v0-3): the ACL bindings matching a filter, grouped by resource
 * pattern. Needs DESCRIBE on the CLUSTER (CLUSTER_AUTHORIZATION_FAILED); INVALID_REQUEST for an
 * unusable filter; SECURITY_DISABLED without `authorizer.class.name`.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DescribeAclsRequest } from '../protocol/generated/describe-acls-request.js';
import type { DescribeAclsResponse } from '../protocol/generated/describe-acls-response.js';
import { AclAuthorizer } from '../security/acl/acl-authorizer.js';
import { invalidFilter } from '../security/acl/acl-binding.js';
import { AclOperation } from '../security/authorizer.js';
import { aclFilter } from './acl-filter.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

type Resource = DescribeAclsResponse['resources'][number];

export const describeAclsHandler: ApiHandler<DescribeAclsRequest, DescribeAclsResponse> = {
  apiKey: 29,
  name: 'DescribeAcls',
  minVersion: 0,
  maxVersion: 3,
  handle(request, ctx) {
    const authorizer = ctx.broker.authorizer;
    const error = (errorCode: number, errorMessage: string) => ({ response: { throttleTimeMs: 0, errorCode, errorMessage, resources: [] } });
    if (!(authorizer instanceof AclAuthorizer)) return error(ErrorCode.SECURITY_DISABLED, 'no authorizer is configured (authorizer.class.name)');
    if (!clusterPermitted(ctx, AclOperation.DESCRIBE)) return error(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'describing ACLs needs DESCRIBE on the cluster');
    const filter = aclFilter(request);
    const problem = invalidFilter(filter);
    if (problem) return error(ErrorCode.INVALID_REQUEST, problem);
    const byPattern = new Map<string, Resource>();
    for (const b of authorizer.describe(filter)) {
      const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`;
      let resource = byPattern.get(key);
      if (!resource) byPattern.set(key, (resource = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
      resource.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType });
    }
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byPattern.values()] } };
  },
};
