/**
 * `produce`: appends one record batch to one partition, through the Kafka Produce handler
 * (v9), so validation (CRC-32C, record checks, `max.message.bytes`, acks) and errors are
 * the same as for Kafka clients: UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION,
 * CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, NOT_ENOUGH_REPLICAS,
 * INVALID_REQUIRED_ACKS. Nothing is written when an error is returned.
 *
 * Two forms:
 *   - `batch`: a record batch v2 the client encoded (the client library does this); it is
 *     appended as it is, without re-encoding. No `partition`: the broker picks one, round
 *     robin per topic.
 *   - `records`: plain records `{ key, value, headers, timestamp }` that the broker encodes
 *     with its engine. No `partition`: keyed records go where Kafka's default partitioner
 *     puts them (murmur2), keyless ones to one partition per request, round robin.
 * acks 0: no result frame on success (an error frame on failure, unlike Kafka, which closes
 * the connection); 1 and -1 (all, the default): a result once appended.
 * Source: protocol guide "Produce" (apis/produce.ts); Kafka BuiltInPartitioner.
 */
import { produceHandler } from '../../apis/produce.js';
import type { RecordInput } from '../../engine/engine.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { type ProduceResponse, createProduceRequest } from '../../protocol/generated/index.js';
import type { HandlerResult } from '../../apis/api.js';
import type { TopicState } from '../../storage/log-manager.js';
import { partitionForKey } from '../../client/partitioner.js';
import { scanBatches } from '../batch-scan.js';
import { type Frame, arrayField, bytesField, bytesOf, intField, topicField } from '../fields.js';
import { type GatewayContext, type Operation, kafkaContext } from '../operation.js';
import type { Session } from '../session.js';

const PRODUCE_VERSION = 9;
const INT32_MAX = 0x7fffffff;

type PartitionResult = { partition: number; baseOffset: number; recordCount: number; logStartOffset: number };

/** Round-robin cursor per topic for broker-chosen partitions. */
const cursors = new WeakMap<TopicState, { next: number }>();

function nextPartition(topic: TopicState): number {
  let cursor = cursors.get(topic);
  if (!cursor) cursors.set(topic, (cursor = { next: Math.floor(Math.random() * topic.partitions.length) }));
  const p = cursor.next % topic.partitions.length;
  cursor.next = p + 1;
  return p;
}

function append(ctx: GatewayContext, session: Session, id: number, topic: string, partition: number, acks: number, batch: Uint8Array): PartitionResult | Promise<PartitionResult> {
  // With the append worker pool the bytes are read after this callback returns, when uWS has
  // reclaimed the message's buffer: they are copied first (workers only).
  const records = ctx.broker.appendPool ? new Uint8Array(batch) : batch;
  // Counted now: in a cluster the handler also answers later, after uWS reclaimed `batch`.
  const span = scanBatches(batch);
  const kafkaRequest = createProduceRequest({
    transactionalId: null,
    // acks 0 is answered like 1 internally so that failures can still be reported.
    acks: acks === 0 ? 1 : acks,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const result = produceHandler.handle(kafkaRequest, kafkaContext(ctx, session, id, PRODUCE_VERSION));
  const finish = (answer: HandlerResult<ProduceResponse> | null): PartitionResult => {
    const response = answer!.response.responses[0]!.partitionResponses[0]!;
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode, response.errorMessage ?? `produce to ${topic}-${partition} failed`);
    ctx.metrics.produced(topic, span.recordCount, records.byteLength);
    return { partition, baseOffset: response.baseOffset, recordCount: span.recordCount, logStartOffset: response.logStartOffset };
  };
  // The Produce handler answers later when the append worker pool validates (gregor.workers > 0).
  return result instanceof Promise ? result.then(finish) : finish(result);
}

function headersOf(value: unknown, at: number): RecordInput['headers'] {
  if (value === undefined || value === null) return undefined;
  const entries: Array<[unknown, unknown]> = Array.isArray(value) ? (value as Array<[unknown, unknown]>) : Object.entries(value as object);
  return entries.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `records[${at}].headers must be a map or an array of [string, value] pairs`);
    }
    return { key: entry[0], value: bytesOf(entry[1], `records[${at}].headers.${entry[0]}`) };
  });
}

function recordOf(value: unknown, at: number, now: number): RecordInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `records[${at}] must be a map`);
  }
  const r = value as Frame;
  const timestamp = intField(r, 'timestamp', 0, Number.MAX_SAFE_INTEGER, now);
  return { key: bytesOf(r['key'], `records[${at}].key`), value: bytesOf(r['value'], `records[${at}].value`), headers: headersOf(r['headers'], at), timestamp };
}

export const produce: Operation = (request, session, ctx) => {
  const id = Number(request['id']);
  const topicName = topicField(request);
  const acks = request['acks'] ?? -1;
  if (acks !== -1 && acks !== 0 && acks !== 1) throw new KafkaError(ErrorCode.INVALID_REQUIRED_ACKS, `acks ${String(acks)} is not -1, 0 or 1`);
  const requested = intField(request, 'partition', -1, INT32_MAX, -1);
  const batch = bytesField(request, 'batch');
  const records = arrayField(request, 'records');
  if ((batch === undefined) === (records === undefined)) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'a produce request carries exactly one of "batch" and "records"');
  const topic = ctx.broker.logs.topic(topicName);
  if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topicName}" does not exist`);
  if (requested >= topic.partitions.length) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topicName}-${requested} does not exist`);

  const results: Array<PartitionResult | Promise<PartitionResult>> = [];
  if (batch) {
    results.push(append(ctx, session, id, topicName, requested >= 0 ? requested : nextPartition(topic), acks, batch));
  } else {
    if (records!.length === 0) throw new KafkaError(ErrorCode.INVALID_RECORD, 'a produce request holds no records');
    const now = Date.now();
    const inputs = records!.map((r, i) => recordOf(r, i, now));
    const byPartition = new Map<number, RecordInput[]>();
    let keyless = -1;
    for (const input of inputs) {
      let p = requested;
      if (p < 0) p = input.key ? partitionForKey(input.key, topic.partitions.length) : keyless >= 0 ? keyless : (keyless = nextPartition(topic));
      const list = byPartition.get(p);
      if (list) list.push(input);
      else byPartition.set(p, [input]);
    }
    // Encode every batch first, so that a bad record fails the request before anything is written.
    const encoded = [...byPartition].map(([p, list]) => {
      try {
        return [p, ctx.broker.engine.encodeRecordBatch(list)] as const;
      } catch (err) {
        throw new KafkaError(ErrorCode.INVALID_RECORD, `cannot encode the records for ${topicName}-${p}: ${(err as Error).message}`);
      }
    });
    for (const [p, bytes] of encoded) results.push(append(ctx, session, id, topicName, p, acks, bytes));
  }
  const reply = (partitions: PartitionResult[]) => (acks === 0 ? null : { fields: { topic: topicName, partitions } });
  if (results.some((r) => r instanceof Promise)) return Promise.all(results).then(reply);
  return reply(results as PartitionResult[]);
};
