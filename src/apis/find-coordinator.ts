/**
 * FindCoordinator (key 10, v0-6): this broker coordinates every group (and would every
 * transactional id) on a single node. Creates `__consumer_offsets` on first use, as Kafka
 * does. v4+ batches keys (KIP-699).
 * Errors: INVALID_REQUEST for an unknown key type.
 * Source: protocol guide "FindCoordinator"; KIP-699.
 */
import type { Broker } from '../broker.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type FindCoordinatorRequest, type FindCoordinatorResponse, createFindCoordinatorResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

function locate(broker: Broker, key: string, keyType: number) {
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) {
    return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown key type ${keyType}` };
  }
  if (keyType === KEY_TYPE_GROUP) broker.groups.ensureOffsetsTopic();
  return { key, nodeId: broker.config.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler: ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  handle(request, { broker, apiVersion }) {
    if (apiVersion >= 4) {
      return { response: createFindCoordinatorResponse({ coordinators: request.coordinatorKeys.map((key) => locate(broker, key, request.keyType)) }) };
    }
    const c = locate(broker, request.key, request.keyType);
    return { response: createFindCoordinatorResponse({ errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port }) };
  },
};
