/**
 * Metadata (key 3, v0-12): brokers (this one), cluster id, controller, and topics with
 * their partitions, leaders and topic ids. An unknown topic is created when
 * `auto.create.topics.enable` and the request allow it (v4+ AllowAutoTopicCreation).
 * Errors per topic: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, INVALID_TOPIC_EXCEPTION.
 * Source: protocol guide "Metadata"; KIP-516 (topic ids).
 */
import type { Broker } from '../broker.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { MetadataRequest, MetadataResponse } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import type { TopicState } from '../storage/log-manager.js';
import type { ApiHandler } from './api.js';

type TopicResponse = MetadataResponse['topics'][number];

function describeTopic(broker: Broker, topic: TopicState): TopicResponse {
  const nodeId = broker.config.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: false,
    partitions: topic.partitions.map((_, partitionIndex) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): TopicResponse {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
}

/**
 * Finds or (if allowed) auto-creates a topic for a request naming it.
 * Errors (KafkaError): INVALID_TOPIC_EXCEPTION, UNKNOWN_TOPIC_OR_PARTITION.
 */
export function topicForRequest(broker: Broker, name: string, allowAutoCreate: boolean): TopicState {
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
  handle(request, { broker, apiVersion }) {
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
            return describeTopic(broker, topicForRequest(broker, t.name, allowAutoCreate));
          } catch (err) {
            if (err instanceof KafkaError) return topicError(t.name, ZERO_UUID, err.code);
            throw err;
          }
        });
    return {
      response: {
        throttleTimeMs: 0,
        brokers: [{ nodeId: broker.config.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, rack: null }],
        clusterId: broker.clusterId,
        controllerId: broker.config.nodeId,
        topics,
        clusterAuthorizedOperations: -2147483648,
      },
    };
  },
};
