/**
 * Metadata (key 3, v0-12): the live brokers, cluster id, controller, and topics with their
 * partitions, leaders, replicas, ISRs and topic ids (a single broker is a cluster of one). An unknown topic is created when
 * `auto.create.topics.enable` and the request allow it (v4+ AllowAutoTopicCreation).
 * Errors per topic: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, INVALID_TOPIC_EXCEPTION.
 * Topics the caller may not DESCRIBE are left out (TOPIC_AUTHORIZATION_FAILED when named);
 * v8+ reports the caller's authorized operations on request (KIP-430).
 * Source: protocol guide "Metadata"; KIP-516 (topic ids); KIP-430.
 */
import type { BrokerServices } from '../broker-services.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { MetadataRequest } from '../protocol/generated/metadata-request.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import type { TopicMetadata } from '../cluster/cluster-metadata.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../transactions/transaction-log.js';
import { liveBrokerEndpoints } from './broker-endpoints.js';
import type { ApiHandler, HandlerResult, RequestContext } from './api.js';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, clusterPermitted, topicPermitted } from './authorize.js';
import { AclOperation, CLUSTER_RESOURCE, topicResource } from '../security/authorizer.js';

/** How long a Metadata request waits for an auto-created topic's leaders, ms. */
const AUTO_CREATE_WAIT_MS = 5_000;

type TopicResponse = MetadataResponse['topics'][number];

/** A topic as the cluster sees it: leaders, replicas and ISRs (on a single broker: itself). */
function describeTopic(broker: BrokerServices, topic: TopicMetadata): TopicResponse {
  const { metadata } = broker;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.name === OFFSETS_TOPIC || topic.name === TRANSACTION_STATE_TOPIC,
    partitions: Array.from({ length: topic.partitionCount }, (_, partitionIndex) => {
      const p = metadata.partition(topic.name, partitionIndex);
      const leader = p?.leader ?? -1;
      const replicas = p?.replicas ?? [];
      return {
        errorCode: leader >= 0 ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex,
        leaderId: leader,
        leaderEpoch: p?.leaderEpoch ?? -1,
        replicaNodes: [...replicas],
        isrNodes: [...(p?.isr ?? [])],
        offlineReplicas: replicas.filter((r) => !metadata.isAlive(r)),
      };
    }),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): TopicResponse {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

export const metadataHandler: ApiHandler<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  handle(request, ctx) {
    // Topics the caller may not DESCRIBE are left out of "all topics", and are
    // TOPIC_AUTHORIZATION_FAILED when named; auto-creation needs CREATE (cluster or topic).
    const describable = (name: string) => topicPermitted(ctx, AclOperation.DESCRIBE, name);
    const mayCreate = (name: string) => describable(name) && (clusterPermitted(ctx, AclOperation.CREATE) || topicPermitted(ctx, AclOperation.CREATE, name));
    const all = request.topics === null || (ctx.apiVersion === 0 && request.topics.length === 0);
    // KIP-430 (v8+): the caller's operations on each topic and, v8-10, on the cluster.
    const withOperations = (t: TopicResponse): TopicResponse =>
      t.name !== null && t.errorCode === ErrorCode.NONE ? { ...t, topicAuthorizedOperations: authorizedOperations(ctx, topicResource(t.name), request.includeTopicAuthorizedOperations) } : t;
    const authorize = (r: HandlerResult<MetadataResponse>): HandlerResult<MetadataResponse> => {
      let topics = r.response.topics;
      if (ctx.broker.authorizer.enabled) {
        topics = all
          ? topics.filter((t) => t.name !== null && describable(t.name))
          : topics.map((t) => (t.name !== null && !describable(t.name) ? topicError(t.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED) : t));
      }
      const clusterAuthorizedOperations = authorizedOperations(ctx, CLUSTER_RESOURCE, request.includeClusterAuthorizedOperations);
      return { ...r, response: { ...r.response, topics: topics.map(withOperations), clusterAuthorizedOperations } };
    };
    return metadata(request, ctx, mayCreate).then(authorize);
  },
};

/**
 * Every live broker, the controller, and the topics asked for; an unknown topic is
 * auto-created (with `num.partitions` and `default.replication.factor`, capped by the live
 * brokers) when allowed: its partitions get leaders before the answer, or it is reported
 * LEADER_NOT_AVAILABLE and the client asks again.
 */
async function metadata(request: MetadataRequest, { broker, apiVersion, session }: RequestContext, mayCreate: (name: string) => boolean): Promise<HandlerResult<MetadataResponse>> {
  const cluster = broker.metadata;
  // v0: an empty list means all topics; v1+: null means all, empty means none.
  const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
  const allowAutoCreate = (apiVersion < 4 || request.allowAutoTopicCreation) && broker.config.autoCreateTopicsEnable;
  let topics: TopicResponse[];
  if (all) {
    topics = cluster.topics().map((t) => describeTopic(broker, t));
  } else {
    topics = await Promise.all(
      request.topics!.map(async (t): Promise<TopicResponse> => {
        if (t.name === null) {
          const topic = cluster.topicById(t.topicId);
          return topic ? describeTopic(broker, topic) : topicError(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
        }
        const name = t.name;
        const existing = cluster.topic(name);
        if (existing) return describeTopic(broker, existing);
        if (!allowAutoCreate || !mayCreate(name)) return topicError(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        try {
          const replicationFactor = Math.min(broker.config.defaultReplicationFactor, cluster.aliveBrokers().length);
          await broker.topicAdmin.createTopic({ name, numPartitions: -1, replicationFactor, assignment: null, configs: {} }, false, AUTO_CREATE_WAIT_MS);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          if (err.code !== ErrorCode.TOPIC_ALREADY_EXISTS && err.code !== ErrorCode.REQUEST_TIMED_OUT) return topicError(name, ZERO_UUID, err.code);
        }
        const created = cluster.topic(name);
        return created ? describeTopic(broker, created) : topicError(name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE);
      }),
    );
  }
  return {
    response: {
      throttleTimeMs: 0,
      brokers: liveBrokerEndpoints(broker, session.listenerName),
      clusterId: broker.clusterId,
      controllerId: cluster.controllerId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    },
  };
}
