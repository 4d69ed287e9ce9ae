/**
 * A batching producer, as Kafka's Java producer batches:
 *   - records are assigned a partition (explicit, murmur2 of the key, or the KIP-480
 *     sticky partition for keyless records) and appended to that partition's open batch;
 *   - a batch is sent when it reaches `batchSize` bytes (`batch.size`) or `lingerMs` after
 *     it was opened (`linger.ms`; 0: as soon as the current synchronous code yields);
 *   - each batch is encoded client-side into one record batch v2 (encoder.ts) and sent as
 *     one produce frame, which the broker appends as it is;
 *   - `acks` 0, 1 or -1 ('all'); retriable errors (NETWORK_EXCEPTION after a dropped
 *     connection, NOT_ENOUGH_REPLICAS, …) are retried up to `retries` times, every
 *     `retryBackoffMs`, within `deliveryTimeoutMs` of the batch's creation;
 *   - at most `bufferMemory` bytes of records wait or fly: send() waits for acks beyond it.
 * Ordering within a partition holds unless a retry happens while later batches of the same
 * partition are in flight (as in Kafka without idempotence).
 *
 *   const producer = client.producer({ lingerMs: 5, batchSize: 16384, acks: -1 });
 *   const [meta] = await producer.send({ topic: 't', messages: [{ key: 'k', value: 'v' }] });
 *   meta.partition; meta.offset;
 *
 * Errors (GregorError): UNKNOWN_TOPIC_OR_PARTITION (no such topic or partition),
 * MESSAGE_TOO_LARGE (a record over the broker's message.max.bytes), INVALID_RECORD (a bad
 * record: types, timestamp), and whatever the broker answered (INVALID_REQUIRED_ACKS, …).
 */
import type { ClientAuditTier } from '../audit/client-tier.js';
import { type AuditOption, audited, clientAuditTier, payloadBytes } from './audit.js';
import { RECORD_BATCH_OVERHEAD } from '../engine/layout.js';
import type { ProduceResult, WireRecord } from '../gateway/protocol.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { BatchWriter, type WrittenHeader } from './batch-writer.js';
import type { GregorClient } from './client.js';
import { GregorError } from './errors.js';
import { StickyPartitionCache, partitionForKey } from './partitioner.js';
import type { HeadersInit, ProducerRecord, RecordMetadata } from './records.js';

export interface ProducerOptions {
  /** `linger.ms`: how long a batch waits for more records (default 5, as Kafka 4.0). */
  lingerMs?: number;
  /** `batch.size`: bytes at which a batch is sent (default 16384; capped at the broker's `message.max.bytes`). */
  batchSize?: number;
  /** `acks`: 0 (no answer), 1 (leader) or -1 / 'all' (default). */
  acks?: 0 | 1 | -1 | 'all';
  /** `retries` of retriable errors (default 2147483647, bounded by deliveryTimeoutMs). */
  retries?: number;
  /** `retry.backoff.ms` (default 100). */
  retryBackoffMs?: number;
  /** `delivery.timeout.ms`: give up on a batch this long after it was opened (default 120000). */
  deliveryTimeoutMs?: number;
  /** `buffer.memory`: bytes of records waiting or in flight before send() waits (default 32 MiB). */
  bufferMemory?: number;
  /** `metadata.max.age.ms`: partition counts are refreshed after this long (default 300000). */
  metadataMaxAgeMs?: number;
  /** The producer tier of the end-to-end audit (./audit.ts, docs/audit.md): off by default. */
  audit?: AuditOption;
}

interface SendCall {
  results: RecordMetadata[];
  remaining: number;
  failed: boolean;
  resolve(results: RecordMetadata[]): void;
  reject(err: Error): void;
}

/** A run of records of one send() call, consecutive in both the call and the batch. */
interface Segment {
  call: SendCall;
  /** Index of the first record in the call's messages. */
  first: number;
  /** Index of the first record in the batch. */
  at: number;
  count: number;
}

