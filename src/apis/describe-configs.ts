/**
 * DescribeConfigs (key 32, v0-4): a topic's configs (resource type 2: every topic config with
 * its effective value and source — DYNAMIC_TOPIC_CONFIG for the topic's overrides, then the
 * broker's dynamic, static or default value), this broker's configs (type 4, name = node id;
 * read-only unless dynamic) or the cluster-wide dynamic defaults (type 4, name "").
 * Synonyms (v1+, include_synonyms) list every level a value could come from, highest first.
 * Errors per resource: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST (unsupported resource
 * type or another broker's id).
 * Source: protocol guide "DescribeConfigs"; KIP-133, KIP-226 (synonyms), KIP-569 (types, docs).
 */
import { ConfigSource, type ConfigEntry, describeTopicConfigs } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { DescribeConfigsRequest } from '../protocol/generated/describe-configs-request.js';
import type { DescribeConfigsResponse } from '../protocol/generated/describe-configs-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { RESOURCE_TYPE_BROKER, RESOURCE_TYPE_TOPIC, brokerLevel, checkConfigPermission, topicOverrides } from './config-resources.js';

export { RESOURCE_TYPE_BROKER, RESOURCE_TYPE_TOPIC };

type Result = DescribeConfigsResponse['results'][number];

/**
 * The entries the client named, in the order it named them (each once); names the resource
 * does not have are left out, as Kafka does.
 */
function inRequestedOrder(entries: ConfigEntry[], keys: string[]): ConfigEntry[] {
  const byName = new Map(entries.map((e) => [e.name, e]));
  return [...new Set(keys)].flatMap((key) => byName.get(key) ?? []);
}

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const results = request.resources.map((resource): Result => {
      const result: Result = {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        configs: [],
      };
      try {
        checkConfigPermission(ctx, resource, AclOperation.DESCRIBE_CONFIGS);
        let entries: ConfigEntry[];
        if (resource.resourceType === RESOURCE_TYPE_TOPIC) {
          entries = describeTopicConfigs(broker.config, topicOverrides(broker, resource.resourceName), (key) => broker.dynamicConfig.dynamicSource(key));
        } else if (resource.resourceType === RESOURCE_TYPE_BROKER) {
          entries = broker.dynamicConfig.describe(brokerLevel(broker, resource.resourceName));
        } else {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `resource type ${resource.resourceType} is not supported`);
        }
        const keys = resource.configurationKeys;
        if (keys !== null && keys.length > 0) entries = inRequestedOrder(entries, keys);
        result.configs = entries.map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
          configSource: e.source,
          isSensitive: e.sensitive === true,
          synonyms: apiVersion >= 1 && request.includeSynonyms ? e.synonyms : [],
          configType: e.type,
          documentation: request.includeDocumentation ? e.documentation : null,
        }));
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        result.errorCode = err.code;
        result.errorMessage = err.message;
      }
      return result;
    });
    return { response: { throttleTimeMs: 0, results } };
  },
};
