/**
 * Produce through the append worker pool (single broker, `gregor.workers` > 0): the same
 * checks and answers as the inline handler (src/apis/produce.ts), but each partition's
 * records go to AppendPool.append and the response is sent once every partition's append
 * settled. Internal topics (`__consumer_offsets`, written by the group coordinator on the
 * main thread) stay inline, so one partition is never appended to by both paths.
 * Errors per partition: as the inline handler, plus NOT_LEADER_OR_FOLLOWER (retriable) when
 * the worker validating the partition failed.
 */
import { produceAsync } from '../apis/produce.js';
import type { HandlerResult, RequestContext } from '../apis/api.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { ProduceRequest, ProduceResponse } from '../protocol/generated/index.js';
import type { AppendPool } from './append-pool.js';


/** Topics the broker itself writes on the main thread. */
function isInternal(topic: string): boolean {
  return topic.startsWith('__');
}

export function producePooled(request: ProduceRequest, ctx: RequestContext, pool: AppendPool): Promise<HandlerResult<ProduceResponse> | null> {
  const { broker } = ctx;
  return produceAsync(request, ctx, async (topicName, partition, records) => {
    const topic = broker.logs.topic(topicName);
    const log = topic?.partitions[partition];
    if (!topic || !log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topicName}-${partition} does not exist`);
    if (request.acks === -1 && topic.settings.minInsyncReplicas > 1) {
      throw new KafkaError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `the in-sync replicas of ${topicName}-${partition} (1) are fewer than min.insync.replicas ${topic.settings.minInsyncReplicas}`,
      );
    }
    // Queued synchronously (before any await), so appends keep request order.
    const pending = isInternal(topicName) ? log.append(records, 0) : pool.append(log, records, 0);
    return { result: await pending, errorCode: ErrorCode.NONE };
  });
}