interface Batch {
  topic: TopicState;
  partition: number;
  /** Engine encoders: the records, written into shared memory as they come. */
  writer: BatchWriter | null;
  /** The `broker` encoder: the records, sent as MessagePack. */
  records: WireRecord[] | null;
  /** Record timestamps, for the metadata. */
  timestamps: number[];
  count: number;
  /** Which records of which send() calls the batch holds, as runs. */
  segments: Segment[];
  bytes: number;
  createdAt: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/** Per topic: its partition count and its open batch per partition. */
interface TopicState {
  name: string;
  partitions: number;
  loadedAt: number;
  open: Array<Batch | undefined>;
}

/** Upper bound of a record's size in a batch (varint overheads included), as Kafka's estimate. */
const RECORD_OVERHEAD = 21;
const HEADER_OVERHEAD = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesOf(value: unknown, what: string): Uint8Array | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return encoder.encode(value);
  throw new GregorError(ErrorCode.INVALID_RECORD, `${what} must be a string, a Uint8Array or null`);
}

function headersOf(headers: HeadersInit | undefined): WrittenHeader[] | undefined {
  if (!headers) return undefined;
  const entries = Array.isArray(headers) ? headers : Object.entries(headers);
  return entries.map(([key, value]) => {
    if (typeof key !== 'string') throw new GregorError(ErrorCode.INVALID_RECORD, 'header keys must be strings');
    return { key: encoder.encode(key), value: bytesOf(value, `header "${key}"`) };
  });
}

function sizeOf(key: Uint8Array | null, value: Uint8Array | null, headers: WrittenHeader[] | undefined): number {
  let size = RECORD_OVERHEAD + (key ? key.byteLength : 0) + (value ? value.byteLength : 0);
  if (headers) for (const h of headers) size += HEADER_OVERHEAD + h.key.byteLength + (h.value ? h.value.byteLength : 0);
  return size;
}

function toWire(key: Uint8Array | null, value: Uint8Array | null, headers: WrittenHeader[] | undefined, timestamp: number): WireRecord {
  return { key, value, headers: headers ? headers.map((h) => [decoder.decode(h.key), h.value] as [string, Uint8Array | null]) : null, timestamp };
}

export class Producer {
  private readonly open = new Set<Batch>();
  private readonly topics = new Map<string, TopicState>();
  private readonly sticky = new StickyPartitionCache();
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly acks: 0 | 1 | -1;
  private readonly retries: number;
  private readonly retryBackoffMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly bufferMemory: number;
  private readonly metadataMaxAgeMs: number;
  /** Bytes of records in open or in-flight batches. */
  private buffered = 0;
  private inFlight = 0;
  private flushScheduled = false;
  private spaceWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** The audit's producer tier (null when off). */
  private readonly audit: ClientAuditTier | null;

