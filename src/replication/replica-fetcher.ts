/**
 * A follower's fetcher for one leader broker (Kafka ReplicaFetcherThread): one connection,
 * a long-poll Fetch loop (replica id = this broker, `replica.fetch.wait.max.ms`) over every
 * partition this broker follows on that leader.
 *
 * Before a partition's first fetch (and after every leader change) it asks the leader
 * OffsetForLeaderEpoch for the end of its own latest epoch and truncates anything beyond
 * (KIP-101, KIP-279): what a deposed leader wrote but the new leader never got is dropped,
 * so replicas agree below the high watermark. Fetched batches are appended as they are;
 * OFFSET_OUT_OF_RANGE below the leader's log start restarts the replica from there.
 *
 * The next fetch goes out in the same tick as the previous response's synchronous append (no
 * backoff, no fsync wait), and never before it: a session has one outstanding fetch, and its
 * fetch offset tells the leader what this replica holds — sent before the append, it would let
 * the leader count toward acks=all records this replica could still lose. Every response's
 * high watermark is taken, records or not (the leader answers a fetch that moved it at once).
 *
 * Fetches run in an incremental fetch session (KIP-227, fetch-session-handler.ts): after the
 * first full fetch only partitions whose fetch offset (or other parameters) moved, or that
 * were added or dropped, are named, and the leader answers only partitions that changed.
 *
 * Follower throttle (KIP-73, Kafka ReplicaFetcherThread.shouldFollowerThrottle): a partition
 * listed in `follower.replication.throttled.replicas` for this broker, while this replica is out
 * of the ISR and `follower.replication.throttled.rate` is exceeded, is left out of the fetch;
 * the bytes fetched for every throttled partition are recorded against the rate.
 */
