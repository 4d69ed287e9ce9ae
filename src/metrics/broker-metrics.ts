/**
 * The broker's Prometheus metrics (prom-client), served as text at `GET /metrics` on the
 * gateway's port, or on `gregor.metrics.port` with the gateway off (metrics-endpoint.ts). One
 * registry per broker, made whatever the gateway's setting (several brokers in one process
 * share nothing).
 *
 * Broker-wide, collected at scrape time from the logs:
 *   gregor_topics, gregor_partitions                        gauges
 *   gregor_log_start_offset / gregor_log_end_offset{topic,partition}   offsets; the rate of
 *       the end offset is the produce rate in records/s, whatever the protocol
 *   gregor_log_size_bytes{topic,partition}                  bytes on disk
 *   gregor_kafka_connections                                open Kafka-protocol connections
 *   gregor_kafka_request_duration_seconds{api}              histogram: Kafka-protocol request
 *       receipt to response encoded (a long-poll Fetch's or a JoinGroup's wait included;
 *       Kafka's RequestMetrics TotalTimeMs, in seconds)
 *   gregor_consumer_group_committed_offset{group,topic,partition}  a group's committed offset
 *   gregor_consumer_group_lag_records{group,topic,partition}   high watermark − committed
 *       offset (records, ≥ 0): Kafka's consumer lag as `kafka-consumer-groups --describe`
 *       shows it, for every group this broker coordinates, whatever its clients (Kafka or
 *       WebSocket), for partitions whose log is on this broker
 *   gregor_fetch_sessions{privileged}                       incremental fetch sessions in the
 *       cache (Kafka FetchSessionCache NumIncrementalFetchSessions), split into followers'
 *       (privileged="true") and consumers'
 *   gregor_fetch_session_partitions                         partitions over all sessions
 *       (NumIncrementalFetchPartitionsCached)
 *   gregor_fetch_session_evictions_total                    sessions evicted to make room
 *       (IncrementalFetchSessionEvictionsPerSec, as a counter)
 *   gregor_fetch_requests_total{session}                    Fetch requests by session context:
 *       sessionless (epoch −1), full (epoch 0), incremental, error (a session error)
 *   gregor_replication_throttled_bytes_total{side}          bytes of throttled replicas
 *       (KIP-73) this broker served as leader (side="leader") or fetched as follower
 *       (side="follower"), counted against `*.replication.throttled.rate`
 *   gregor_replication_throttled_rate_bytes{side}           their measured rate (bytes/s, the
 *       quota's sampled rate)
 *   gregor_follower_consumer_fetch_bytes_total              record bytes this broker served, as
 *       a follower, to consumers (KIP-392 fetch from follower); with
 *       gregor_follower_consumer_fetches_total (responses holding such records)
 * plus Node's process metrics (`process_resident_memory_bytes`, event loop lag, GC, …).
 * Components add their own metrics to `registry` (see gateway/gateway-metrics.ts).
 * Source: prom-client 15 README; Prometheus exposition format 0.0.4.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupCoordinator } from '../groups/group-coordinator.js';
import type { FetchSessionCache } from '../server/fetch-session-cache.js';
import type { LogManager } from '../storage/log-manager.js';
import type { TailBudget } from '../storage/tail-buffer.js';
import type { ReplicationQuota } from '../replication/replication-quota.js';

export interface BrokerMetricSources {
  logs: LogManager;
  /** Open Kafka-protocol connections. */
  kafkaConnections(): number;
  /** The group coordinator, for committed offsets and lag (absent: no group metrics). */
  groups?: GroupCoordinator;
  /** The fetch session cache (absent: no session gauges). */
  fetchSessions?: FetchSessionCache;
  /** The tail buffers' shared-memory bound (absent: no tail gauges). */
  tailBudget?: TailBudget;
  /** The replication throttles (absent: no throttle metrics). */
  replicationQuotas?: { leader: ReplicationQuota; follower: ReplicationQuota };
}

