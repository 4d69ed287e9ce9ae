/**
 * Produce (key 0, v0-11): appends each partition's record batches to its log, as received
 * (offsets and leader epoch stamped in place; compressed batches stored as they came).
 * acks 0 (no response), 1 and -1 (all: on a single broker the leader is the whole ISR).
 * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION,
 * CORRUPT_MESSAGE, INVALID_RECORD (v3+: exactly one batch), MESSAGE_TOO_LARGE (over the
 * topic's max.message.bytes), NOT_ENOUGH_REPLICAS (acks=-1 and the topic's
 * min.insync.replicas above 1: there is one replica); INVALID_REQUIRED_ACKS for acks outside
 * {-1, 0, 1}. With the append worker pool (`gregor.workers` > 0) the appends go through
 * src/workers/pooled-produce.ts (same answers, plus NOT_LEADER_OR_FOLLOWER if a worker fails).
 * Source: protocol guide "Produce"; Kafka ReplicaManager.appendRecords, LogValidator.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import {
  type ProduceRequest,
  type ProduceResponse,
  createProduceResponse,
  createProduceResponsePartitionProduceResponse,
} from '../protocol/generated/index.js';
import { LOG_OVERHEAD } from '../storage/batch-header.js';
import type { AppendResult } from '../storage/log.js';
import type { ApiHandler, HandlerResult, RequestContext } from './api.js';
import { topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import { producePooled } from '../workers/pooled-produce.js';

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

const BATCH_LENGTH_OFFSET = 8;

/** Since v3 a partition's data must be exactly one record batch (magic 2). */
export function checkSingleBatch(records: Uint8Array): void {
  if (records.byteLength < LOG_OVERHEAD) throw new KafkaError(ErrorCode.INVALID_RECORD, 'produce data holds no record batch');
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const size = view.getInt32(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  if (size < records.byteLength) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, 'produce requests v3 and above must hold exactly one record batch per partition');
  }
}

export function partitionError(index: number, errorCode: number, message: string | null): PartitionResponse {
  return createProduceResponsePartitionProduceResponse({ index, errorCode, baseOffset: -1, errorMessage: message });
}

/**
 * The asynchronous produce paths (replicated partitions, the append worker pool): checks acks
 * and the v3+ single-batch rule, runs `appendOne` for every partition — each starts
 * synchronously, in request order, before any await — and maps results and KafkaErrors onto
 * per-partition responses. `appendOne` resolves with the append and an error code (NONE, or
 * e.g. REQUEST_TIMED_OUT for an acks=all wait that ran out) or throws a KafkaError.
 * Returns null for acks=0 (no response).
 */