import type { Logger } from 'pino';
import { KafkaClient } from '../network/kafka-client.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';
import type { OffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch-response.js';
import { createFetchRequest, createFetchRequestFetchPartition } from '../protocol/generated/fetch-request.js';
import { createOffsetForLeaderEpochRequest } from '../protocol/generated/offset-for-leader-epoch-request.js';
import { FetchSessionHandler } from './fetch-session-handler.js';
import { UNDEFINED_EPOCH } from './leader-epoch-cache.js';
import type { Replica, ReplicationConfig } from './replica.js';
import type { ReplicationQuota } from './replication-quota.js';

const FETCH = 1;
const OFFSET_FOR_LEADER_EPOCH = 23;
/** Fetch v12: replica id in the body, topic names (v13+ moves to ids and v15 to ReplicaState). */
const FETCH_VERSION = 12;
const OFFSET_FOR_LEADER_EPOCH_VERSION = 4;
const RETRY_BACKOFF_MS = 200;
/** How long the fetcher waits when every partition it could fetch is held back by the follower throttle (ms). */
const THROTTLE_BACKOFF_MS = 100;

interface Followed {
  replica: Replica;
  /** Truncation against the leader's epoch done for this leader epoch. */
  truncatedForEpoch: number;
}

export class ReplicaFetcher {
  private readonly partitions = new Map<string, Followed>();
  private client: KafkaClient | null = null;
  /** The incremental fetch session with the leader. */
  private readonly session = new FetchSessionHandler();
  private running = false;
  private stopped = false;

  constructor(
    readonly leaderId: number,
    private readonly brokerId: number,
    /** Opens an authenticated connection to a broker on the inter-broker listener (Broker.connectToBroker). */
    private readonly connectTo: (brokerId: number) => Promise<KafkaClient>,
    private readonly config: ReplicationConfig,
    private readonly logger: Logger,
    /** After each fetched partition: the leader's high watermark and log start offset (the follower's follow them). */
    private readonly onProgress: (replica: Replica, leaderHighWatermark: number, leaderLogStartOffset: number) => void,
    /** The follower-side replication throttle (replication-quota.ts). */
    private readonly quota?: ReplicationQuota,
  ) {}

  /** Out of the ISR, a follower-throttled replica here, and the follower rate exceeded. */
  private throttled(replica: Replica): boolean {
    if (!this.quota || replica.isr.includes(this.brokerId)) return false;
    return this.quota.isThrottled(replica.topic, replica.partition) && this.quota.isQuotaExceeded();
  }

  add(replica: Replica): void {
    const k = `${replica.topic}\u0000${replica.partition}`;
    const existing = this.partitions.get(k);
    if (existing) {
      existing.replica = replica;
      return;
    }
    this.partitions.set(k, { replica, truncatedForEpoch: -1 });
    if (!this.running) void this.loop();
  }

  remove(replica: Replica): void {
    this.partitions.delete(`${replica.topic}\u0000${replica.partition}`);
  }

  stop(): void {
    this.stopped = true;
    this.client?.close();
  }

  private async connect(): Promise<KafkaClient> {
    if (this.client) return this.client;
    this.client = await this.connectTo(this.leaderId);
    return this.client;
  }

  private async loop(): Promise<void> {
    this.running = true;
    while (!this.stopped && this.partitions.size > 0) {
      try {
        const client = await this.connect();
        await this.truncateWhereNeeded(client);
        await this.fetchOnce(client);
      } catch (err) {
        this.logger.debug({ err: (err as Error).message }, 'replica fetch failed; retrying');
        this.session.handleError();
        this.client?.close();
        this.client = null;
        await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS));
      }
    }
    this.running = false;
  }

  /** OffsetForLeaderEpoch for partitions new to this leader epoch, then truncate. */
  private async truncateWhereNeeded(client: KafkaClient): Promise<void> {
    const pending = [...this.partitions.values()].filter((f) => f.truncatedForEpoch !== f.replica.leaderEpoch);
    if (pending.length === 0) return;
    const byTopic = new Map<string, Followed[]>();
    for (const f of pending) byTopic.set(f.replica.topic, [...(byTopic.get(f.replica.topic) ?? []), f]);
    const { response } = await client.request<OffsetForLeaderEpochResponse>(
      OFFSET_FOR_LEADER_EPOCH,
      createOffsetForLeaderEpochRequest({
        replicaId: this.brokerId,
        topics: [...byTopic].map(([topic, fs]) => ({
          topic,
          partitions: fs.map((f) => ({ partition: f.replica.partition, currentLeaderEpoch: f.replica.leaderEpoch, leaderEpoch: f.replica.epochs.latestEpoch })),
        })),
      }),
      OFFSET_FOR_LEADER_EPOCH_VERSION,
    );
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const f = this.partitions.get(`${t.topic}\u0000${p.partition}`);
        if (!f || p.errorCode !== ErrorCode.NONE) continue;
        const log = f.replica.log;
        // Unknown epoch (new replica, or history older than the leader's): keep up to the high watermark.
        const target = p.leaderEpoch === UNDEFINED_EPOCH || p.endOffset < 0 ? log.highWatermark : Math.min(p.endOffset, log.logEndOffset);
        if (target < log.logEndOffset) {
          this.logger.warn({ topic: t.topic, partition: p.partition, from: log.logEndOffset, to: target, leaderEpoch: p.leaderEpoch }, 'truncating divergent records');
          log.truncateTo(target);
          f.replica.epochs.truncateFromEnd(target);
        }
        f.truncatedForEpoch = f.replica.leaderEpoch;
      }
    }
  }

  private async fetchOnce(client: KafkaClient): Promise<void> {
    const truncated = [...this.partitions.values()].filter((f) => f.truncatedForEpoch === f.replica.leaderEpoch);
    const ready = truncated.filter((f) => !this.throttled(f.replica));
    if (ready.length === 0) {
      if (truncated.length > 0) await new Promise((r) => setTimeout(r, THROTTLE_BACKOFF_MS));
      return;
    }
    // The records are views of the client's receive buffer, recycled once they are appended.
    const { response, release } = await client.requestRetained<FetchResponse>(
      FETCH,
      createFetchRequest({
        replicaId: this.brokerId,
        maxWaitMs: this.config.replicaFetchWaitMaxMs,
        minBytes: 1,
        maxBytes: this.config.replicaFetchResponseMaxBytes,
        ...this.session.build(
          ready.map((f) => ({
            topic: f.replica.topic,
            data: createFetchRequestFetchPartition({
              partition: f.replica.partition,
              currentLeaderEpoch: f.replica.leaderEpoch,
              fetchOffset: f.replica.log.logEndOffset,
              lastFetchedEpoch: f.replica.epochs.latestEpoch,
              logStartOffset: f.replica.log.logStartOffset,
              partitionMaxBytes: this.config.replicaFetchMaxBytes,
            }),
          })),
        ),
      }),
      FETCH_VERSION,
    );
    try {
      this.onFetchResponse(response);
    } finally {
      release();
    }
  }

  /** Appends what a fetch response brought and follows the leader's watermarks. */
  private onFetchResponse(response: FetchResponse): void {
    if (!this.session.handleResponse(response)) {
      this.logger.debug({ errorCode: response.errorCode, sessionId: this.session.id }, 'fetch session error; the next fetch is full');
      return;
    }
    for (const t of response.responses) {
      for (const p of t.partitions) {
        const f = this.partitions.get(`${t.topic}\u0000${p.partitionIndex}`);
        if (!f) continue;
        const replica = f.replica;
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && p.logStartOffset > replica.log.logEndOffset) {
          this.logger.warn({ topic: t.topic, partition: p.partitionIndex, leaderLogStart: p.logStartOffset }, 'restarting a replica behind the leader\'s log start');
          replica.log.truncateFullyAndStartAt(p.logStartOffset);
          continue;
        }
        if (p.errorCode !== ErrorCode.NONE) {
          this.logger.debug({ topic: t.topic, partition: p.partitionIndex, errorCode: p.errorCode }, 'replica fetch error');
          continue;
        }
        if (p.records && p.records.byteLength > 0) {
          for (const { epoch, startOffset } of replica.log.appendAsFollower(p.records)) replica.epochs.assign(epoch, startOffset);
          if (this.quota?.isThrottled(replica.topic, replica.partition)) this.quota.record(p.records.byteLength);
        }
        this.onProgress(replica, p.highWatermark, p.logStartOffset);
      }
    }
  }
}
