/**
 * Kafka's names for ACL codes (ResourceType "Topic", PatternType "Prefixed", AclOperation
 * "IdempotentWrite", AclPermissionType "Allow"), as kafka-acls.sh and the ZooKeeper JSON use
 * them; parsing is case-insensitive and accepts `_` (IDEMPOTENT_WRITE).
 */
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../authorizer.js';
import type { AclBinding } from './acl-binding.js';

function camel(upper: string): string {
  return upper.toLowerCase().split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function namer<T extends Record<string, number>>(codes: T) {
  const byCode = new Map<number, string>(Object.entries(codes).map(([k, v]) => [v, camel(k)]));
  const byName = new Map<string, number>(Object.entries(codes).map(([k, v]) => [k.replace(/_/g, '').toLowerCase(), v]));
  return {
    name: (code: number): string => byCode.get(code) ?? 'Unknown',
    /** The code for a name (any case, `_` optional); UNKNOWN (0) when none. */
    code: (name: string): T[keyof T] => (byName.get(name.replace(/[_-]/g, '').toLowerCase()) ?? 0) as T[keyof T],
  };
}

export const resourceTypes = namer(ResourceType);
export const patternTypes = namer(PatternType);
export const operations = namer(AclOperation);
export const permissions = namer(AclPermissionType);

export function aclToJson(b: AclBinding): Record<string, string> {
  return {
    resourceType: resourceTypes.name(b.resourceType),
    resourceName: b.resourceName,
    patternType: patternTypes.name(b.patternType),
    principal: b.principal,
    host: b.host,
    operation: operations.name(b.operation),
    permissionType: permissions.name(b.permissionType),
  };
}

export function aclFromJson(raw: unknown): AclBinding {
  const o = raw as Record<string, unknown>;
  const str = (k: string): string => {
    if (typeof o[k] !== 'string') throw new Error(`ACL field ${k} missing`);
    return o[k] as string;
  };
  return {
    resourceType: resourceTypes.code(str('resourceType')),
    resourceName: str('resourceName'),
    patternType: patternTypes.code(str('patternType')),
    principal: str('principal'),
    host: str('host'),
    operation: operations.code(str('operation')),
    permissionType: permissions.code(str('permissionType')),
  };
}
