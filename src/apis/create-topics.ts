/**
 * CreateTopics (key 19, v0-7): creates topics with `num_partitions` (-1: `num.partitions`)
 * and replication factor 1 (-1: `default.replication.factor`); `validate_only` checks
 * without creating. Errors per topic: INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS,
 * INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (more replicas than live brokers),
 * INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG (unknown topic config name or invalid value; the
 * message names the key), INVALID_REQUEST (a topic named twice in one request). The configs
 * given are persisted with the topic; v5+ answers with every effective config.
 * Source: protocol guide "CreateTopics"; KIP-4, KIP-464 (defaults), KIP-525 (v5 configs).
 */
import type { BrokerServices } from '../broker-services.js';
import { describeTopicConfigs } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { validateTopicName } from '../storage/log-manager.js';
import type { ApiHandler, HandlerResult, RequestContext } from './api.js';
import { clusterPermitted, topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import { createTopicInCluster, planTopic } from '../cluster/topic-admin.js';

type CreatableTopic = CreateTopicsRequest['topics'][number];
type TopicResult = CreateTopicsResponse['topics'][number];

/** Checks one topic of the request; returns its partition count and configs. Throws KafkaError. */
function validate(broker: BrokerServices, topic: CreatableTopic): { numPartitions: number; configs: Record<string, string> } {
  validateTopicName(topic.name);
  if (broker.logs.topic(topic.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${topic.name}" already exists`);
  const nodeId = broker.config.nodeId;
  let numPartitions = topic.numPartitions;
  if (topic.assignments.length > 0) {
    if (numPartitions !== -1 || topic.replicationFactor !== -1) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'both numPartitions or replicationFactor and replicasAssignments were set');
    }
    topic.assignments.forEach((a, i) => {
      if (a.partitionIndex !== i || a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${a.partitionIndex} assigned to brokers [${a.brokerIds}]; the only broker is ${nodeId}`);
      }
    });
    numPartitions = topic.assignments.length;
  }
  if (numPartitions === -1) numPartitions = broker.config.numPartitions;
  if (numPartitions < 1) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${numPartitions}`);
  const replicationFactor = topic.replicationFactor === -1 ? broker.config.defaultReplicationFactor : topic.replicationFactor;
  if (topic.assignments.length === 0 && replicationFactor !== 1) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor: ${replicationFactor} larger than available brokers: 1`);
  }
  const given: Record<string, string | null> = {};
  for (const config of topic.configs) {
    if (Object.hasOwn(given, config.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `config ${config.name} is given more than once`);
    given[config.name] = config.value;
  }
  return { numPartitions, configs: broker.logs.validateNewTopic(topic.name, numPartitions, given) };
}

export const createTopicsHandler: ApiHandler<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  handle(request, ctx) {
    // CREATE on the cluster, or on each topic.
    const denied = clusterPermitted(ctx, AclOperation.CREATE) ? [] : request.topics.filter((t) => !topicPermitted(ctx, AclOperation.CREATE, t.name));
    if (denied.length === 0) return createTopics(request, ctx);
    const deniedResults: TopicResult[] = denied.map((t) => ({
      name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `not authorized to create topic "${t.name}"`,
      topicConfigErrorCode: ErrorCode.NONE, numPartitions: -1, replicationFactor: -1, configs: null,
    }));
    const merge = (r: HandlerResult<CreateTopicsResponse>) => ({ ...r, response: { ...r.response, topics: [...r.response.topics, ...deniedResults] } });
    const result = createTopics({ ...request, topics: request.topics.filter((t) => !denied.includes(t)) }, ctx);
    return result instanceof Promise ? result.then(merge) : merge(result);
  },
};

function createTopics(request: CreateTopicsRequest, ctx: RequestContext): HandlerResult<CreateTopicsResponse> | Promise<HandlerResult<CreateTopicsResponse>> {
  if (ctx.broker.cluster) return createTopicsInCluster(request, ctx);
  const { broker } = ctx;
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics = request.topics.map((t): TopicResult => {
    const result: TopicResult = {
      name: t.name,
      topicId: ZERO_UUID,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: -1,
      replicationFactor: -1,
      configs: null,
    };
    try {
      if (counts.get(t.name)! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, `topic "${t.name}" appears more than once in the request`);
      const { numPartitions, configs } = validate(broker, t);
      result.numPartitions = numPartitions;
      result.replicationFactor = 1;
      result.configs = describeTopicConfigs(broker.config, configs, (key) => broker.dynamicConfig.dynamicSource(key)).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.source,
        isSensitive: false,
      }));
      if (!request.validateOnly) result.topicId = broker.logs.createTopic(t.name, numPartitions, configs).topicId;
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      result.errorCode = err.code;
      result.errorMessage = err.message;
    }
    return result;
  });
  return { response: { throttleTimeMs: 0, topics } };
}

/**
 * Cluster mode: topics are assigned across the live brokers (rack-unaware round robin) and
 * written to ZooKeeper; each result waits until its partitions have leaders (or the
 * request's timeout: REQUEST_TIMED_OUT).
 */
async function createTopicsInCluster(request: CreateTopicsRequest, { broker }: RequestContext): Promise<HandlerResult<CreateTopicsResponse>> {
  const cluster = broker.cluster!;
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics = await Promise.all(
    request.topics.map(async (t): Promise<TopicResult> => {
      const result: TopicResult = { name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null, topicConfigErrorCode: ErrorCode.NONE, numPartitions: -1, replicationFactor: -1, configs: null };
      try {
        if (counts.get(t.name)! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, `topic "${t.name}" appears more than once in the request`);
        if (t.assignments.length > 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'manual replica assignments are not supported; give numPartitions and replicationFactor');
        const spec = {
          name: t.name,
          numPartitions: t.numPartitions === -1 ? broker.config.numPartitions : t.numPartitions,
          replicationFactor: t.replicationFactor === -1 ? broker.config.defaultReplicationFactor : t.replicationFactor,
          configs: Object.fromEntries(t.configs.map((c) => [c.name, c.value])),
        };
        const { configs } = planTopic(cluster, broker.config, spec);
        result.numPartitions = spec.numPartitions;
        result.replicationFactor = spec.replicationFactor;
        result.configs = describeTopicConfigs(broker.config, configs).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: false }));
        if (!request.validateOnly) result.topicId = await createTopicInCluster(cluster, broker.config, spec, request.timeoutMs);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        result.errorCode = err.code;
        result.errorMessage = err.message;
      }
      return result;
    }),
  );
  return { response: { throttleTimeMs: 0, topics } };
}
