/**
 * EndTxn (key 26, v0-4): commits or aborts the producer's transaction. The coordinator logs
 * PrepareCommit / PrepareAbort and answers; markers on every partition and Complete* follow.
 * Authorization: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 * Errors: INVALID_REQUEST, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
 * INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v2),
 * CONCURRENT_TRANSACTIONS, INVALID_TXN_STATE.
 * Source: protocol guide "EndTxn"; Kafka KafkaApis.handleEndTxnRequest; KIP-98.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { EndTxnRequest } from '../protocol/generated/end-txn-request.js';
import type { EndTxnResponse } from '../protocol/generated/end-txn-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { transactionalIdPermitted } from './authorize.js';
import { fencedForVersion } from './txn-errors.js';

export const endTxnHandler: ApiHandler<EndTxnRequest, EndTxnResponse> = {
  apiKey: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 4,
  async handle(request, ctx) {
    const respond = (errorCode: number) => ({ response: { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 } });
    if (!transactionalIdPermitted(ctx, AclOperation.WRITE, request.transactionalId)) return respond(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const errorCode = await ctx.broker.transactions.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
    return respond(fencedForVersion(errorCode, ctx.apiVersion, 2));
  },
};
