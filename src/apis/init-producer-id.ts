/**
 * InitProducerId (key 22, v0-5). Without a transactional id: an idempotent producer gets a new
 * producer id with epoch 0, as Kafka's TransactionCoordinator does for a null transactional id
 * whatever producer id/epoch (v3+, KIP-360) the request carries; ids are unique across
 * restarts and across a cluster's brokers (ProducerIdManager). With one: the transaction coordinator allocates the producer
 * id or bumps its epoch, fencing the previous incarnation (src/transactions/).
 * Authorization (guards.ts): WRITE on the transactional id; without one, IDEMPOTENT_WRITE.
 * Errors: INVALID_REQUEST (empty transactional id), INVALID_TRANSACTION_TIMEOUT,
 * NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS (also: no producer id block could be reserved,
 * e.g. ZooKeeper unreachable — retriable, as Kafka's RPCProducerIdManager answers), CONCURRENT_TRANSACTIONS, PRODUCER_FENCED
 * (INVALID_PRODUCER_EPOCH before v4, KIP-588).
 * Source: protocol guide "InitProducerId"; KIP-98, KIP-360, KIP-588; Kafka KafkaApis.handleInitProducerIdRequest.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { InitProducerIdRequest } from '../protocol/generated/init-producer-id-request.js';
import type { InitProducerIdResponse } from '../protocol/generated/init-producer-id-response.js';
import type { ApiHandler } from './api.js';
import { fencedForVersion } from './txn-errors.js';

export const initProducerIdHandler: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  async handle(request, { broker, logger, clientId, apiVersion }) {
    if (request.transactionalId !== null) {
      const expectedProducerId = apiVersion >= 3 ? request.producerId : -1;
      const expectedEpoch = apiVersion >= 3 ? request.producerEpoch : -1;
      const r = await broker.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs, expectedProducerId, expectedEpoch);
      return { response: { throttleTimeMs: 0, errorCode: fencedForVersion(r.errorCode, apiVersion, 4), producerId: r.producerId, producerEpoch: r.producerEpoch } };
    }
    let producerId: number;
    try {
      producerId = await broker.producerIds.nextId();
    } catch (err) {
      logger.warn({ err }, 'no producer id block could be reserved');
      return { response: { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1, producerEpoch: -1 } };
    }
    logger.debug({ clientId, producerId }, 'new idempotent producer');
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 } };
  },
};
