/**
 * CreateTopics (key 19, v0-7): creates topics with `num_partitions` (-1: `num.partitions`)
 * and `replication_factor` (-1: `default.replication.factor`), or with a manual replica
 * assignment over live brokers; `validate_only` checks without creating. Errors per topic: INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS,
 * INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (more replicas than live brokers),
 * INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG (unknown topic config name or invalid value; the
 * message names the key), INVALID_REQUEST (a topic named twice in one request). The configs
 * given are persisted with the topic; v5+ answers with every effective config.
 * Source: protocol guide "CreateTopics"; KIP-4, KIP-464 (defaults), KIP-525 (v5 configs).
 */
import { describeTopicConfigs } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import type { CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import type { ApiHandler, HandlerResult, RequestContext } from './api.js';
import { clusterPermitted, topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { NewTopic } from '../cluster/topic-admin.js';

type CreatableTopic = CreateTopicsRequest['topics'][number];
type TopicResult = CreateTopicsResponse['topics'][number];

/**
 * The request's form of one topic as a NewTopic. Errors (KafkaError): INVALID_REQUEST (a
 * config named twice), INVALID_REPLICA_ASSIGNMENT (partition indexes not 0..n-1).
 */
function newTopic(topic: CreatableTopic): NewTopic {
  const configs: Record<string, string | null> = {};
  for (const config of topic.configs) {
    if (Object.hasOwn(configs, config.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `config ${config.name} is given more than once`);
    configs[config.name] = config.value;
  }
  let assignment: number[][] | null = null;
  if (topic.assignments.length > 0) {
    assignment = [];
    for (const a of topic.assignments) {
      if (a.partitionIndex < 0 || a.partitionIndex >= topic.assignments.length || assignment[a.partitionIndex]) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence');
      }
      assignment[a.partitionIndex] = [...a.brokerIds];
    }
  }
  return { name: topic.name, numPartitions: topic.numPartitions, replicationFactor: topic.replicationFactor, assignment, configs };
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
    return createTopics({ ...request, topics: request.topics.filter((t) => !denied.includes(t)) }, ctx).then(merge);
  },
};

/**
 * Creates each topic through the topic admin (a single broker's logs, or ZooKeeper and the
 * controller); each result waits until its partitions have leaders (or the request's
 * timeout: REQUEST_TIMED_OUT).
 */
async function createTopics(request: CreateTopicsRequest, { broker }: RequestContext): Promise<HandlerResult<CreateTopicsResponse>> {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics = await Promise.all(
    request.topics.map(async (t): Promise<TopicResult> => {
      const result: TopicResult = { name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null, topicConfigErrorCode: ErrorCode.NONE, numPartitions: -1, replicationFactor: -1, configs: null };
      try {
        if (counts.get(t.name)! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, `topic "${t.name}" appears more than once in the request`);
        const created = await broker.topicAdmin.createTopic(newTopic(t), request.validateOnly, request.timeoutMs);
        result.topicId = created.topicId;
        result.numPartitions = created.assignment.length;
        result.replicationFactor = created.assignment[0]!.length;
        result.configs = describeTopicConfigs(broker.config, created.configs, (key) => broker.dynamicConfig.dynamicSource(key)).map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: c.source,
          isSensitive: false,
        }));
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
