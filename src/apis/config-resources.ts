/**
 * What AlterConfigs and IncrementalAlterConfigs share: resolving a config resource (a topic,
 * this broker, or the cluster-wide broker default) to its current set of overrides, and
 * replacing that set (validated, persisted, applied at once; or only checked with
 * validate_only).
 * Resource types (Kafka ConfigResource.Type): 2 TOPIC, 4 BROKER, 8 BROKER_LOGGER.
 * Source: KIP-133 (AlterConfigs), KIP-226 (dynamic broker configs), KIP-339 (incremental).
 */
import type { BrokerServices } from '../broker-services.js';
import type { DynamicLevel } from '../config/dynamic-broker-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { RequestContext } from './api.js';
import { clusterPermitted, topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';

export const RESOURCE_TYPE_TOPIC = 2;
export const RESOURCE_TYPE_BROKER = 4;
export const RESOURCE_TYPE_BROKER_LOGGER = 8;

/**
 * The dynamic level a BROKER resource name addresses: "" the cluster default, this broker's
 * node id the broker itself. Errors: INVALID_REQUEST for any other name.
 */
export function brokerLevel(broker: BrokerServices, resourceName: string): DynamicLevel {
  if (resourceName === '') return 'cluster';
  if (resourceName === String(broker.config.nodeId)) return 'broker';
  throw new KafkaError(ErrorCode.INVALID_REQUEST, `broker ${resourceName} is not this broker (${broker.config.nodeId})`);
}

/** A topic's config overrides, from the cluster's metadata. Errors: UNKNOWN_TOPIC_OR_PARTITION. */
export function topicOverrides(broker: BrokerServices, topic: string): Readonly<Record<string, string>> {
  const configs = broker.metadata.topicConfigs(topic);
  if (!configs) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
  return configs;
}

/**
 * The overrides currently set on a resource (topic overrides, or the dynamic configs at a
 * broker level). Errors: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST (resource type or name).
 */
export function currentOverrides(broker: BrokerServices, resourceType: number, resourceName: string): Record<string, string> {
  if (resourceType === RESOURCE_TYPE_TOPIC) return { ...topicOverrides(broker, resourceName) };
  if (resourceType === RESOURCE_TYPE_BROKER) return broker.dynamicConfig.get(brokerLevel(broker, resourceName));
  throw new KafkaError(ErrorCode.INVALID_REQUEST, `resource type ${resourceType} is not supported (2 TOPIC, 4 BROKER)`);
}

/**
 * Replaces a resource's overrides with `configs` (null values dropped). Topic changes go
 * through the topic admin (at once on a single broker; in a cluster to ZooKeeper, which
 * every broker follows); broker changes update the live config and every topic that falls
 * back to it. Errors: as currentOverrides, plus INVALID_CONFIG naming the key.
 */
export async function replaceOverrides(
  broker: BrokerServices,
  resourceType: number,
  resourceName: string,
  configs: Record<string, string | null>,
  validateOnly: boolean,
): Promise<void> {
  if (resourceType === RESOURCE_TYPE_TOPIC) {
    await broker.topicAdmin.alterTopicConfigs(resourceName, configs, validateOnly);
    return;
  }
  currentOverrides(broker, resourceType, resourceName);
  const level = brokerLevel(broker, resourceName);
  const present = Object.fromEntries(Object.entries(configs).filter((e): e is [string, string] => e[1] !== null));
  const valid = broker.dynamicConfig.validate(level, present);
  if (validateOnly) return;
  await broker.brokerConfigs.alter(level, valid);
  broker.logger.info({ level, configs: valid }, 'altered dynamic broker configs');
}

/** One resource's answer to AlterConfigs / IncrementalAlterConfigs. */
export interface AlterResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/**
 * What AlterConfigs and IncrementalAlterConfigs do per resource, one after another in
 * request order: ALTER_CONFIGS permission, the duplicate-resource rule, then the new set of
 * overrides `overridesOf` computes, replaced (or only checked with `validateOnly`). Each
 * resource's KafkaError becomes its own error code and message.
 */
export async function alterResources<R extends { resourceType: number; resourceName: string }>(
  ctx: RequestContext,
  resources: readonly R[],
  validateOnly: boolean,
  overridesOf: (resource: R) => Record<string, string | null>,
): Promise<AlterResult[]> {
  const duplicates = duplicateResources(resources);
  const results: AlterResult[] = [];
  for (const resource of resources) {
    const result: AlterResult = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: resource.resourceType, resourceName: resource.resourceName };
    try {
      checkConfigPermission(ctx, resource, AclOperation.ALTER_CONFIGS);
      if (duplicates.has(`${resource.resourceType}:${resource.resourceName}`)) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `resource ${resource.resourceName} (type ${resource.resourceType}) appears more than once`);
      }
      await replaceOverrides(ctx.broker, resource.resourceType, resource.resourceName, overridesOf(resource), validateOnly);
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      result.errorCode = err.code;
      result.errorMessage = err.message;
    }
    results.push(result);
  }
  return results;
}

/**
 * The resources named more than once in one request, as `type:name` keys; Kafka answers
 * each of their entries with INVALID_REQUEST and applies none of them.
 */
export function duplicateResources(resources: ReadonlyArray<{ resourceType: number; resourceName: string }>): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of resources) {
    const key = `${r.resourceType}:${r.resourceName}`;
    if (seen.has(key)) dup.add(key);
    seen.add(key);
  }
  return dup;
}

/**
 * Throws TOPIC_AUTHORIZATION_FAILED / CLUSTER_AUTHORIZATION_FAILED unless the caller may
 * perform `operation` (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the config resource: the topic,
 * or the cluster for a broker (docs/security.html).
 */
export function checkConfigPermission(ctx: RequestContext, resource: { resourceType: number; resourceName: string }, operation: AclOperation): void {
  if (resource.resourceType === RESOURCE_TYPE_TOPIC) {
    if (!topicPermitted(ctx, operation, resource.resourceName)) throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized for the configs of topic ${resource.resourceName}`);
  } else if (!clusterPermitted(ctx, operation)) {
    throw new KafkaError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'not authorized for broker configs');
  }
}
