/**
 * ListTransactions (key 66, v0-1, KIP-664; v1 adds the duration filter, KIP-994): the
 * transactional ids this broker coordinates, filtered by state names (unknown names are
 * returned in `unknownStateFilters`), producer ids, and (v1) transactions running longer than
 * `durationFilter` ms (-1: no filter).
 * Authorization: only the ids the session may DESCRIBE are listed.
 * Source: protocol guide "ListTransactions"; KIP-664, KIP-994; Kafka TransactionStateManager.listTransactionStates.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { ListTransactionsRequest } from '../protocol/generated/list-transactions-request.js';
import type { ListTransactionsResponse } from '../protocol/generated/list-transactions-response.js';
import { AclOperation } from '../security/authorizer.js';
import { STATE_NAMES, TransactionState, stateOfName } from '../transactions/transaction-state.js';
import type { ApiHandler } from './api.js';
import { transactionalIdPermitted } from './authorize.js';

export const listTransactionsHandler: ApiHandler<ListTransactionsRequest, ListTransactionsResponse> = {
  apiKey: 66,
  name: 'ListTransactions',
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const unknownStateFilters = request.stateFilters.filter((s) => stateOfName(s) === undefined);
    const states = new Set(request.stateFilters.map(stateOfName).filter((s): s is TransactionState => s !== undefined));
    const producerIds = new Set(request.producerIdFilters);
    const durationMs = ctx.apiVersion >= 1 ? request.durationFilter : -1;
    const now = Date.now();
    const transactionStates = ctx.broker.transactions
      .list()
      .filter((t) => request.stateFilters.length === 0 || states.has(t.state))
      .filter((t) => producerIds.size === 0 || producerIds.has(t.producerId))
      .filter((t) => durationMs < 0 || (t.state === TransactionState.Ongoing && now - t.txnStartTimestamp > durationMs))
      .filter((t) => transactionalIdPermitted(ctx, AclOperation.DESCRIBE, t.transactionalId))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: STATE_NAMES[t.state] }));
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates } };
  },
};
