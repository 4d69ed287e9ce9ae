/**
 * `fetch`: whole record batches from one partition, from the batch holding `offset`
 * (-1: the high watermark, -2: the log start offset), through the Kafka Fetch handler (v12),
 * so limits and long polling are Kafka's: up to `maxBytes` (default 1 MiB) but at least one
 * whole batch (KIP-74); with fewer than `minBytes` ready, waits up to `maxWaitMs` for an
 * append. Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (cluster mode: another
 * broker leads the partition), OFFSET_OUT_OF_RANGE.
 * Source: protocol guide "Fetch" (apis/fetch.ts).
 */
import { fetchHandler } from '../../apis/fetch.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { createFetchRequest } from '../../protocol/generated/index.js';
import { ZERO_UUID } from '../../protocol/primitives.js';
import { scanBatches } from '../batch-scan.js';
import { intField, topicField } from '../fields.js';
import { type Operation, kafkaContext } from '../operation.js';
import { resolveOffset } from './offsets.js';

const FETCH_VERSION = 12;
const INT32_MAX = 0x7fffffff;
const DEFAULT_MAX_BYTES = 1024 * 1024;
/** Longest long poll (ms), as a bound on how long a request can be parked. */
const MAX_WAIT_MS = 5 * 60_000;

export const fetch: Operation = async (request, session, ctx) => {
  const topic = topicField(request);
  const partition = intField(request, 'partition', 0, INT32_MAX);
  const log = ctx.broker.replicas.leaderLog(topic, partition);
  const offset = resolveOffset(log, intField(request, 'offset', -2, Number.MAX_SAFE_INTEGER));
  const maxBytes = intField(request, 'maxBytes', 1, INT32_MAX, DEFAULT_MAX_BYTES);
  const maxWaitMs = intField(request, 'maxWaitMs', 0, MAX_WAIT_MS, 0);
  const minBytes = intField(request, 'minBytes', 0, INT32_MAX, 1);
  const kafkaRequest = createFetchRequest({
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes,
    topics: [
      {
        topic,
        topicId: ZERO_UUID,
        partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: ZERO_UUID }],
      },
    ],
  });
  const result = await fetchHandler.handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), FETCH_VERSION));
  const data = result!.response.responses[0]!.partitions[0]!;
  if (data.errorCode !== ErrorCode.NONE) {
    result!.release?.();
    throw new KafkaError(data.errorCode, `fetch from ${topic}-${partition} at offset ${offset} failed`);
  }
  const batches = data.records ?? new Uint8Array(0);
  const span = scanBatches(batches);
  ctx.metrics.fetched(topic, span.recordCount, batches.byteLength);
  return {
    fields: { topic, partition, offset, highWatermark: data.highWatermark, logStartOffset: data.logStartOffset, batches },
    release: result!.release,
  };
};
