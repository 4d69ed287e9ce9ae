/**
 * `fetch`: whole record batches from one partition, from the batch holding `offset`
 * (-1: the high watermark, -2: the log start offset), through the Kafka Fetch handler (v12),
 * so limits and long polling are Kafka's: up to `maxBytes` (default 1 MiB) but at least one
 * whole batch (KIP-74); with fewer than `minBytes` ready, waits up to `maxWaitMs` for an
 * append. Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (cluster mode: another
 * broker leads the partition), OFFSET_OUT_OF_RANGE.
 * Source: protocol guide "Fetch" (apis/fetch.ts).
 */
import { FETCH_VERSION, fetchPartition } from '../../apis/fetch-partition.js';
import { scanBatches } from '../batch-scan.js';
import { intField, topicField } from '../fields.js';
import { type Operation, kafkaContext } from '../operation.js';
import { resolveOffset } from './offsets.js';

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
  const data = await fetchPartition(kafkaContext(ctx, session, Number(request['id']), FETCH_VERSION), topic, partition, offset, { maxBytes, maxWaitMs, minBytes });
  const span = scanBatches(data.batches);
  ctx.metrics.fetched(topic, span.recordCount, data.batches.byteLength);
  return {
    fields: { topic, partition, offset, highWatermark: data.highWatermark, logStartOffset: data.logStartOffset, batches: data.batches },
    release: data.release,
  };
};
