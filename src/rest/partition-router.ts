/**
 * REST requests for partitions another broker leads: Confluent's REST proxy is a Kafka client
 * that sends each partition's produce and fetch to its leader; Gregor's proxy, inside a broker,
 * does the same over the inter-broker listener (BrokerServices.connectToBroker, with that
 * listener's TLS and SASL), so any broker's REST port reaches every partition of the cluster.
 *
 * A partition this broker leads (or whose leader is unknown: the local handler then answers
 * with Kafka's error) goes through the local Produce / Fetch handlers (apis/produce-records.ts,
 * apis/fetch-partition.ts). Another leader gets the same Produce v9 / Fetch v12 / ListOffsets
 * request on a connection to it. The REST caller's ACLs are checked HERE, with the caller's
 * principal, before anything is forwarded (WRITE for produce, READ for fetch, DESCRIBE for offsets):
 * the leader sees the broker's own inter-broker principal, so a forwarded request must never
 * be one the caller could not make itself. Client quotas apply on the leader to that principal.
 *
 * Connections: one pipelined connection per leader for Produce and ListOffsets (requests and
 * answers in order, as a Kafka producer's); a Fetch, which may long-poll, borrows a connection
 * of its own (kept for reuse while idle, up to IDLE_FETCH_CONNECTIONS per leader) so a waiting
 * fetch never delays a produce. A connection that ended (idle past its timeout, leader gone)
 * is replaced on the next request; a request it held fails with its error.
 * Errors (KafkaError): TOPIC_AUTHORIZATION_FAILED, LEADER_NOT_AVAILABLE (the leader cannot be
 * reached), and the leader's own errors (NOT_LEADER_OR_FOLLOWER, OFFSET_OUT_OF_RANGE, …).
 */
