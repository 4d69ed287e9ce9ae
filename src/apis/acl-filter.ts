/** The AclBindingFilter of a DescribeAcls request or a DeleteAcls filter (same fields). */
import type { AclBindingFilter } from '../security/acl/acl-binding.js';
import type { AclOperation, AclPermissionType, PatternType, ResourceType } from '../security/authorizer.js';

export interface AclFilterFields {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export function aclFilter(f: AclFilterFields): AclBindingFilter {
  return {
    resourceType: f.resourceTypeFilter as ResourceType,
    resourceName: f.resourceNameFilter,
    patternType: f.patternTypeFilter as PatternType,
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: f.operation as AclOperation,
    permissionType: f.permissionType as AclPermissionType,
  };
}
