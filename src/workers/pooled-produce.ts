/**
 * Produce through the append worker pool (single broker, `gregor.workers` > 0): the same
 * checks and answers as the inline handler (src/apis/produce.ts), but each partition's
 * records go to AppendPool.append and the response is sent once every partition's append
 * settled. Internal topics (`__consumer_offsets`, written by the group coordinator on the
 * main thread) stay inline, so one partition is never appended to by both paths.
 * Errors per partition: as the inline handler, plus NOT_LEADER_OR_FOLLOWER (retriable) when
 * the worker validating the partition failed.
 */
import { checkSingleBatch, partitionError } from '../apis/produce.js';
import type { HandlerResult, RequestContext } from '../apis/api.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type ProduceRequest, type ProduceResponse, createProduceResponse, createProduceResponsePartitionProduceResponse } from '../protocol/generated/index.js';
import type { AppendPool } from './append-pool.js';

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

/** Topics the broker itself writes on the main thread. */
function isInternal(topic: string): boolean {
  return topic.startsWith('__');
}

export async function producePooled(request: ProduceRequest, ctx: RequestContext, pool: AppendPool): Promise<HandlerResult<ProduceResponse> | null> {
  const { broker, apiVersion, logger } = ctx;
  const acks = request.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  // Every partition's append is queued synchronously, in request order, before any await.
  const responses = await Promise.all(
    request.topicData.map(async (topicData) => ({
      name: topicData.name,
      partitionResponses: await Promise.all(
        topicData.partitionData.map(async (data): Promise<PartitionResponse> => {
          if (!validAcks) return partitionError(data.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks ${acks} is not -1, 0 or 1`);
          try {
            const topic = broker.logs.topic(topicData.name);
            const log = topic?.partitions[data.index];
            if (!topic || !log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topicData.name}-${data.index} does not exist`);
            if (acks === -1 && topic.settings.minInsyncReplicas > 1) {
              throw new KafkaError(
                ErrorCode.NOT_ENOUGH_REPLICAS,
                `the in-sync replicas of ${topicData.name}-${data.index} (1) are fewer than min.insync.replicas ${topic.settings.minInsyncReplicas}`,
              );
            }
            const records = data.records ?? new Uint8Array(0);
            if (apiVersion >= 3) checkSingleBatch(records);
            const result = isInternal(topicData.name) ? log.append(records, 0) : await pool.append(log, records, 0);
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