/** Seconds: 100 µs … 30 s (JoinGroup and long-poll Fetch wait long by design). */
const REQUEST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly kafkaRequests: Histogram<'api'>;
  private readonly fetchRequests: Counter<'session'>;
  /** Label children of `fetchRequests`, resolved once (it is counted on every Fetch). */
  private readonly fetchRequestsBySession = new Map<string, ReturnType<Counter<'session'>['labels']>>();
  private readonly followerConsumerFetchBytes: Counter;
  private readonly followerConsumerFetches: Counter;

  constructor(sources: BrokerMetricSources) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    new Gauge({
      name: 'gregor_topics',
      help: 'Topics on this broker.',
      registers,
      collect() {
        this.set(sources.logs.allTopics().length);
      },
    });
    new Gauge({
      name: 'gregor_partitions',
      help: 'Partitions on this broker (leader of all of them).',
      registers,
      collect() {
        this.set(sources.logs.allTopics().reduce((n, t) => n + t.partitions.length, 0));
      },
    });
    const perPartition = (name: string, help: string, value: (log: ReturnType<LogManager['allTopics']>[number]['partitions'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['topic', 'partition'] as const,
        registers,
        collect() {
          this.reset();
          for (const topic of sources.logs.allTopics()) {
            topic.partitions.forEach((log, partition) => this.set({ topic: topic.name, partition: String(partition) }, value(log)));
          }
        },
      });
    perPartition('gregor_log_start_offset', 'First offset of the partition log.', (log) => log.logStartOffset);
    perPartition('gregor_log_end_offset', 'Offset after the last record of the partition log (its rate is the produce rate in records/s).', (log) => log.logEndOffset);
    perPartition('gregor_log_size_bytes', 'Bytes of the partition log on disk.', (log) => log.sizeInBytes);
    const { tailBudget } = sources;
    if (tailBudget) {
      new Gauge({
        name: 'gregor_tail_buffer_bytes',
        help: 'Shared memory held by active segments\' tail buffers (bytes; bound: gregor.tail.buffers.max.bytes).',
        registers,
        collect() {
          this.set(tailBudget.usedBytes);
        },
      });
      new Gauge({
        name: 'gregor_tail_buffers',
        help: 'Active segments holding a tail buffer.',
        registers,
        collect() {
          this.set(tailBudget.slotCount);
        },
      });
    }
    new Gauge({
      name: 'gregor_kafka_connections',
      help: 'Open Kafka-protocol connections.',
      registers,
      collect() {
        this.set(sources.kafkaConnections());
      },
    });
    this.kafkaRequests = new Histogram({
      name: 'gregor_kafka_request_duration_seconds',
      help: 'Time from receiving a Kafka-protocol request to its encoded response (s), by API.',
      labelNames: ['api'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.fetchRequests = new Counter({
      name: 'gregor_fetch_requests_total',
      help: 'Fetch requests by fetch session context (KIP-227): sessionless, full, incremental, error.',
      labelNames: ['session'],
      registers,
    });
    if (sources.fetchSessions) {
      const cache = sources.fetchSessions;
      new Gauge({
        name: 'gregor_fetch_sessions',
        help: 'Incremental fetch sessions in the cache (Kafka NumIncrementalFetchSessions), by privileged (follower) or not.',
        labelNames: ['privileged'] as const,
        registers,
        collect() {
          const followers = cache.privilegedCount;
          this.set({ privileged: 'true' }, followers);
          this.set({ privileged: 'false' }, cache.size - followers);
        },
      });
      new Gauge({
        name: 'gregor_fetch_session_partitions',
        help: 'Partitions cached over all fetch sessions (Kafka NumIncrementalFetchPartitionsCached).',
        registers,
        collect() {
          this.set(cache.totalPartitions);
        },
      });
      new Counter({
        name: 'gregor_fetch_session_evictions_total',
        help: 'Fetch sessions evicted to make room for new ones (Kafka IncrementalFetchSessionEvictionsPerSec).',
        registers,
        collect() {
          this.reset();
          this.inc(cache.evictions);
        },
      });
    }
    this.followerConsumerFetchBytes = new Counter({ name: 'gregor_follower_consumer_fetch_bytes_total', help: 'Record bytes served to consumers by this broker as a follower (KIP-392).', registers });
    this.followerConsumerFetches = new Counter({ name: 'gregor_follower_consumer_fetches_total', help: 'Consumer fetch responses with records this broker served as a follower (KIP-392).', registers });
    const quotas = sources.replicationQuotas;
    if (quotas) {
      new Counter({
        name: 'gregor_replication_throttled_bytes_total',
        help: 'Bytes of throttled replicas served as leader or fetched as follower (KIP-73), by side.',
        labelNames: ['side'] as const,
        registers,
        collect() {
          this.reset();
          this.inc({ side: 'leader' }, quotas.leader.recordedBytes);
          this.inc({ side: 'follower' }, quotas.follower.recordedBytes);
        },
      });
      new Gauge({
        name: 'gregor_replication_throttled_rate_bytes',
        help: 'Measured rate of throttled replication (bytes/s), by side.',
        labelNames: ['side'] as const,
        registers,
        collect() {
          this.set({ side: 'leader' }, quotas.leader.measuredRate());
          this.set({ side: 'follower' }, quotas.follower.measuredRate());
        },
      });
    }
    if (sources.groups) {
      const groups = sources.groups;
      const perGroupPartition = (name: string, help: string, value: (committed: number, highWatermark: number) => number) =>
        new Gauge({
          name,
          help,
          labelNames: ['group', 'topic', 'partition'] as const,
          registers,
          collect() {
            this.reset();
            for (const c of committedOffsets(groups)) {
              const log = sources.logs.partition(c.topic, c.partition);
              if (!log) continue;
              this.set({ group: c.group, topic: c.topic, partition: String(c.partition) }, value(c.offset, log.highWatermark));
            }
          },
        });
      perGroupPartition('gregor_consumer_group_committed_offset', "A consumer group's committed offset (the next record it reads).", (committed) => committed);
      perGroupPartition('gregor_consumer_group_lag_records', 'Consumer group lag: high watermark minus committed offset (records).', (committed, hw) => Math.max(0, hw - committed));
    }
  }

  /** Records one Kafka-protocol request's handling time (seconds) under its API name (e.g. "Fetch"). */
  kafkaRequest(api: string, seconds: number): void {
    this.kafkaRequests.observe({ api }, seconds);
  }

  /** Counts a consumer fetch response with `bytes` of records this broker served as a follower (KIP-392). */
  followerConsumerFetch(bytes: number): void {
    this.followerConsumerFetches.inc();
    this.followerConsumerFetchBytes.inc(bytes);
  }

  /** Counts one Fetch request under its session context (sessionless, full, incremental, error). */
  fetchRequest(session: string): void {
    let child = this.fetchRequestsBySession.get(session);
    if (!child) this.fetchRequestsBySession.set(session, (child = this.fetchRequests.labels(session)));
    child.inc();
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Every committed offset of every group this broker coordinates (offsets ≥ 0). */
function* committedOffsets(groups: GroupCoordinator): Iterable<{ group: string; topic: string; partition: number; offset: number }> {
  for (const { groupId } of groups.list([], [])) {
    for (const o of groups.group(groupId)?.offsets.values() ?? []) {
      if (o.offset >= 0) yield { group: groupId, topic: o.topic, partition: o.partition, offset: o.offset };
    }
  }
}
