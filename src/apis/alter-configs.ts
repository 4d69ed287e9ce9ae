/**
 * AlterConfigs (key 33, v0-2): replaces the whole set of overrides of each resource — a
 * topic's configs, or this broker's / the cluster default's dynamic broker configs — with
 * the given entries (entries not named return to their defaults). Nothing changes with
 * validate_only. Errors per resource: INVALID_CONFIG (unknown name, bad value, or a broker
 * key that cannot change dynamically; the message names the key), UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_REQUEST (unsupported resource type, another broker, duplicate resource or key).
 * Source: protocol guide "AlterConfigs"; KIP-133, KIP-226.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { AlterConfigsRequest } from '../protocol/generated/alter-configs-request.js';
import type { AlterConfigsResponse } from '../protocol/generated/alter-configs-response.js';
import type { ApiHandler } from './api.js';
import { alterResources } from './config-resources.js';

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx) {
    const responses = await alterResources(ctx, request.resources, request.validateOnly, (resource) => {
      const configs: Record<string, string | null> = {};
      for (const c of resource.configs) {
        if (Object.hasOwn(configs, c.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${c.name}`);
        configs[c.name] = c.value;
      }
      return configs;
    });
    return { response: { throttleTimeMs: 0, responses } };
  },
};
