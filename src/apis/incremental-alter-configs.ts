/**
 * IncrementalAlterConfigs (key 44, v0-1): changes single entries of a resource's overrides
 * (a topic, this broker, or the cluster default) and leaves the others as they are.
 * Operations: 0 SET, 1 DELETE (back to the default), 2 APPEND and 3 SUBTRACT (LIST configs
 * only, e.g. cleanup.policy; APPEND starts from the effective value). Nothing changes with
 * validate_only. Errors per resource: INVALID_CONFIG (unknown name, bad value, APPEND/SUBTRACT
 * on a non-list, a broker key that cannot change dynamically; the message names the key),
 * UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST (operation code, resource type, another
 * broker, duplicate resource or key).
 * Source: protocol guide "IncrementalAlterConfigs"; KIP-339; Kafka ConfigAdminManager.
 */
import type { BrokerServices } from '../broker-services.js';
import { brokerConfigType } from '../config/dynamic-broker-config.js';
import { ConfigType, describeTopicConfigs, topicConfigType } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { IncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';
import type { IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import type { ApiHandler } from './api.js';
import { RESOURCE_TYPE_TOPIC, alterResources, brokerLevel, currentOverrides, topicOverrides } from './config-resources.js';

type Resource = IncrementalAlterConfigsRequest['resources'][number];

export const OP_SET = 0;
export const OP_DELETE = 1;
export const OP_APPEND = 2;
export const OP_SUBTRACT = 3;

/** The value a LIST config has now for a resource (override, else the effective default). */
function effectiveValue(broker: BrokerServices, resource: Resource, name: string, overrides: Record<string, string>): string {
  if (overrides[name] !== undefined) return overrides[name]!;
  if (resource.resourceType === RESOURCE_TYPE_TOPIC) {
    return describeTopicConfigs(broker.config, topicOverrides(broker, resource.resourceName)).find((e) => e.name === name)?.value ?? '';
  }
  const level = brokerLevel(broker, resource.resourceName);
  return broker.dynamicConfig.describe(level === 'cluster' ? 'broker' : level).find((e) => e.name === name)?.value ?? '';
}

function applyOps(broker: BrokerServices, resource: Resource): Record<string, string | null> {
  const overrides = currentOverrides(broker, resource.resourceType, resource.resourceName);
  const next: Record<string, string | null> = { ...overrides };
  const seen = new Set<string>();
  for (const op of resource.configs) {
    if (seen.has(op.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${op.name}`);
    seen.add(op.name);
    const type = resource.resourceType === RESOURCE_TYPE_TOPIC ? topicConfigType(op.name) : brokerConfigType(op.name);
    switch (op.configOperation) {
      case OP_SET:
        next[op.name] = op.value;
        break;
      case OP_DELETE:
        delete next[op.name];
        break;
      case OP_APPEND:
      case OP_SUBTRACT: {
        if (type !== ConfigType.LIST) {
          const verb = op.configOperation === OP_APPEND ? 'append' : 'subtract';
          throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${op.name}`);
        }
        const items = effectiveValue(broker, resource, op.name, overrides).split(',').filter((s) => s.length > 0);
        const given = (op.value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
        const result = op.configOperation === OP_APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
        next[op.name] = result.join(',');
        break;
      }
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown config operation ${op.configOperation} for ${op.name}`);
    }
  }
  return next;
}

export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, ctx) {
    const responses = await alterResources(ctx, request.resources, request.validateOnly, (resource) => applyOps(ctx.broker, resource));
    return { response: { throttleTimeMs: 0, responses } };
  },
};
