/**
 * The one seam for authorization: every Kafka API handler and every WebSocket gateway
 * operation asks `authorize(session, operation, resource)`; nothing else reads ACLs.
 *
 * Codes are Kafka's (org.apache.kafka.common.acl.AclOperation, resource.ResourceType,
 * resource.PatternType, acl.AclPermissionType), as they appear in CreateAcls, DescribeAcls,
 * DeleteAcls and in Metadata's authorized-operations bit fields (KIP-430).
 * Source: docs/security.html ("Authorization and ACLs", "Operations and Resources on Protocols").
 */
import type { AuthSession } from './auth-session.js';

export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

export const PatternType = {
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

export const AclPermissionType = {
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const;
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];

/**
 * The operations an ACL on each resource type can grant (Kafka's AclEntry.supportedOperations),
 * which is also the set reported in KIP-430's authorized-operations bit fields.
 */
export const SUPPORTED_OPERATIONS: Readonly<Partial<Record<ResourceType, readonly AclOperation[]>>> = {
  [ResourceType.TOPIC]: [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE],
  [ResourceType.CLUSTER]: [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE],
};

/** The one CLUSTER resource's name (Kafka's Resource.CLUSTER_NAME). */
export const CLUSTER_NAME = 'kafka-cluster';

/** A concrete resource a request acts on. */
export interface Resource {
  readonly type: ResourceType;
  readonly name: string;
}

export function topicResource(name: string): Resource {
  return { type: ResourceType.TOPIC, name };
}
export function groupResource(name: string): Resource {
  return { type: ResourceType.GROUP, name };
}
export function transactionalIdResource(name: string): Resource {
  return { type: ResourceType.TRANSACTIONAL_ID, name };
}
export const CLUSTER_RESOURCE: Resource = Object.freeze({ type: ResourceType.CLUSTER, name: CLUSTER_NAME });

export interface Authorizer {
  /** False when authorization is off (every request is allowed without looking). */
  readonly enabled: boolean;
  /**
   * Whether `session` may perform `operation` on `resource`. Synchronous and cheap: it runs
   * for every request (an index lookup, never a scan of every ACL).
   */
  authorize(session: AuthSession, operation: AclOperation, resource: Resource): boolean;
  /**
   * Whether `session` may perform `operation` on at least one resource of `type` (Kafka's
   * authorizeByResourceType, KIP-679: an idempotent producer with WRITE on some topic).
   * May scan; used only by infrequent requests.
   */
  authorizeAnyOfType?(session: AuthSession, operation: AclOperation, type: ResourceType): boolean;
}

/** No `authorizer.class.name`: every principal may do everything (Kafka's behaviour without an authorizer). */
export const ALLOW_ALL_AUTHORIZER: Authorizer = Object.freeze({
  enabled: false,
  authorize: () => true,
});
