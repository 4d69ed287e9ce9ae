/**
 * FindCoordinator (key 10, v0-6): this broker coordinates every group (and would every
 * transactional id) on a single node. Creates `__consumer_offsets` on first use, as Kafka
 * does. v4+ batches keys (KIP-699).
 * Errors: INVALID_REQUEST for an unknown key type.
 * Source: protocol guide "FindCoordinator"; KIP-699.
 */
import type { Broker } from '../broker.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type FindCoordinatorRequest, type FindCoordinatorResponse, createFindCoordinatorResponse } from '../protocol/generated/index.js';
import { createTopicInCluster } from '../cluster/topic-admin.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import type { ApiHandler } from './api.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

async function locate(broker: Broker, listenerName: string, key: string, keyType: number) {
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) {
    return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown key type ${keyType}` };
  }
  const cluster = broker.cluster;
  if (!cluster) {
    if (keyType === KEY_TYPE_GROUP) broker.groups.ensureOffsetsTopic();
    return { key, nodeId: broker.config.nodeId, ...broker.endpointFor(listenerName), errorCode: ErrorCode.NONE, errorMessage: null };
  }
  // Cluster mode: the coordinator is the leader of the group's __consumer_offsets partition.
  const unavailable = (why: string) => ({ key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: why });
  if (!cluster.metadata.topics.has(OFFSETS_TOPIC)) {
    try {
      const replicationFactor = Math.min(broker.config.offsetsTopicReplicationFactor, cluster.metadata.brokers.size);
      await createTopicInCluster(cluster, broker.config, { name: OFFSETS_TOPIC, numPartitions: broker.config.offsetsTopicNumPartitions, replicationFactor, configs: {} }, 10_000);
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.TOPIC_ALREADY_EXISTS) return unavailable(`${OFFSETS_TOPIC} is not ready: ${(err as Error).message}`);
    }
  }
  const partition = broker.groups.partitionFor(key);
  const leader = cluster.metadata.brokers.get(cluster.metadata.state(OFFSETS_TOPIC, partition)?.leader ?? -1);
  if (!leader) return unavailable(`${OFFSETS_TOPIC}-${partition} has no leader`);
  const endpoint = broker.endpointOf(leader, listenerName);
  if (!endpoint) return unavailable(`broker ${leader.id} has no listener ${listenerName}`);
  return { key, nodeId: leader.id, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  async handle(request, { broker, apiVersion, session }) {
    const listener = session.listenerName;
    if (apiVersion >= 4) {
      return { response: createFindCoordinatorResponse({ coordinators: await Promise.all(request.coordinatorKeys.map((key) => locate(broker, listener, key, request.keyType))) }) };
    }
    const c = await locate(broker, listener, request.key, request.keyType);
    return { response: createFindCoordinatorResponse({ errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port }) };
  },
};
