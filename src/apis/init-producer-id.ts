/**
 * InitProducerId (key 22, v0-5): gives an idempotent producer (no transactional id) a new
 * producer id with epoch 0, as Kafka's TransactionCoordinator does for a null transactional
 * id whatever producer id/epoch (v3+, KIP-360) the request carries. Ids are unique across
 * restarts (ProducerIdManager).
 * Errors: INVALID_REQUEST for a transactional id (transactions are not supported yet).
 * Source: protocol guide "InitProducerId"; KIP-98, KIP-360.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  handle(request, { broker, logger, clientId }) {
    if (request.transactionalId !== null) {
      logger.info({ clientId, transactionalId: request.transactionalId }, 'refused a transactional producer');
      return { response: { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 } };
    }
    const producerId = broker.producerIds.nextId();
    logger.debug({ clientId, producerId }, 'new idempotent producer');
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 } };
  },
};
