/**
 * Produce (key 0, v0-11): the request-level concerns only — WRITE on each topic (checked
 * before existence), acks validation (INVALID_REQUIRED_ACKS outside {-1, 0, 1}), the v3+ rule
 * of exactly one record batch per partition (INVALID_RECORD) — then every partition goes
 * through the one produce path, ReplicaManager.appendRecords, whether the broker is single
 * (a cluster of one), uses the append worker pool, or replicates; its results and KafkaErrors
 * become per-partition responses. acks=0 gets no response.
 * Errors per partition (from appendRecords): UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT,
 * CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, INVALID_TIMESTAMP (with record_errors,
 * v8+), and the idempotence errors; a transaction's first batch on a partition is verified
 * with its coordinator first (KIP-890: INVALID_TXN_STATE, NOT_ENOUGH_REPLICAS, …;
 * src/transactions/produce-verification.ts).
 * Source: protocol guide "Produce"; Kafka KafkaApis.handleProduceRequest,
 * ReplicaManager.appendRecords.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { ProduceRequest } from '../protocol/generated/produce-request.js';
import { type ProduceResponse, createProduceResponse, createProduceResponsePartitionProduceResponse } from '../protocol/generated/produce-response.js';
import { AclOperation } from '../security/authorizer.js';
import { LOG_OVERHEAD } from '../storage/batch-header.js';
import { type RecordError, RecordValidationError } from '../storage/leader-records.js';
import { verifyTransactionalProduce } from '../transactions/produce-verification.js';
import type { ApiHandler, HandlerResult, RequestContext } from './api.js';
import { topicPermitted } from './authorize.js';

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

const BATCH_LENGTH_OFFSET = 8;

/** Since v3 a partition's data must be exactly one record batch (magic 2). Errors: INVALID_RECORD. */
export function checkSingleBatch(records: Uint8Array): void {
  if (records.byteLength < LOG_OVERHEAD) throw new KafkaError(ErrorCode.INVALID_RECORD, 'produce data holds no record batch');
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const size = view.getInt32(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  if (size < records.byteLength) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, 'produce requests v3 and above must hold exactly one record batch per partition');
  }
}

function partitionError(index: number, errorCode: number, message: string | null, recordErrors: readonly RecordError[] = []): PartitionResponse {
  return createProduceResponsePartitionProduceResponse({
    index,
    errorCode,
    baseOffset: -1,
    errorMessage: message,
    recordErrors: recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
  });
}

export const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  async handle(request, ctx): Promise<HandlerResult<ProduceResponse> | null> {
    const { acks } = request;
    const validAcks = acks === 0 || acks === 1 || acks === -1;
    // Every partition's append starts synchronously, in request order, before any await.
    const responses = await Promise.all(
      request.topicData.map(async (topicData) => {
        const writable = topicPermitted(ctx, AclOperation.WRITE, topicData.name);
        return {
          name: topicData.name,
          partitionResponses: await Promise.all(
            topicData.partitionData.map((data): PartitionResponse | Promise<PartitionResponse> => {
              if (!writable) return partitionError(data.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
              if (!validAcks) return partitionError(data.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks ${acks} is not -1, 0 or 1`);
              return producePartition(ctx, topicData.name, data.index, data.records ?? new Uint8Array(0), request);
            }),
          ),
        };
      }),
    );
    if (acks === 0) return null;
    return { response: createProduceResponse({ responses, throttleTimeMs: 0 }) };
  },
};

async function producePartition(ctx: RequestContext, topic: string, index: number, records: Uint8Array, request: ProduceRequest): Promise<PartitionResponse> {
  try {
    if (ctx.apiVersion >= 3) checkSingleBatch(records);
    let unverified = verifyTransactionalProduce(ctx.broker, request.transactionalId, topic, index, records);
    if (unverified instanceof Promise) unverified = await unverified;
    if (unverified) return partitionError(index, unverified.errorCode, unverified.message);
    const { result, errorCode } = await ctx.broker.replicas.appendRecords(topic, index, records, { acks: request.acks, timeoutMs: request.timeoutMs });
    if (errorCode !== ErrorCode.NONE) return partitionError(index, errorCode, null);
    return createProduceResponsePartitionProduceResponse({
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: result.firstOffset,
      logAppendTimeMs: result.logAppendTimeMs,
      logStartOffset: result.logStartOffset,
    });
  } catch (err) {
    if (!(err instanceof KafkaError)) throw err;
    ctx.logger.debug({ topic, partition: index, err: err.message }, 'produce rejected');
    return partitionError(index, err.code, err.message, err instanceof RecordValidationError ? err.recordErrors : []);
  }
}
