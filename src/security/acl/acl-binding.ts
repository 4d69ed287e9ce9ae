/**
 * ACL bindings and filters as Kafka defines them (org.apache.kafka.common.acl.AclBinding,
 * AclBindingFilter; docs/security.html "Authorization and ACLs"; KIP-290 prefixed patterns):
 * a resource pattern (type, name, LITERAL or PREFIXED) with an entry (principal, host,
 * operation, ALLOW or DENY). A LITERAL name `*` matches every resource of its type.
 */
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../authorizer.js';
import { parsePrincipal } from '../principal.js';

export interface AclBinding {
  resourceType: ResourceType;
  resourceName: string;
  patternType: PatternType;
  principal: string;
  host: string;
  operation: AclOperation;
  permissionType: AclPermissionType;
}

/** DescribeAcls / DeleteAcls filters: null strings and ANY codes match everything. */
export interface AclBindingFilter {
  resourceType: ResourceType;
  resourceName: string | null;
  patternType: PatternType;
  principal: string | null;
  host: string | null;
  operation: AclOperation;
  permissionType: AclPermissionType;
}

export const WILDCARD = '*';

const CONCRETE_RESOURCE_TYPES = new Set<number>([ResourceType.TOPIC, ResourceType.GROUP, ResourceType.CLUSTER, ResourceType.TRANSACTIONAL_ID]);
const CONCRETE_OPERATIONS = new Set<number>(Object.values(AclOperation).filter((o) => o >= AclOperation.ALL && o <= AclOperation.IDEMPOTENT_WRITE));

/**
 * Why `b` cannot be stored (Kafka answers INVALID_REQUEST), or null when it can: a concrete
 * resource type, LITERAL or PREFIXED, a non-empty name (`kafka-cluster` for CLUSTER), a
 * `Type:name` principal (`User:*` allowed), a host, a concrete operation and permission.
 */
export function invalidBinding(b: AclBinding): string | null {
  if (!CONCRETE_RESOURCE_TYPES.has(b.resourceType)) return `unsupported resource type ${b.resourceType}`;
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return `pattern type must be LITERAL or PREFIXED, got ${b.patternType}`;
  if (b.resourceName.length === 0) return 'empty resource name';
  if (b.patternType === PatternType.PREFIXED && b.resourceName === WILDCARD) return 'a PREFIXED pattern cannot be *';
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== 'kafka-cluster') return 'the CLUSTER resource is named kafka-cluster';
  if (parsePrincipal(b.principal) === null) return `invalid principal ${JSON.stringify(b.principal)} (expected Type:name, e.g. User:alice)`;
  if (b.host.length === 0) return 'empty host (use * for any)';
  if (!CONCRETE_OPERATIONS.has(b.operation)) return `unsupported operation ${b.operation}`;
  if (b.permissionType !== AclPermissionType.ALLOW && b.permissionType !== AclPermissionType.DENY) return `permission must be ALLOW or DENY, got ${b.permissionType}`;
  return null;
}

/** Why a filter is unusable (INVALID_REQUEST), or null. */
export function invalidFilter(f: AclBindingFilter): string | null {
  if (f.resourceType === ResourceType.UNKNOWN) return 'unknown resource type';
  if (f.patternType === PatternType.UNKNOWN) return 'unknown pattern type';
  if (f.operation === AclOperation.UNKNOWN) return 'unknown operation';
  if (f.permissionType === AclPermissionType.UNKNOWN) return 'unknown permission type';
  if (f.principal !== null && parsePrincipal(f.principal) === null) return `invalid principal ${JSON.stringify(f.principal)}`;
  return null;
}

/**
 * Whether binding `b` matches filter `f`. Pattern MATCH takes the ACLs that would apply to the
 * named resource: LITERAL with that name or `*`, and PREFIXED whose prefix starts the name.
 */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType === PatternType.MATCH) {
    if (f.resourceName !== null) {
      const applies = b.patternType === PatternType.LITERAL ? b.resourceName === f.resourceName || b.resourceName === WILDCARD : f.resourceName.startsWith(b.resourceName);
      if (!applies) return false;
    }
  } else {
    if (f.patternType !== PatternType.ANY && f.patternType !== b.patternType) return false;
    if (f.resourceName !== null && f.resourceName !== b.resourceName) return false;
  }
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== b.operation) return false;
  if (f.permissionType !== AclPermissionType.ANY && f.permissionType !== b.permissionType) return false;
  return true;
}

export function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return a.resourceType === b.resourceType && a.resourceName === b.resourceName && a.patternType === b.patternType &&
    a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permissionType === b.permissionType;
}

/** `current` without `remove`, plus the bindings of `add` it lacks (order kept). */
export function applyAclChange(current: readonly AclBinding[], add: readonly AclBinding[], remove: readonly AclBinding[]): AclBinding[] {
  const next = current.filter((b) => !remove.some((r) => sameBinding(r, b)));
  for (const b of add) if (!next.some((a) => sameBinding(a, b))) next.push(b);
  return next;
}
