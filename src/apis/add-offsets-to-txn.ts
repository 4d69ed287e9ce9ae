/**
 * AddOffsetsToTxn (key 25, v0-4): a consume-transform-produce application's transaction will
 * commit offsets for `groupId`: its `__consumer_offsets` partition joins the transaction (the
 * offsets themselves come with TxnOffsetCommit to the group coordinator).
 * Authorization: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on
 * the group (GROUP_AUTHORIZATION_FAILED).
 * Errors: as AddPartitionsToTxn's coordinator errors; PRODUCER_FENCED is
 * INVALID_PRODUCER_EPOCH before v2.
 * Source: protocol guide "AddOffsetsToTxn"; Kafka KafkaApis.handleAddOffsetsToTxnRequest; KIP-98.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { AddOffsetsToTxnRequest } from '../protocol/generated/add-offsets-to-txn-request.js';
import type { AddOffsetsToTxnResponse } from '../protocol/generated/add-offsets-to-txn-response.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { groupPermitted, transactionalIdPermitted } from './authorize.js';
import { fencedForVersion } from './txn-errors.js';

export const addOffsetsToTxnHandler: ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 4,
  async handle(request, ctx) {
    const respond = (errorCode: number) => ({ response: { throttleTimeMs: 0, errorCode } });
    if (!transactionalIdPermitted(ctx, AclOperation.WRITE, request.transactionalId)) return respond(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!groupPermitted(ctx, AclOperation.READ, request.groupId)) return respond(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const partition = { topic: OFFSETS_TOPIC, partition: ctx.broker.groups.partitionFor(request.groupId) };
    const errorCode = await ctx.broker.transactions.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, [partition]);
    return respond(fencedForVersion(errorCode, ctx.apiVersion, 2));
  },
};