import { topicPermitted } from '../apis/authorize.js';
import { FETCH_VERSION, type FetchLimits, type PartitionFetch, fetchPartition, fetchRequestFor, partitionFetchOf } from '../apis/fetch-partition.js';
import type { RequestContext } from '../apis/api.js';
import { type AppendedBatch, PRODUCE_VERSION, type PartitionedTopic, appendedBatchOf, produceBatch, produceRequestFor } from '../apis/produce-records.js';
import type { BrokerServices } from '../broker-services.js';
import type { KafkaClient } from '../network/kafka-client.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';
import type { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import type { ProduceResponse } from '../protocol/generated/produce-response.js';
import { AclOperation } from '../security/authorizer.js';

const PRODUCE = 0;
const FETCH = 1;
const LIST_OFFSETS = 2;
/** Idle fetch connections kept per leader. */
const IDLE_FETCH_CONNECTIONS = 4;
/**
 * Connect timeout and idle timeout of forwarding connections (ms): longer than the longest
 * long poll a REST read asks for (30 s), so a waiting fetch is never cut off.
 */
const CONNECTION_TIMEOUT_MS = 45_000;

/** Where `offset` -2 (log start) and -1 (end: high watermark, or last stable offset) point. */
export type OffsetSpec = -2 | -1;

export class PartitionRouter {
  private readonly shared = new Map<number, Promise<KafkaClient>>();
  private readonly idle = new Map<number, KafkaClient[]>();
  private readonly cursors = new Map<string, { partitions: { length: number } }>();
  private closed = false;

  constructor(private readonly broker: Pick<BrokerServices, 'config' | 'metadata' | 'replicas' | 'connectToBroker'>) {}

  /** The id of the other live broker that leads `topic`-`partition`, or null when this broker should answer. */
  remoteLeader(topic: string, partition: number): number | null {
    const leader = this.broker.metadata.partition(topic, partition)?.leader ?? -1;
    return leader < 0 || leader === this.broker.config.nodeId ? null : leader;
  }

  /**
   * `topic` as the partitioner sees it (its partition count from the cluster's metadata, and a
   * stable identity for its round-robin cursor); works on brokers that hold no replica of it.
   */
  partitioned(topic: string, partitionCount: number): PartitionedTopic {
    let cursor = this.cursors.get(topic);
    if (!cursor) this.cursors.set(topic, (cursor = { partitions: { length: partitionCount } }));
    cursor.partitions.length = partitionCount;
    return cursor;
  }

  /** Appends `batch` to `topic`-`partition` (a BatchAppender): locally, or on its leader. Errors: see the module comment. */
  produce = (ctx: RequestContext, topic: string, partition: number, acks: number, batch: Uint8Array): AppendedBatch | Promise<AppendedBatch> => {
    const leader = this.remoteLeader(topic, partition);
    if (leader === null) return produceBatch(ctx, topic, partition, acks, batch);
    authorize(ctx, AclOperation.WRITE, topic);
    return this.onShared(leader, async (client) => {
      const { response } = await client.request<ProduceResponse>(PRODUCE, produceRequestFor(topic, partition, acks, batch), PRODUCE_VERSION);
      return appendedBatchOf(response, topic, partition);
    });
  };

  /** Fetches `topic`-`partition` from `offset` with `limits` (fetch-partition.ts), locally or from its leader. */
  async fetch(ctx: RequestContext, topic: string, partition: number, offset: number, limits: FetchLimits): Promise<PartitionFetch> {
    const leader = this.remoteLeader(topic, partition);
    if (leader === null) return fetchPartition(ctx, topic, partition, offset, limits);
    authorize(ctx, AclOperation.READ, topic);
    const client = await this.borrow(leader);
    let response: FetchResponse;
    try {
      response = (await client.request<FetchResponse>(FETCH, fetchRequestFor(topic, partition, offset, limits), FETCH_VERSION)).response;
    } catch (err) {
      client.close();
      throw unreachable(leader, err);
    }
    this.giveBack(leader, client);
    return partitionFetchOf(response, topic, partition, offset);
  }

  /**
   * Where `spec` points in `topic`-`partition` now: -2 its log start offset, -1 its high
   * watermark (read_uncommitted, `isolationLevel` 0) or last stable offset (1). Checks
   * DESCRIBE on the topic, as Kafka's ListOffsets does.
   */
  async offset(ctx: RequestContext, topic: string, partition: number, spec: OffsetSpec, isolationLevel: 0 | 1): Promise<number> {
    authorize(ctx, AclOperation.DESCRIBE, topic);
    const leader = this.remoteLeader(topic, partition);
    if (leader === null) {
      const log = this.broker.replicas.leaderLog(topic, partition);
      if (spec === -2) return log.logStartOffset;
      return isolationLevel === 1 ? log.lastStableOffset : log.highWatermark;
    }
    return this.onShared(leader, async (client) => {
      const body = { replicaId: -1, isolationLevel, timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: spec, maxNumOffsets: 1 }] }] };
      const { response } = await client.request<ListOffsetsResponse>(LIST_OFFSETS, body);
      const answer = response.topics[0]?.partitions[0];
      if (!answer) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `ListOffsets of ${topic}-${partition}: the response names no partition`);
      if (answer.errorCode !== ErrorCode.NONE) throw new KafkaError(answer.errorCode, `ListOffsets of ${topic}-${partition} failed on broker ${leader}`);
      return Number(answer.offset);
    });
  }

  /** Runs `op` on the shared connection to `leader` (opened, or replaced if it ended). */
  private async onShared<T>(leader: number, op: (client: KafkaClient) => Promise<T>): Promise<T> {
    let client: KafkaClient;
    try {
      let pending = this.shared.get(leader);
      if (pending) {
        const current = await pending.catch(() => null);
        if (!current || current.closed) {
          // Only the first request to see it ended replaces it; the others take the replacement.
          if (this.shared.get(leader) === pending) this.shared.delete(leader);
          pending = this.shared.get(leader);
        }
      }
      if (!pending) {
        const opening = this.connect(leader);
        this.shared.set(leader, opening);
        opening.catch(() => {
          if (this.shared.get(leader) === opening) this.shared.delete(leader);
        });
        pending = opening;
      }
      client = await pending;
    } catch (err) {
      throw unreachable(leader, err);
    }
    try {
      return await op(client);
    } catch (err) {
      if (err instanceof KafkaError) throw err;
      throw unreachable(leader, err);
    }
  }

  private async borrow(leader: number): Promise<KafkaClient> {
    const list = this.idle.get(leader) ?? [];
    for (let c = list.pop(); c; c = list.pop()) if (!c.closed) return c;
    try {
      return await this.connect(leader);
    } catch (err) {
      throw unreachable(leader, err);
    }
  }

  private giveBack(leader: number, client: KafkaClient): void {
    const list = this.idle.get(leader) ?? [];
    this.idle.set(leader, list);
    if (this.closed || client.closed || list.length >= IDLE_FETCH_CONNECTIONS) client.close();
    else list.push(client);
  }

  private async connect(leader: number): Promise<KafkaClient> {
    if (this.closed) throw new Error('the REST proxy is closing');
    const client = await this.broker.connectToBroker(leader, CONNECTION_TIMEOUT_MS);
    if (this.closed) {
      client.close();
      throw new Error('the REST proxy is closing');
    }
    return client;
  }

  /** Closes every forwarding connection (broker shutdown); requests on them fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const list of this.idle.values()) for (const c of list.splice(0)) c.close();
    const shared = [...this.shared.values()];
    this.shared.clear();
    for (const c of await Promise.allSettled(shared)) if (c.status === 'fulfilled') c.value.close();
  }
}

function authorize(ctx: RequestContext, operation: AclOperation, topic: string): void {
  if (!topicPermitted(ctx, operation, topic)) throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not authorized to access topics: [${topic}]`);
}

/** A failure to reach `leader` or of the connection to it, as Kafka's retriable LEADER_NOT_AVAILABLE. */
function unreachable(leader: number, err: unknown): KafkaError {
  return new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `the partition's leader, broker ${leader}, cannot be reached: ${(err as Error).message}`);
}
