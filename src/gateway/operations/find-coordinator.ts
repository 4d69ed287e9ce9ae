/**
 * `findCoordinator { groupId }` → `{ nodeId, host, port, websocketPort }`: the broker that
 * coordinates a group, answered by the Kafka FindCoordinator handler (v3), so it is found
 * as Kafka clients find it — this broker on a single node (creating `__consumer_offsets` on
 * first use, as Kafka does); in cluster mode the leader of the group's `__consumer_offsets`
 * partition. `host`/`port` are its Kafka listener; `websocketPort` its gateway, as the broker
 * registered it in ZooKeeper (-1 if it has none).
 * Errors: COORDINATOR_NOT_AVAILABLE (no leader for the partition yet; retry).
 * Source: protocol guide "FindCoordinator"; apis/find-coordinator.ts.
 */
import { findCoordinatorHandler } from '../../apis/find-coordinator.js';
import { createFindCoordinatorRequest } from '../../protocol/generated/find-coordinator-request.js';
import { stringField } from '../fields.js';
import { type Operation, kafkaContext, registered } from '../operation.js';
import { check } from './groups.js';

const FIND_COORDINATOR_VERSION = 3;
const KEY_TYPE_GROUP = 0;

export const findCoordinator: Operation = async (request, session, ctx) => {
  const groupId = stringField(request, 'groupId');
  const kafkaRequest = createFindCoordinatorRequest({ key: groupId, keyType: KEY_TYPE_GROUP });
  const result = await registered(findCoordinatorHandler).handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), FIND_COORDINATOR_VERSION));
  const r = result!.response;
  check(r.errorCode, r.errorMessage ?? `no coordinator for group "${groupId}"`);
  return { fields: { nodeId: r.nodeId, host: r.host, port: r.port, websocketPort: ctx.broker.websocketPortOf(r.nodeId) } };
};
