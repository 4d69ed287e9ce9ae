/**
 * FindCoordinator (key 10, v0-6): a group's coordinator is the leader of its
 * `__consumer_offsets` partition, a transactional id's the leader of its `__transaction_state`
 * partition (on a single broker: itself); the partition is abs(javaHashCode(key)) % the
 * topic's partitions. The topic is created on first use, as Kafka does, with its configured
 * partitions and replication factor (capped at the live brokers) — and, for
 * `__transaction_state`, `min.insync.replicas` = `transaction.state.log.min.isr` (capped at
 * that factor). v4+ batches keys (KIP-699).
 * Authorization: DESCRIBE on the group (key type GROUP) or the transactional id (TRANSACTION);
 * each denied key is GROUP_ / TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the others are answered.
 * Errors: INVALID_REQUEST for an unknown key type; COORDINATOR_NOT_AVAILABLE while the topic
 * cannot be created or the partition has no leader.
 * Source: protocol guide "FindCoordinator"; KIP-699; docs/security.html; Kafka
 * KafkaApis.getCoordinator, GroupCoordinator/TransactionStateManager.partitionFor.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { FindCoordinatorRequest } from '../protocol/generated/find-coordinator-request.js';
import { type FindCoordinatorResponse, createFindCoordinatorResponse } from '../protocol/generated/find-coordinator-response.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { AclOperation } from '../security/authorizer.js';
import { TRANSACTION_STATE_TOPIC } from '../transactions/transaction-log.js';
import type { BrokerServices } from '../broker-services.js';
import type { ApiHandler, RequestContext } from './api.js';
import { groupPermitted, transactionalIdPermitted } from './authorize.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

/** A key type's internal topic: its name, how to create it, the key's partition, the denial error. */
interface CoordinatorTopic {
  name: string;
  numPartitions: (b: BrokerServices) => number;
  replicationFactor: (b: BrokerServices) => number;
  configs: (b: BrokerServices, replicationFactor: number) => Record<string, string>;
  partitionFor: (b: BrokerServices, key: string) => number;
  permitted: (ctx: RequestContext, key: string) => boolean;
  deniedError: number;
}

const COORDINATOR_TOPICS: Record<number, CoordinatorTopic> = {
  [KEY_TYPE_GROUP]: {
    name: OFFSETS_TOPIC,
    numPartitions: (b) => b.config.offsetsTopicNumPartitions,
    replicationFactor: (b) => b.config.offsetsTopicReplicationFactor,
    configs: () => ({}),
    partitionFor: (b, key) => b.groups.partitionFor(key),
    permitted: (ctx, key) => groupPermitted(ctx, AclOperation.DESCRIBE, key),
    deniedError: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  },
  [KEY_TYPE_TRANSACTION]: {
    name: TRANSACTION_STATE_TOPIC,
    numPartitions: (b) => b.config.transactionStateLogNumPartitions,
    replicationFactor: (b) => b.config.transactionStateLogReplicationFactor,
    configs: (b, rf) => ({ 'min.insync.replicas': String(Math.min(b.config.transactionStateLogMinIsr, rf)) }),
    partitionFor: (b, key) => b.transactions.stateManager.partitionFor(key),
    permitted: (ctx, key) => transactionalIdPermitted(ctx, AclOperation.DESCRIBE, key),
    deniedError: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  },
};

async function locate(ctx: RequestContext, key: string, keyType: number) {
  const { broker } = ctx;
  const listenerName = ctx.session.listenerName;
  const failed = (errorCode: number, errorMessage: string) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  const topic = COORDINATOR_TOPICS[keyType];
  if (!topic) return failed(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`);
  if (!topic.permitted(ctx, key)) return failed(topic.deniedError, keyType === KEY_TYPE_GROUP ? 'not authorized for the group' : 'not authorized for the transactional id');
  const unavailable = (why: string) => failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, why);
  const { metadata } = broker;
  if (!metadata.topic(topic.name)) {
    try {
      const replicationFactor = Math.min(topic.replicationFactor(broker), metadata.aliveBrokers().length);
      const configs = topic.configs(broker, replicationFactor);
      await broker.topicAdmin.createTopic({ name: topic.name, numPartitions: topic.numPartitions(broker), replicationFactor, assignment: null, configs }, false, 10_000);
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.TOPIC_ALREADY_EXISTS) return unavailable(`${topic.name} is not ready: ${(err as Error).message}`);
    }
  }
  // The coordinator is the leader of the key's partition (on a single broker: itself).
  const partition = topic.partitionFor(broker, key);
  const leaderId = metadata.partition(topic.name, partition)?.leader ?? -1;
  const leader = metadata.aliveBrokers().find((b) => b.id === leaderId);
  if (!leader) return unavailable(`${topic.name}-${partition} has no leader`);
  const endpoint = broker.endpointOf(leader, listenerName);
  if (!endpoint) return unavailable(`broker ${leader.id} has no listener ${listenerName}`);
  return { key, nodeId: leader.id, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  async handle(request, ctx) {
    if (ctx.apiVersion >= 4) {
      return { response: createFindCoordinatorResponse({ coordinators: await Promise.all(request.coordinatorKeys.map((key) => locate(ctx, key, request.keyType))) }) };
    }
    const c = await locate(ctx, request.key, request.keyType);
    return { response: createFindCoordinatorResponse({ errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port }) };
  },
};
