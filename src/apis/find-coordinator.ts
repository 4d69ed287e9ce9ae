/**
 * FindCoordinator (key 10, v0-6): a group's coordinator is the leader of its
 * `__consumer_offsets` partition (on a single broker: itself). Creates `__consumer_offsets`
 * on first use, as Kafka does. v4+ batches keys (KIP-699).
 * Authorization: DESCRIBE on the group (key type GROUP) or the transactional id (TRANSACTION);
 * each denied key is GROUP_ / TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the others are answered.
 * Errors: INVALID_REQUEST for an unknown key type.
 * Source: protocol guide "FindCoordinator"; KIP-699; docs/security.html.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type FindCoordinatorRequest, type FindCoordinatorResponse, createFindCoordinatorResponse } from '../protocol/generated/index.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler, RequestContext } from './api.js';
import { groupPermitted, transactionalIdPermitted } from './authorize.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

async function locate(ctx: RequestContext, key: string, keyType: number) {
  const { broker } = ctx;
  const listenerName = ctx.session.listenerName;
  const failed = (errorCode: number, errorMessage: string) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) return failed(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`);
  if (keyType === KEY_TYPE_GROUP && !groupPermitted(ctx, AclOperation.DESCRIBE, key)) return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'not authorized for the group');
  if (keyType === KEY_TYPE_TRANSACTION && !transactionalIdPermitted(ctx, AclOperation.DESCRIBE, key)) return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'not authorized for the transactional id');
  // The coordinator is the leader of the group's __consumer_offsets partition (on a single broker: itself).
  const unavailable = (why: string) => failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, why);
  const { metadata } = broker;
  if (!metadata.topic(OFFSETS_TOPIC)) {
    try {
      const replicationFactor = Math.min(broker.config.offsetsTopicReplicationFactor, metadata.aliveBrokers().length);
      await broker.topicAdmin.createTopic({ name: OFFSETS_TOPIC, numPartitions: broker.config.offsetsTopicNumPartitions, replicationFactor, assignment: null, configs: {} }, false, 10_000);
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.TOPIC_ALREADY_EXISTS) return unavailable(`${OFFSETS_TOPIC} is not ready: ${(err as Error).message}`);
    }
  }
  const partition = broker.groups.partitionFor(key);
  const leaderId = metadata.partition(OFFSETS_TOPIC, partition)?.leader ?? -1;
  const leader = metadata.aliveBrokers().find((b) => b.id === leaderId);
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
  async handle(request, ctx) {
    if (ctx.apiVersion >= 4) {
      return { response: createFindCoordinatorResponse({ coordinators: await Promise.all(request.coordinatorKeys.map((key) => locate(ctx, key, request.keyType))) }) };
    }
    const c = await locate(ctx, request.key, request.keyType);
    return { response: createFindCoordinatorResponse({ errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port }) };
  },
};
