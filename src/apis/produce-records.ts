/**
 * Producing on behalf of a client that does not speak the Kafka protocol (the WebSocket
 * gateway, the REST proxy): one record batch or a list of plain records, through the Kafka
 * Produce handler (v9), so validation (CRC-32C, record checks, `max.message.bytes`, acks),
 * authorization (WRITE on the topic) and errors are exactly those a Kafka client gets.
 *
 * Partitioning of plain records follows Kafka's default partitioner: an explicit partition
 * wins; keyed records go to murmur2(key) mod partitions; keyless records of one request go
 * together to one partition, chosen round robin per topic (Kafka's BuiltInPartitioner
 * sticks to a partition per batch the same way).
 * Source: protocol guide "Produce" (apis/produce.ts); Kafka BuiltInPartitioner.
 */
import { partitionForKey } from '../client/partitioner.js';
import type { RecordInput } from '../engine/engine.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { ProduceResponse } from '../protocol/generated/produce-response.js';
import { type ProduceRequest, createProduceRequest } from '../protocol/generated/produce-request.js';
import type { HandlerResult, RequestContext } from './api.js';
import { produceHandler } from './produce.js';

/** The Produce version these requests are built as. */
export const PRODUCE_VERSION = 9;

/** One partition's appended batch: its first offset and the log start offset after the append. */
export interface AppendedBatch {
  partition: number;
  baseOffset: number;
  logStartOffset: number;
}

/** Round-robin cursor per topic for broker-chosen partitions. */
const cursors = new WeakMap<PartitionedTopic, { next: number }>();

/** The next partition of `topic` in its round robin (starting at a random one). */
export function nextPartition(topic: PartitionedTopic): number {
  let cursor = cursors.get(topic);
  if (!cursor) cursors.set(topic, (cursor = { next: Math.floor(Math.random() * topic.partitions.length) }));
  const p = cursor.next % topic.partitions.length;
  cursor.next = p + 1;
  return p;
}

/**
 * Appends one record batch v2 (`batch`, appended as it is) to `topic`-`partition` with `acks`
 * (-1, 0 or 1; 0 is answered like 1 so that failures can still be reported), as the client
 * `ctx.session` names. Answers synchronously, or later when the append worker pool validates
 * or acks=-1 waits for the ISR. Throws (or rejects with) KafkaError with the partition's
 * error: UNKNOWN_TOPIC_OR_PARTITION, TOPIC_AUTHORIZATION_FAILED, CORRUPT_MESSAGE,
 * INVALID_RECORD, MESSAGE_TOO_LARGE, NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, ….
 * `batch` may be read after this returns (worker pool): the caller keeps it unchanged.
 */
export function produceBatch(ctx: RequestContext, topic: string, partition: number, acks: number, batch: Uint8Array): AppendedBatch | Promise<AppendedBatch> {
  const result = produceHandler.handle(produceRequestFor(topic, partition, acks, batch), ctx);
  const finish = (answer: HandlerResult<ProduceResponse> | null) => appendedBatchOf(answer!.response, topic, partition);
  return result instanceof Promise ? result.then(finish) : finish(result);
}

/** The Produce request (v9 fields) appending `batch` to `topic`-`partition` with `acks` (0 is asked as 1). */
export function produceRequestFor(topic: string, partition: number, acks: number, batch: Uint8Array): ProduceRequest {
  return createProduceRequest({
    transactionalId: null,
    acks: acks === 0 ? 1 : acks,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
}

/** The appended batch a one-partition Produce `response` reports; throws KafkaError with its error. */
export function appendedBatchOf(response: ProduceResponse, topic: string, partition: number): AppendedBatch {
  const answer = response.responses[0]?.partitionResponses[0];
  if (!answer) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `produce to ${topic}-${partition}: the response names no partition`);
  if (answer.errorCode !== ErrorCode.NONE) throw new KafkaError(answer.errorCode, answer.errorMessage ?? `produce to ${topic}-${partition} failed`);
  return { partition, baseOffset: answer.baseOffset, logStartOffset: answer.logStartOffset };
}

/** Appends one batch to one partition: produceBatch, or another route to the partition's leader. */
export type BatchAppender = (ctx: RequestContext, topic: string, partition: number, acks: number, batch: Uint8Array) => AppendedBatch | Promise<AppendedBatch>;

/** What the partitioner needs of a topic: its partition count, and an identity for its round-robin cursor (a TopicState is one). */
export interface PartitionedTopic {
  readonly partitions: { readonly length: number };
}

/**
 * The partition of each record of one request (Kafka's default partitioner, above):
 * `requested[i]` ≥ 0 is taken as it is (the caller checks it exists), -1 lets the partitioner
 * choose.
 */
export function choosePartitions(topic: PartitionedTopic, records: readonly RecordInput[], requested: readonly number[]): number[] {
  let keyless = -1;
  return records.map((record, i) => {
    const p = requested[i] ?? -1;
    if (p >= 0) return p;
    if (record.key) return partitionForKey(record.key, topic.partitions.length);
    return keyless >= 0 ? keyless : (keyless = nextPartition(topic));
  });
}

/** What happened to one partition's records: appended, or the error that kept them out. */
export interface PartitionOutcome {
  partition: number;
  /** Indexes of the request's records that went to this partition, in order. */
  indexes: number[];
  /** Bytes of the encoded batch. */
  bytes: number;
  result: AppendedBatch | KafkaError;
}

/**
 * Encodes `records` into one batch per partition (`partitions[i]` is record i's, from
 * choosePartitions) with the broker's engine and appends each through produceBatch.
 * Every batch is encoded before any is written, so a record that cannot be encoded fails the
 * whole request with KafkaError INVALID_RECORD and nothing is written. Append errors are per
 * partition (the other partitions' records are still written), as Kafka reports them.
 * `append` writes each batch (default produceBatch: this broker's Produce handler).
 */
export async function produceRecords(ctx: RequestContext, topic: string, records: readonly RecordInput[], partitions: readonly number[], acks: number, append: BatchAppender = produceBatch): Promise<PartitionOutcome[]> {
  const byPartition = new Map<number, number[]>();
  partitions.forEach((p, i) => {
    const list = byPartition.get(p);
    if (list) list.push(i);
    else byPartition.set(p, [i]);
  });
  const encoded = [...byPartition].map(([partition, indexes]) => {
    try {
      return { partition, indexes, batch: ctx.broker.engine.encodeRecordBatch(indexes.map((i) => records[i]!)) };
    } catch (err) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `cannot encode the records for ${topic}-${partition}: ${(err as Error).message}`);
    }
  });
  return Promise.all(
    encoded.map(async ({ partition, indexes, batch }): Promise<PartitionOutcome> => {
      let result: AppendedBatch | KafkaError;
      try {
        result = await append(ctx, topic, partition, acks, batch);
      } catch (err) {
        result = err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message);
      }
      return { partition, indexes, bytes: batch.byteLength, result };
    }),
  );
}
