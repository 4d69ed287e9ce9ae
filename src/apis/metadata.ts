/**
 * Metadata (key 3, v0-12): brokers (this one), cluster id, controller, and topics with
 * their partitions, leaders and topic ids. An unknown topic is created when
 * `auto.create.topics.enable` and the request allow it (v4+ AllowAutoTopicCreation).
 * Errors per topic: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, INVALID_TOPIC_EXCEPTION.
 * Topics the caller may not DESCRIBE are left out (TOPIC_AUTHORIZATION_FAILED when named);
 * v8+ reports the caller's authorized operations on request (KIP-430).
 * Source: protocol guide "Metadata"; KIP-516 (topic ids); KIP-430.
 */
import type { BrokerServices } from '../broker-services.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { MetadataRequest, MetadataResponse } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import type { TopicState } from '../storage/log-manager.js';
import { createTopicInCluster } from '../cluster/topic-admin.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import type { ApiHandler, HandlerResult, RequestContext } from './api.js';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, clusterPermitted, topicPermitted } from './authorize.js';
import { AclOperation, CLUSTER_RESOURCE, topicResource } from '../security/authorizer.js';

/** How long a Metadata request waits for an auto-created topic's leaders, ms. */
const AUTO_CREATE_WAIT_MS = 5_000;

type TopicResponse = MetadataResponse['topics'][number];

function describeTopic(broker: BrokerServices, topic: TopicState): TopicResponse {
  const nodeId = broker.config.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.name === OFFSETS_TOPIC,
    partitions: topic.partitions.map((_, partitionIndex) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): TopicResponse {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

/**
 * Finds or (if allowed) auto-creates a topic for a request naming it.
 * Errors (KafkaError): INVALID_TOPIC_EXCEPTION, UNKNOWN_TOPIC_OR_PARTITION.
 */
export function topicForRequest(broker: BrokerServices, name: string, allowAutoCreate: boolean): TopicState {
  const existing = broker.logs.topic(name);
  if (existing) return existing;
  if (!allowAutoCreate || !broker.config.autoCreateTopicsEnable) {
    throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
  }
  return broker.logs.createTopic(name, broker.config.numPartitions);
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
    if (ctx.broker.cluster) return clusterMetadata(request, ctx, mayCreate).then(authorize);
    return authorize(localMetadata(request, ctx, mayCreate));
  },
};

function localMetadata(request: MetadataRequest, ctx: RequestContext, mayCreate: (name: string) => boolean): HandlerResult<MetadataResponse> {
  const { broker, apiVersion } = ctx;
  // v0: an empty list means all topics; v1+: null means all, empty means none.
  const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
  const allowAutoCreate = apiVersion < 4 || request.allowAutoTopicCreation;
  const topics: TopicResponse[] = all
    ? broker.logs.allTopics().map((t) => describeTopic(broker, t))
    : request.topics!.map((t) => {
        if (t.name === null) {
          const topic = broker.logs.topicById(t.topicId);
          return topic ? describeTopic(broker, topic) : topicError(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
        }
        try {
          return describeTopic(broker, topicForRequest(broker, t.name, allowAutoCreate && mayCreate(t.name)));
        } catch (err) {
          if (err instanceof KafkaError) return topicError(t.name, ZERO_UUID, err.code);
          throw err;
        }
      });
  return {
    response: {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.config.nodeId, ...broker.endpointFor(ctx.session.listenerName), rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.config.nodeId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    },
  };
}

/** A topic as the cluster sees it: leaders, replicas and ISRs from ZooKeeper's partition states. */
function describeClusterTopic(broker: BrokerServices, name: string): TopicResponse {
  const metadata = broker.cluster!.metadata;
  const assignment = metadata.topics.get(name)!;
  const live = metadata.brokers;
  return {
    errorCode: ErrorCode.NONE,
    name,
    topicId: assignment.topicId,
    isInternal: name === OFFSETS_TOPIC,
    partitions: assignment.partitions.map((replicas, partitionIndex) => {
      const state = metadata.state(name, partitionIndex);
      const leader = state?.leader ?? -1;
      return {
        errorCode: leader >= 0 ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex,
        leaderId: leader,
        leaderEpoch: state?.leaderEpoch ?? -1,
        replicaNodes: replicas,
        isrNodes: state?.isr ?? [],
        offlineReplicas: replicas.filter((r) => !live.has(r)),
      };
    }),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/**
 * Cluster mode: every live broker, the controller, and topics from the cluster metadata;
 * an unknown topic is auto-created across the cluster (its partitions get leaders before the
 * answer, or it is reported LEADER_NOT_AVAILABLE and the client asks again).
 */
async function clusterMetadata(request: MetadataRequest, { broker, apiVersion, session }: RequestContext, mayCreate: (name: string) => boolean): Promise<HandlerResult<MetadataResponse>> {
  const cluster = broker.cluster!;
  const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
  const allowAutoCreate = (apiVersion < 4 || request.allowAutoTopicCreation) && broker.config.autoCreateTopicsEnable;
  let topics: TopicResponse[];
  if (all) {
    topics = [...cluster.metadata.topics.keys()].map((name) => describeClusterTopic(broker, name));
  } else {
    topics = await Promise.all(
      request.topics!.map(async (t): Promise<TopicResponse> => {
        let name = t.name;
        if (name === null) {
          name = [...cluster.metadata.topics].find(([, a]) => a.topicId === t.topicId)?.[0] ?? null;
          if (name === null) return topicError(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
        }
        if (cluster.metadata.topics.has(name)) return describeClusterTopic(broker, name);
        if (!allowAutoCreate || !mayCreate(name)) return topicError(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        try {
          const replicationFactor = Math.min(broker.config.defaultReplicationFactor, cluster.metadata.brokers.size);
          await createTopicInCluster(cluster, broker.config, { name, numPartitions: broker.config.numPartitions, replicationFactor, configs: {} }, AUTO_CREATE_WAIT_MS);
          return describeClusterTopic(broker, name);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          if (err.code === ErrorCode.TOPIC_ALREADY_EXISTS || err.code === ErrorCode.REQUEST_TIMED_OUT) {
            return cluster.metadata.topics.has(name) ? describeClusterTopic(broker, name) : topicError(name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE);
          }
          return topicError(name, ZERO_UUID, err.code);
        }
      }),
    );
  }
  return {
    response: {
      throttleTimeMs: 0,
      // Each broker's endpoint on the listener this client is connected to (brokers without it are left out, as Kafka).
      brokers: cluster.liveBrokers().flatMap((b) => {
        const endpoint = broker.endpointOf(b, session.listenerName);
        return endpoint ? [{ nodeId: b.id, host: endpoint.host, port: endpoint.port, rack: b.rack }] : [];
      }),
      clusterId: broker.clusterId,
      controllerId: cluster.metadata.controllerId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    },
  };
}
