/**
 * DescribeConfigs (key 32, v0-4): topic configs (resource type 2) with the broker defaults
 * they take, and the broker's own configs (resource type 4, name = node id).
 * Errors per resource: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST (unsupported resource
 * type or another broker's id).
 * Source: protocol guide "DescribeConfigs"; KIP-133, KIP-226 (synonyms), KIP-569 (types, docs).
 */
import { ConfigSource, type ConfigEntry, describeBrokerConfigs, describeTopicConfigs } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { DescribeConfigsRequest, DescribeConfigsResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

export const RESOURCE_TYPE_TOPIC = 2;
export const RESOURCE_TYPE_BROKER = 4;

type Result = DescribeConfigsResponse['results'][number];

export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  handle(request, { broker }) {
    const results = request.resources.map((resource): Result => {
      const result: Result = {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        configs: [],
      };
      try {
        let entries: ConfigEntry[];
        if (resource.resourceType === RESOURCE_TYPE_TOPIC) {
          if (!broker.logs.topic(resource.resourceName)) {
            throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${resource.resourceName}" does not exist`);
          }
          entries = describeTopicConfigs(broker.config);
        } else if (resource.resourceType === RESOURCE_TYPE_BROKER) {
          if (resource.resourceName !== '' && resource.resourceName !== String(broker.config.nodeId)) {
            throw new KafkaError(ErrorCode.INVALID_REQUEST, `broker ${resource.resourceName} is not this broker (${broker.config.nodeId})`);
          }
          entries = describeBrokerConfigs(broker.config);
        } else {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `resource type ${resource.resourceType} is not supported`);
        }
        const keys = resource.configurationKeys;
        if (keys !== null && keys.length > 0) entries = entries.filter((e) => keys.includes(e.name));
        result.configs = entries.map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
          configSource: e.source,
          isSensitive: false,
          synonyms: [],
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