export async function produceAsync(
  request: ProduceRequest,
  { apiVersion, logger }: RequestContext,
  appendOne: (topic: string, partition: number, records: Uint8Array) => Promise<{ result: AppendResult; errorCode: number }>,
): Promise<HandlerResult<ProduceResponse> | null> {
  const acks = request.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const responses = await Promise.all(
    request.topicData.map(async (topicData) => ({
      name: topicData.name,
      partitionResponses: await Promise.all(
        topicData.partitionData.map(async (data): Promise<PartitionResponse> => {
          if (!validAcks) return partitionError(data.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks ${acks} is not -1, 0 or 1`);
          try {
            const records = data.records ?? new Uint8Array(0);
            if (apiVersion >= 3) checkSingleBatch(records);
            const { result, errorCode } = await appendOne(topicData.name, data.index, records);
            if (errorCode !== ErrorCode.NONE) return partitionError(data.index, errorCode, null);
            return createProduceResponsePartitionProduceResponse({
              index: data.index,
              errorCode: ErrorCode.NONE,
              baseOffset: result.firstOffset,
              logAppendTimeMs: result.logAppendTimeMs,
              logStartOffset: result.logStartOffset,
            });
          } catch (err) {
            if (!(err instanceof KafkaError)) throw err;
            logger.debug({ topic: topicData.name, partition: data.index, err: err.message }, 'produce rejected');
            return partitionError(data.index, err.code, err.message);
          }
        }),
      ),
    })),
  );
  if (acks === 0) return null;
  return { response: createProduceResponse({ responses, throttleTimeMs: 0 }) };
}

export const produceHandler: ApiHandler<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  handle(request, ctx) {
    // WRITE on each topic, checked before existence (an unknown topic one may not write is TOPIC_AUTHORIZATION_FAILED).
    const denied = request.topicData.filter((t) => !topicPermitted(ctx, AclOperation.WRITE, t.name));
    if (denied.length === 0) return produceAuthorized(request, ctx);
    const deniedResponses = denied.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((d) => partitionError(d.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null)),
    }));
    const merge = (r: HandlerResult<ProduceResponse> | null) =>
      r === null ? null : { ...r, response: createProduceResponse({ responses: [...r.response.responses, ...deniedResponses], throttleTimeMs: r.response.throttleTimeMs }) };
    const result = produceAuthorized({ ...request, topicData: request.topicData.filter((t) => !denied.includes(t)) }, ctx);
    return result instanceof Promise ? result.then(merge) : merge(result);
  },
};

function produceAuthorized(request: ProduceRequest, ctx: RequestContext): HandlerResult<ProduceResponse> | null | Promise<HandlerResult<ProduceResponse> | null> {
  if (ctx.broker.replicas) return produceReplicated(request, ctx);
  if (ctx.broker.appendPool) return producePooled(request, ctx, ctx.broker.appendPool);
  const { broker, apiVersion, logger } = ctx;
  const acks = request.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const responses = request.topicData.map((topicData) => ({
    name: topicData.name,
    partitionResponses: topicData.partitionData.map((data): PartitionResponse => {
      if (!validAcks) return partitionError(data.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks ${acks} is not -1, 0 or 1`);
      try {
        const topic = broker.logs.topic(topicData.name);
        const log = topic?.partitions[data.index];
        if (!topic || !log) {
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topicData.name}-${data.index} does not exist`);
        }
        if (acks === -1 && topic.settings.minInsyncReplicas > 1) {
          throw new KafkaError(
            ErrorCode.NOT_ENOUGH_REPLICAS,
            `the in-sync replicas of ${topicData.name}-${data.index} (1) are fewer than min.insync.replicas ${topic.settings.minInsyncReplicas}`,
          );
        }
        const records = data.records ?? new Uint8Array(0);
        if (apiVersion >= 3) checkSingleBatch(records);
        const result = log.append(records, 0);
        return createProduceResponsePartitionProduceResponse({
          index: data.index,
          errorCode: ErrorCode.NONE,
          baseOffset: result.firstOffset,
          logAppendTimeMs: result.logAppendTimeMs,
          logStartOffset: result.logStartOffset,
        });
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        logger.debug({ topic: topicData.name, partition: data.index, err: err.message }, 'produce rejected');
        return partitionError(data.index, err.code, err.message);
      }
    }),
  }));
  if (acks === 0) return null;
  return { response: createProduceResponse({ responses, throttleTimeMs: 0 }) };
}

/**
 * Cluster mode: each partition goes through its leader replica (NOT_LEADER_OR_FOLLOWER
 * elsewhere); acks=-1 waits for the in-sync replicas (NOT_ENOUGH_REPLICAS before the append
 * when too few are in sync, NOT_ENOUGH_REPLICAS_AFTER_APPEND or REQUEST_TIMED_OUT after).
 */
function produceReplicated(request: ProduceRequest, ctx: RequestContext): Promise<HandlerResult<ProduceResponse> | null> {
  const { broker } = ctx;
  const replicas = broker.replicas!;
  return produceAsync(request, ctx, (topic, partition, records) => {
    const minIsr = broker.logs.topic(topic)?.settings.minInsyncReplicas ?? broker.config.minInsyncReplicas;
    return replicas.appendAsLeader(topic, partition, (log, epoch) => log.append(records, epoch), request.acks, request.timeoutMs, minIsr);
  });
}
