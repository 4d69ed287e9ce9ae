/**
 * DescribeTransactions (key 65, v0, KIP-664): the state, timeout, start time, producer id and
 * epoch and partitions of each transactional id this broker coordinates.
 * Authorization: DESCRIBE on each transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 * Errors per id: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, TRANSACTIONAL_ID_NOT_FOUND.
 * Source: protocol guide "DescribeTransactions"; KIP-664; Kafka TransactionCoordinator.handleDescribeTransactions.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DescribeTransactionsRequest } from '../protocol/generated/describe-transactions-request.js';
import type { DescribeTransactionsResponse } from '../protocol/generated/describe-transactions-response.js';
import { AclOperation } from '../security/authorizer.js';
import { STATE_NAMES } from '../transactions/transaction-state.js';
import type { ApiHandler } from './api.js';
import { transactionalIdPermitted } from './authorize.js';

export const describeTransactionsHandler: ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse> = {
  apiKey: 65,
  name: 'DescribeTransactions',
  minVersion: 0,
  maxVersion: 0,
  handle(request, ctx) {
    const transactionStates = request.transactionalIds.map((transactionalId) => {
      const empty = (errorCode: number) => ({ errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] });
      if (!transactionalIdPermitted(ctx, AclOperation.DESCRIBE, transactionalId)) return empty(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      const { errorCode, txn } = ctx.broker.transactions.describe(transactionalId);
      if (!txn) return empty(errorCode);
      const topics = new Map<string, number[]>();
      for (const tp of txn.partitions) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
      return {
        errorCode: ErrorCode.NONE,
        transactionalId,
        transactionState: STATE_NAMES[txn.state],
        transactionTimeoutMs: txn.txnTimeoutMs,
        transactionStartTimeMs: txn.txnStartTimestamp,
        producerId: txn.producerId,
        producerEpoch: txn.producerEpoch,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      };
    });
    return { response: { throttleTimeMs: 0, transactionStates } };
  },
};
