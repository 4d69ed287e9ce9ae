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
import type { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/generated/index.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { duplicateResources, replaceOverrides, checkConfigPermission } from './config-resources.js';

type Result = AlterConfigsResponse['responses'][number];

export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  handle(request, ctx) {
    const { broker } = ctx;
    const duplicates = duplicateResources(request.resources);
    const responses = request.resources.map((resource): Result => {
      const result: Result = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: resource.resourceType, resourceName: resource.resourceName };
      try {
        checkConfigPermission(ctx, resource, AclOperation.ALTER_CONFIGS);
        if (duplicates.has(`${resource.resourceType}:${resource.resourceName}`)) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `resource ${resource.resourceName} (type ${resource.resourceType}) appears more than once`);
        }
        const configs: Record<string, string | null> = {};
        for (const c of resource.configs) {
          if (Object.hasOwn(configs, c.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${c.name}`);
          configs[c.name] = c.value;
        }
        replaceOverrides(broker, resource.resourceType, resource.resourceName, configs, request.validateOnly);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        result.errorCode = err.code;
        result.errorMessage = err.message;
      }
      return result;
    });
    return { response: { throttleTimeMs: 0, responses } };
  },
};