  constructor(
    private readonly client: GregorClient,
    options: ProducerOptions,
  ) {
    this.audit = clientAuditTier(client, 'producer', null, options.audit);
    const acks = options.acks === 'all' ? -1 : (options.acks ?? -1);
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new GregorError(ErrorCode.INVALID_REQUIRED_ACKS, `acks ${String(options.acks)} is not 0, 1, -1 or 'all'`);
    this.acks = acks;
    this.lingerMs = Math.max(0, options.lingerMs ?? 5);
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? 16_384, client.hello.maxBatchBytes, client.hello.maxFrameBytes - 1024));
    this.retries = options.retries ?? 2_147_483_647;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
    this.bufferMemory = options.bufferMemory ?? 32 * 1024 * 1024;
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? 300_000;
  }

  /**
   * Sends records to `topic`; resolves with where each was written (in the order given)
   * once every one is acknowledged (immediately after sending with acks 0, offsets -1).
   */
  send(request: { topic: string; messages: ProducerRecord[] }): Promise<RecordMetadata[]> {
    if (this.closed) return Promise.reject(new GregorError(ErrorCode.NETWORK_EXCEPTION, 'the producer is closed'));
    const { topic, messages } = request;
    if (messages.length === 0) return Promise.resolve([]);
    const cached = this.topics.get(topic);
    const fresh = cached !== undefined && Date.now() - cached.loadedAt < this.metadataMaxAgeMs;
    if (fresh && this.buffered <= this.bufferMemory) return this.append(cached, messages);
    return (async () => {
      const state = fresh ? cached : await this.loadTopic(topic);
      while (this.buffered > this.bufferMemory && !this.closed) await new Promise<void>((r) => this.spaceWaiters.push(r));
      return this.append(state, messages);
    })();
  }

  /** Sends every open batch now and resolves when nothing is in flight. */
  async flush(): Promise<void> {
    for (const batch of [...this.open]) this.ship(batch);
    if (this.inFlight === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    await this.audit?.close().catch(() => {});
    this.closed = true;
    for (const w of this.spaceWaiters.splice(0)) w();
    this.client.forget(this);
  }

  private async loadTopic(topic: string): Promise<TopicState> {
    const metadata = await this.client.metadata([topic]);
    const t = metadata.topics[0];
    if (!t || t.error) throw new GregorError(t?.error?.code ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, t?.error?.message ?? `topic "${topic}" does not exist`, { topic });
    const existing = this.topics.get(topic);
    if (existing && existing.partitions === t.partitions.length) {
      existing.loadedAt = Date.now();
      return existing;
    }
    // A changed partition count: batches already open stay in the old state and are shipped from there.
    const state: TopicState = { name: topic, partitions: t.partitions.length, loadedAt: Date.now(), open: new Array(t.partitions.length) };
    this.topics.set(topic, state);
    return state;
  }

  private append(state: TopicState, messages: ProducerRecord[]): Promise<RecordMetadata[]> {
    const topic = state.name;
    const numPartitions = state.partitions;
    const now = Date.now();
    const maxRecord = this.client.hello.maxBatchBytes - RECORD_BATCH_OVERHEAD;
    const n = messages.length;
    // First check and convert every record, so that a bad one fails the call before any is queued.
    const keys: Array<Uint8Array | null> = new Array(n);
    const values: Array<Uint8Array | null> = new Array(n);
    const headers: Array<WrittenHeader[] | undefined> = new Array(n);
    const timestamps: number[] = new Array(n);
    const sizes: number[] = new Array(n);
    try {
      for (let i = 0; i < n; i++) {
        const m = messages[i]!;
        const timestamp = m.timestamp ?? now;
        if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new GregorError(ErrorCode.INVALID_RECORD, `record ${i}: timestamp ${timestamp} is not a non-negative integer (ms)`);
        if (m.partition !== undefined && !(Number.isInteger(m.partition) && m.partition >= 0 && m.partition < numPartitions)) {
          throw new GregorError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${m.partition} does not exist (${numPartitions} partitions)`, { topic, partition: m.partition });
        }
        const key = bytesOf(m.key, `record ${i}: key`);
        const value = bytesOf(m.value, `record ${i}: value`);
        const hs = m.headers ? headersOf(m.headers) : undefined;
        const size = sizeOf(key, value, hs);
        if (size > maxRecord) throw new GregorError(ErrorCode.MESSAGE_TOO_LARGE, `record ${i} is ${size} bytes; the broker takes batches up to ${this.client.hello.maxBatchBytes}`);
        keys[i] = key;
        values[i] = value;
        headers[i] = hs;
        timestamps[i] = timestamp;
        sizes[i] = size;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.audit && audited(topic)) for (let i = 0; i < n; i++) this.audit.count(topic, timestamps[i]!, payloadBytes(keys[i]!, values[i]!));
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const call: SendCall = { results: new Array(n), remaining: n, failed: false, resolve, reject };
      for (let i = 0; i < n; i++) {
        const key = keys[i]!;
        const size = sizes[i]!;
        const explicit = messages[i]!.partition;
        const sticky = explicit === undefined && key === null;
        let partition = explicit ?? (key ? partitionForKey(key, numPartitions) : this.sticky.partition(topic, numPartitions));
        let batch = state.open[partition];
        if (!batch || (batch.bytes + size > this.batchSize && batch.count > 0)) {
          if (batch) this.ship(batch);
          if (sticky) {
            partition = this.sticky.onNewBatch(topic, numPartitions, partition);
            batch = state.open[partition];
            if (batch && batch.bytes + size > this.batchSize && batch.count > 0) {
              this.ship(batch);
              batch = undefined;
            }
          } else {
            batch = undefined;
          }
          batch ??= this.openBatch(state, partition);
        }
        if (batch.writer) batch.writer.add(key, values[i]!, headers[i], timestamps[i]!);
        else batch.records!.push(toWire(key, values[i]!, headers[i], timestamps[i]!));
        batch.timestamps.push(timestamps[i]!);
        const segments = batch.segments;
        const last = segments[segments.length - 1];
        if (last !== undefined && last.call === call && last.first + last.count === i) last.count++;
        else segments.push({ call, first: i, at: batch.count, count: 1 });
        batch.count++;
        batch.bytes += size;
        this.buffered += size;
        if (batch.bytes >= this.batchSize) this.ship(batch);
      }
    });
  }

  private openBatch(topic: TopicState, partition: number): Batch {
    const engine = this.client.encoder.engine;
    const batch: Batch = {
      topic,
      partition,
      writer: engine ? new BatchWriter(engine, Math.min(this.batchSize, 1024 * 1024) + 4096) : null,
      records: engine ? null : [],
      timestamps: [],
      count: 0,
      segments: [],
      bytes: RECORD_BATCH_OVERHEAD,
      createdAt: Date.now(),
      timer: null,
    };
    topic.open[partition] = batch;
    this.open.add(batch);
    if (this.lingerMs > 0) {
      batch.timer = setTimeout(() => this.ship(batch), this.lingerMs);
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        for (const open of [...this.open]) this.ship(open);
      });
    }
    return batch;
  }

  /** Closes a batch, encodes it and sends it. */
  private ship(batch: Batch): void {
    if (!this.open.delete(batch)) return;
    if (batch.topic.open[batch.partition] === batch) batch.topic.open[batch.partition] = undefined;
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = null;
    this.inFlight++;
    const topic = batch.topic.name;
    let frame: Record<string, unknown>;
    try {
      frame = batch.writer
        ? { op: 'produce', topic, partition: batch.partition, acks: this.acks, batch: batch.writer.finish() }
        : { op: 'produce', topic, partition: batch.partition, acks: this.acks, records: batch.records };
    } catch (err) {
      batch.writer?.dispose();
      this.finish(batch, new GregorError(ErrorCode.INVALID_RECORD, `cannot encode a batch for ${topic}-${batch.partition}: ${(err as Error).message}`));
      return;
    }
    batch.writer = null;
    batch.records = null;
    this.attempt(batch, frame, 0);
  }

  private attempt(batch: Batch, frame: Record<string, unknown>, attempt: number): void {
    const sent =
      this.acks === 0
        ? this.client.connection().then((c) => {
            c.fire(frame);
            return null;
          })
        : this.client.request<ProduceResult>(frame);
    sent.then(
      (result) => this.finish(batch, null, result ? result.partitions[0]!.baseOffset : -1),
      (err: unknown) => {
        const retriable = err instanceof GregorError && err.retriable;
        const deadline = batch.createdAt + this.deliveryTimeoutMs;
        if (retriable && attempt < this.retries && Date.now() + this.retryBackoffMs < deadline && !this.closed) {
          setTimeout(() => this.attempt(batch, frame, attempt + 1), this.retryBackoffMs);
        } else {
          this.finish(batch, err instanceof Error ? err : new Error(String(err)));
        }
      },
    );
  }

  /** Settles a batch's records: metadata on success, the error on failure. */
  private finish(batch: Batch, err: Error | null, baseOffset = -1): void {
    const { partition, timestamps } = batch;
    const topic = batch.topic.name;
    for (const { call, first, at, count } of batch.segments) {
      if (call.failed) continue;
      if (err) {
        call.failed = true;
        call.reject(err);
        continue;
      }
      const results = call.results;
      for (let k = 0; k < count; k++) {
        results[first + k] = { topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + at + k, timestamp: timestamps[at + k]! };
      }
      call.remaining -= count;
      if (call.remaining === 0) call.resolve(results);
    }
    this.buffered -= batch.bytes - RECORD_BATCH_OVERHEAD;
    this.inFlight--;
    if (this.buffered <= this.bufferMemory) for (const w of this.spaceWaiters.splice(0)) w();
    if (this.inFlight === 0 && this.open.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
