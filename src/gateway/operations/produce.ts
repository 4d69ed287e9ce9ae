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
import { type AppendedBatch, PRODUCE_VERSION, choosePartitions, nextPartition, produceBatch, produceRecords } from '../../apis/produce-records.js';
import type { RecordInput } from '../../engine/engine.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { scanBatches } from '../batch-scan.js';
import { type Frame, arrayField, bytesField, bytesOf, intField, topicField } from '../fields.js';
import { type GatewayContext, type Operation, kafkaContext } from '../operation.js';
import type { Session } from '../session.js';

const INT32_MAX = 0x7fffffff;

type PartitionResult = { partition: number; baseOffset: number; recordCount: number; logStartOffset: number };

function append(ctx: GatewayContext, session: Session, id: number, topic: string, partition: number, acks: number, batch: Uint8Array): PartitionResult | Promise<PartitionResult> {
  // With the append worker pool the bytes are read after this callback returns, when uWS has
  // reclaimed the message's buffer: they are copied first (workers only).
  const records = ctx.broker.appendPool ? new Uint8Array(batch) : batch;
  // Counted now: in a cluster the handler also answers later, after uWS reclaimed `batch`.
  const span = scanBatches(batch);
  const finish = (appended: AppendedBatch): PartitionResult => {
    ctx.metrics.produced(topic, span.recordCount, records.byteLength);
    return { ...appended, recordCount: span.recordCount };
  };
  const result = produceBatch(kafkaContext(ctx, session, id, PRODUCE_VERSION), topic, partition, acks, records);
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

  const reply = (partitions: PartitionResult[]) => (acks === 0 ? null : { fields: { topic: topicName, partitions } });
  if (batch) {
    const result = append(ctx, session, id, topicName, requested >= 0 ? requested : nextPartition(topic), acks, batch);
    return result instanceof Promise ? result.then((r) => reply([r])) : reply([result]);
  }
  if (records!.length === 0) throw new KafkaError(ErrorCode.INVALID_RECORD, 'a produce request holds no records');
  const now = Date.now();
  const inputs = records!.map((r, i) => recordOf(r, i, now));
  const partitions = choosePartitions(topic, inputs, inputs.map(() => requested));
  return produceRecords(kafkaContext(ctx, session, id, PRODUCE_VERSION), topicName, inputs, partitions, acks).then((outcomes) => {
    const failed = outcomes.find((o) => o.result instanceof KafkaError);
    if (failed) throw failed.result;
    return reply(
      outcomes.map((o) => {
        ctx.metrics.produced(topicName, o.indexes.length, o.bytes);
        return { ...(o.result as AppendedBatch), recordCount: o.indexes.length };
      }),
    );
  });
};
