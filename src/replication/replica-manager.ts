/**
 * Replication on one broker (Kafka ReplicaManager / Partition, ZooKeeper mode, KIP-101,
 * KIP-279): for every partition assigned to this broker, the role the partition state in
 * ZooKeeper gives it.
 *
 * Leader: appends produced batches (stamped with its leader epoch); tracks each follower's
 * log end offset from the offsets it fetches at; high watermark = min LEO over the ISR;
 * acks=all waits until the high watermark passes the batch (REQUEST_TIMED_OUT after the
 * request's timeout); fewer ISR members than `min.insync.replicas` → NOT_ENOUGH_REPLICAS
 * (before the append) or NOT_ENOUGH_REPLICAS_AFTER_APPEND (if the ISR shrank while waiting).
 * A follower not caught up for `replica.lag.time.max.ms` leaves the ISR; one that reaches
 * the high watermark joins again. ISR changes are conditional writes of the state znode
 * (a lost race means newer state exists: re-read, never overwrite).
 *
 * Follower: a ReplicaFetcher per leader broker pulls with Fetch (replica id = this broker),
 * after truncating divergent records via OffsetForLeaderEpoch; appends batches as they are
 * (offsets and epochs kept); its high watermark and log start offset follow the leader's.
 * DeleteRecords: only the leader moves the log start offset; the answer waits for the low
 * watermark (the followers', low-watermark.ts).
 *
 * Consumers read only up to the high watermark (PartitionLog.highWatermark); requests for a
 * partition this broker does not lead get NOT_LEADER_OR_FOLLOWER — except Fetch v11+, which a
 * follower serves up to its own high watermark, and to which a leader with
 * `replica.selector.class` may answer with a preferred read replica in the consumer's rack
 * (KIP-392). Replication throttles (KIP-73): `leaderQuota` and `followerQuota`
 * (replication-quota.ts) hold back out-of-sync throttled replicas.
 *
 * A single broker is a cluster of one: until `start(cluster)` every local partition is led by
 * this broker in epoch 0, with itself as the only replica and the whole ISR, so produce,
 * acks and fetch go through the same code in both modes (`appendRecords`, `leaderLog`).
 */
import type { Logger } from 'pino';
import type { KafkaClient } from '../network/kafka-client.js';
import type { ClusterManager } from '../cluster/cluster-manager.js';
import type { CachedPartitionState } from '../cluster/metadata-cache.js';
import { ZkCode, ZkError } from '../cluster/zk-client.js';
import { ZK_PATHS, encodePartitionState } from '../cluster/zk-paths.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { AppendResult, PartitionLog } from '../storage/log.js';
import { asOffset } from '../storage/offset.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import type { Replica, ReplicationConfig } from './replica.js';
import type { LogManager } from '../storage/log-manager.js';
import { lowWatermarkOf } from './low-watermark.js';
import { OffsetPurgatory } from './offset-purgatory.js';
import { ReplicaFetcher } from './replica-fetcher.js';
import { ReplicationQuota } from './replication-quota.js';
import { type LeaderRecords, leaderClock, leaderRecordsPolicy, prepareLeaderRecords } from '../storage/leader-records.js';

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * How a leader validates, stamps (offsets, `leaderEpoch`) and appends produced batches: the
 * engine inline on the main thread, or the append worker pool (leader-appender.ts).
 */
export interface LeaderAppender {
  /**
   * Appends one produce request's records for one partition. Must queue the append
   * synchronously (before any await) so a partition's appends keep request order.
   * Errors (KafkaError): the log's validation errors (CORRUPT_MESSAGE, INVALID_RECORD,
   * MESSAGE_TOO_LARGE, …; nothing is appended then); NOT_LEADER_OR_FOLLOWER when fenced.
   */
  append(log: PartitionLog, records: Uint8Array, leaderEpoch: number): AppendResult | Promise<AppendResult>;
  /**
   * Leadership of `log` moved away: refuses the appends still queued for it
   * (NOT_LEADER_OR_FOLLOWER) and resolves once none is in flight, so the log is the
   * follower's alone from then on.
   */
  fence(log: PartitionLog): Promise<void>;
}

/** What the replica manager needs of its broker. */
export interface ReplicaHost {
  readonly config: { readonly nodeId: number };
  readonly logs: LogManager;
  /**
   * The coordinator whose log is internal topic `topic` (`__consumer_offsets`: the group
   * coordinator; `__transaction_state`: the transaction coordinator), told when this broker
   * gains or loses one of its partitions; undefined for other topics.
   */
  coordinatorOf(topic: string): CoordinatorLeadership | undefined;
  /** A client connection to another broker on the inter-broker listener (for replica fetchers). */
  connectToBroker(brokerId: number): Promise<KafkaClient>;
}

/** A coordinator that loads a partition of its log on leadership and drops it on resignation. */
export interface CoordinatorLeadership {
  onBecomeLeader(partition: number): void;
  onResign(partition: number): void;
}

/** What a produce asks of `appendRecords`. */
export interface AppendOptions {
  /** -1 (all in-sync replicas), 0 or 1. */
  acks: number;
  /** How long acks=-1 waits for the in-sync replicas (ms). */
  timeoutMs: number;
}

export class ReplicaManager {
  /** Cluster mode: the replicas ZooKeeper's partition states assign to this broker. */
  private readonly replicas = new Map<string, Replica>();
  /** Cluster of one: a leader replica per local partition log, made as it becomes leader (leadLocalPartitions). */
  private readonly local = new WeakMap<PartitionLog, Replica>();
  private cluster: ClusterManager | null = null;
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  /** acks=all produces and coordinator writes waiting for the high watermark. */
  private readonly produceWaiters = new OffsetPurgatory((r) => r.log.highWatermark);
  /** DeleteRecords waiting for the low watermark. */
  private readonly deleteRecordsWaiters = new OffsetPurgatory((r) => this.lowWatermark(r));
  private shrinkTimer: NodeJS.Timeout | null = null;
  private readonly onState = (topic: string, partition: number, state: CachedPartitionState | null) => this.applyState(topic, partition, state);
  private readonly onTopicRemoved = (topic: string) => this.dropTopic(topic);
  /** An assignment changed (a reassignment): every partition of the topic is looked at again. */
  private readonly onTopic = (topic: string) => {
    const assignment = this.cluster?.metadata.topics.get(topic);
    assignment?.partitions.forEach((_, p) => this.applyState(topic, p, this.cluster!.metadata.state(topic, p) ?? null));
  };

  /** `leader.replication.throttled.rate` over `leader.replication.throttled.replicas` (KIP-73). */
  readonly leaderQuota: ReplicationQuota;
  /** `follower.replication.throttled.rate` over `follower.replication.throttled.replicas` (KIP-73). */
  readonly followerQuota: ReplicationQuota;

  constructor(
    private readonly broker: ReplicaHost,
    private readonly config: ReplicationConfig,
    private readonly logger: Logger,
    private readonly appender: LeaderAppender,
  ) {
    const t = config.throttle;
    const none = () => Number.MAX_SAFE_INTEGER;
    const window = { windowNum: t?.windowNum ?? 11, windowSizeMs: t?.windowSizeMs ?? 1000 };
    const topicConfigs = (topic: string) => this.cluster?.metadata.topicConfigs.get(topic);
    this.leaderQuota = new ReplicationQuota({ rate: t ? () => t.leaderRate() : none, ...window }, broker.config.nodeId, 'leader.replication.throttled.replicas', topicConfigs);
    this.followerQuota = new ReplicationQuota({ rate: t ? () => t.followerRate() : none, ...window }, broker.config.nodeId, 'follower.replication.throttled.replicas', topicConfigs);
  }

  get brokerId(): number {
    return this.broker.config.nodeId;
  }

  /** Cluster mode from now on: applies every known partition state and follows changes. */
  start(cluster: ClusterManager): void {
    this.cluster = cluster;
    this.cluster.metadata.on('state', this.onState);
    this.cluster.metadata.on('topic-removed', this.onTopicRemoved);
    this.cluster.metadata.on('topic', this.onTopic);
    for (const [topic, partition, state] of this.cluster.metadata.allStates()) this.applyState(topic, partition, state);
    this.shrinkTimer = setInterval(() => this.shrinkIsrs(), Math.max(100, this.config.replicaLagTimeMaxMs / 2));
    this.shrinkTimer.unref();
  }

  stop(): void {
    this.cluster?.metadata.off('state', this.onState);
    this.cluster?.metadata.off('topic-removed', this.onTopicRemoved);
    this.cluster?.metadata.off('topic', this.onTopic);
    if (this.shrinkTimer) clearInterval(this.shrinkTimer);
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
    this.produceWaiters.fail(null, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    this.deleteRecordsWaiters.fail(null, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }

  /**
   * Cluster of one: this broker leads every local partition in epoch 0 — those loaded at
   * start-up now, and each one created later (CreateTopics, CreatePartitions, internal
   * topics) as it is created. Becoming leader checkpoints the epoch's start offset
   * (`leader-epoch-checkpoint`, fsynced) as Kafka's Partition.makeLeader does
   * (maybeAssignEpochStartOffset), so no produce waits for that write. Call once, before the
   * broker accepts requests, and only when it does not join a cluster (`start`).
   */
  leadLocalPartitions(): void {
    for (const topic of this.broker.logs.allTopics()) for (const log of topic.partitions) if (log) this.localLeader(log);
    this.broker.logs.onPartitionCreated((log) => {
      if (this.cluster) return;
      try {
        this.localLeader(log);
      } catch (err) {
        // The topic exists either way; the first request that needs the replica tries again and fails with this error.
        this.logger.error({ topic: log.topic, partition: log.partition, err }, 'could not checkpoint the leader epoch of a new partition');
      }
    });
  }

  /** This broker's replica of a partition (any role), or undefined when it holds none. */
  replica(topic: string, partition: number): Replica | undefined {
    if (this.cluster) return this.replicas.get(key(topic, partition));
    const log = this.broker.logs.partition(topic, partition);
    return log && this.localLeader(log);
  }

  /** The cluster-of-one leader replica of `log` (epoch 0), made — and its epoch checkpointed — on first call. */
  private localLeader(log: PartitionLog): Replica {
    let replica = this.local.get(log);
    if (!replica) {
      const epochs = new LeaderEpochCache(log.dir);
      epochs.assign(0, log.logStartOffset);
      const self = this.brokerId;
      replica = { topic: log.topic, partition: log.partition, log, epochs, role: 'leader', leaderId: self, leaderEpoch: 0, replicas: [self], isr: [self], zkVersion: 0, followers: new Map() };
      this.local.set(log, replica);
    }
    return replica;
  }

  /** The replica of a partition this broker leads. Errors: NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION. */
  leader(topic: string, partition: number): Replica {
    const replica = this.replica(topic, partition);
    if (replica?.role === 'leader') return replica;
    const state = this.cluster?.metadata.state(topic, partition);
    if (!state && !this.cluster?.metadata.topics.has(topic)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition} does not exist`);
    throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${this.brokerId} is not the leader of ${topic}-${partition} (leader: ${state?.leader ?? -1})`);
  }

  /** The partition's log if this broker leads it. Errors: NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION. */
  leaderLog(topic: string, partition: number): PartitionLog {
    return this.leader(topic, partition).log;
  }

  /**
   * The log a consumer's fetch reads (Kafka Partition.localLogWithEpochOrThrow): the leader's,
   * or with `followerAllowed` (Fetch v11+, KIP-392) a follower's too — consumers then read up to
   * this replica's own high watermark. `currentLeaderEpoch` (Fetch v9+, -1: not sent) is checked
   * against this replica's. Errors: FENCED_LEADER_EPOCH (the consumer's epoch is older),
   * UNKNOWN_LEADER_EPOCH (newer: this broker has not caught up with the state yet),
   * NOT_LEADER_OR_FOLLOWER (no replica here, offline, or a follower when only the leader may
   * serve), UNKNOWN_TOPIC_OR_PARTITION.
   */
  consumerLog(topic: string, partition: number, currentLeaderEpoch: number, followerAllowed: boolean): { log: PartitionLog; asFollower: boolean } {
    const replica = this.replica(topic, partition);
    if (replica && currentLeaderEpoch >= 0 && replica.role !== 'offline') {
      if (currentLeaderEpoch < replica.leaderEpoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `${topic}-${partition}: leader epoch ${currentLeaderEpoch} is older than ${replica.leaderEpoch}`);
      if (currentLeaderEpoch > replica.leaderEpoch) throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `${topic}-${partition}: leader epoch ${currentLeaderEpoch} is newer than ${replica.leaderEpoch} known here`);
    }
    if (followerAllowed && replica?.role === 'follower') return { log: replica.log, asFollower: true };
    return { log: this.leader(topic, partition).log, asFollower: false };
  }

  /**
   * The replica a consumer in rack `clientRack` should read `topic`-`partition` from at
   * `fetchOffset`, when this broker leads it (Kafka ReplicaManager.findPreferredReadReplica with
   * RackAwareReplicaSelector, KIP-392): among the leader and the in-sync followers holding the
   * offset, the leader if it is in the client's rack, else the follower in that rack with the
   * highest log end offset (then the most recently caught up). -1 when the leader should serve
   * (no selector, no rack, no replica in the rack, or the leader is the one).
   */
  preferredReadReplica(topic: string, partition: number, clientRack: string, fetchOffset: number): number {
    if (!this.config.rackAwareReplicaSelector || !clientRack || !this.cluster) return -1;
    const replica = this.replica(topic, partition);
    if (replica?.role !== 'leader') return -1;
    const rackOf = (id: number) => this.cluster!.metadata.brokers.get(id)?.rack ?? null;
    if (rackOf(this.brokerId) === clientRack) return -1;
    const now = Date.now();
    let best: { id: number; logEndOffset: number; lagMs: number } | null = null;
    for (const [id, f] of replica.followers) {
      if (!replica.isr.includes(id) || rackOf(id) !== clientRack) continue;
      if (f.logEndOffset < fetchOffset || f.logStartOffset > fetchOffset) continue;
      const lagMs = now - f.lastCaughtUpMs;
      if (!best || f.logEndOffset > best.logEndOffset || (f.logEndOffset === best.logEndOffset && lagMs < best.lagMs)) best = { id, logEndOffset: f.logEndOffset, lagMs };
    }
    return best?.id ?? -1;
  }

  // ── Roles ──────────────────────────────────────────────────────────────────────────────

  private applyState(topic: string, partition: number, state: CachedPartitionState | null): void {
    const cluster = this.cluster!;
    const assignment = cluster.metadata.topics.get(topic);
    const replicas = assignment?.partitions[partition] ?? [];
    const k = key(topic, partition);
    if (!state || !replicas.includes(this.brokerId)) {
      const existing = this.replicas.get(k);
      // Reassigned away: the replica stops and its log goes (Kafka's StopReplica, delete=true).
      if (existing && assignment && !replicas.includes(this.brokerId)) {
        this.removeReplica(existing);
        this.broker.logs.deletePartition(topic, partition);
      }
      return;
    }
    let replica = this.replicas.get(k);
    if (!replica) {
      const log = this.broker.logs.ensurePartition(topic, assignment!.topicId, partition, cluster.metadata.topicConfigs.get(topic) ?? {});
      replica = { topic, partition, log, epochs: new LeaderEpochCache(log.dir), role: 'offline', leaderId: -1, leaderEpoch: -1, replicas, isr: [], zkVersion: -1, followers: new Map() };
      log.setReplicated(true);
      this.replicas.set(k, replica);
    }
    if (state.zkVersion < replica.zkVersion) return;
    const newEpoch = state.leaderEpoch !== replica.leaderEpoch || state.leader !== replica.leaderId;
    replica.replicas = replicas;
    replica.isr = state.isr;
    replica.zkVersion = state.zkVersion;
    if (replica.role === 'leader') this.syncFollowers(replica);
    if (!newEpoch) {
      this.maybeAdvanceHighWatermark(replica);
      this.checkDelayed(replica);
      return;
    }
    replica.leaderId = state.leader;
    replica.leaderEpoch = state.leaderEpoch;
    if (state.leader === this.brokerId) this.becomeLeader(replica);
    else if (state.leader === -1) this.becomeOffline(replica);
    else this.becomeFollower(replica);
  }

  private becomeLeader(replica: Replica): void {
    this.fetcherFor(replica, null);
    const wasLeader = replica.role === 'leader';
    replica.role = 'leader';
    replica.epochs.assign(replica.leaderEpoch, replica.log.logEndOffset);
    const now = Date.now();
    replica.followers = new Map(replica.replicas.filter((r) => r !== this.brokerId).map((r) => [r, { logEndOffset: -1, lastCaughtUpMs: now, logStartOffset: -1 }]));
    this.logger.info({ topic: replica.topic, partition: replica.partition, leaderEpoch: replica.leaderEpoch, isr: replica.isr, logEndOffset: replica.log.logEndOffset }, 'became leader');
    this.maybeAdvanceHighWatermark(replica);
    if (!wasLeader) this.broker.coordinatorOf(replica.topic)?.onBecomeLeader(replica.partition);
  }

  /** A leader's followers follow the assignment (replicas added by a reassignment start as not caught up). */
  private syncFollowers(replica: Replica): void {
    const now = Date.now();
    for (const r of replica.replicas) if (r !== this.brokerId && !replica.followers.has(r)) replica.followers.set(r, { logEndOffset: -1, lastCaughtUpMs: now, logStartOffset: -1 });
    for (const r of replica.followers.keys()) if (!replica.replicas.includes(r)) replica.followers.delete(r);
  }

  private becomeFollower(replica: Replica): void {
    const wasLeader = replica.role === 'leader';
    replica.role = 'follower';
    this.failDelayed(replica, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (wasLeader) this.broker.coordinatorOf(replica.topic)?.onResign(replica.partition);
    this.fetcherFor(replica, null);
    // The follower's fetcher starts once no leader append is queued or in flight on the log.
    const leaderId = replica.leaderId;
    const epoch = replica.leaderEpoch;
    void this.appender.fence(replica.log).then(() => {
      if (replica.role === 'follower' && replica.leaderId === leaderId && replica.leaderEpoch === epoch) this.fetcherFor(replica, leaderId);
    });
    this.logger.info({ topic: replica.topic, partition: replica.partition, leader: replica.leaderId, leaderEpoch: replica.leaderEpoch }, 'became follower');
  }

  private becomeOffline(replica: Replica): void {
    const wasLeader = replica.role === 'leader';
    replica.role = 'offline';
    this.failDelayed(replica, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (wasLeader) this.broker.coordinatorOf(replica.topic)?.onResign(replica.partition);
    this.fetcherFor(replica, null);
    if (wasLeader) void this.appender.fence(replica.log);
  }

  private removeReplica(replica: Replica): void {
    this.becomeOffline(replica);
    this.replicas.delete(key(replica.topic, replica.partition));
  }

  private dropTopic(topic: string): void {
    for (const replica of [...this.replicas.values()]) if (replica.topic === topic) this.removeReplica(replica);
    if (this.broker.logs.topic(topic)) this.broker.logs.deleteTopic(topic);
  }

  /** Moves the partition to the fetcher of `leaderId` (null: no fetcher). */
  private fetcherFor(replica: Replica, leaderId: number | null): void {
    for (const [id, fetcher] of this.fetchers) if (id !== leaderId) fetcher.remove(replica);
    if (leaderId === null) return;
    let fetcher = this.fetchers.get(leaderId);
    if (!fetcher) {
      fetcher = new ReplicaFetcher(leaderId, this.brokerId, (id) => this.broker.connectToBroker(id), this.config, this.logger.child({ fetcher: leaderId }), (r, hw, start) => this.onFollowerProgress(r, hw, start), this.followerQuota);
      this.fetchers.set(leaderId, fetcher);
    }
    fetcher.add(replica);
  }

  /**
   * A follower appended from the leader: its high watermark follows the leader's, and so does
   * its log start offset (moved by DeleteRecords or retention on the leader; never past the
   * high watermark), deleting the segments wholly below it (Kafka ReplicaFetcherThread).
   */
  private onFollowerProgress(replica: Replica, leaderHighWatermark: number, leaderLogStartOffset: number): void {
    const hw = Math.min(leaderHighWatermark, replica.log.logEndOffset);
    if (hw > replica.log.highWatermark) replica.log.setHighWatermark(hw);
    const start = Math.min(leaderLogStartOffset, replica.log.highWatermark);
    if (start > replica.log.logStartOffset) this.broker.logs.advanceLogStartOffset(replica.topic, replica.partition, start);
  }

  // ── Leader side ────────────────────────────────────────────────────────────────────────

  /**
   * The one produce path (Kafka's ReplicaManager.appendRecords): appends `records` to a
   * partition this broker leads — validated and stamped with the leader epoch by the
   * LeaderAppend — and completes by acks: at once for 0 and 1, and for -1 once the high
   * watermark passes the batch (every in-sync replica has it). Starts the append
   * synchronously, so calls keep their order per partition.
   * Resolves with the append result and an error code: NONE, REQUEST_TIMED_OUT,
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND, NOT_LEADER_OR_FOLLOWER (leadership moved while waiting).
   * Errors (thrown KafkaError, nothing appended): UNKNOWN_TOPIC_OR_PARTITION,
   * NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS (acks=-1 with fewer in-sync replicas than
   * the topic's min.insync.replicas), and the log's validation errors.
   */
  async appendRecords(topic: string, partition: number, records: Uint8Array, options: AppendOptions): Promise<{ result: AppendResult; errorCode: number }> {
    const r = this.leader(topic, partition);
    const minIsr = this.broker.logs.topic(topic)?.settings.minInsyncReplicas ?? this.config.minInsyncReplicas;
    if (options.acks === -1 && r.isr.length < minIsr) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `${topic}-${partition} has ${r.isr.length} in-sync replicas, fewer than min.insync.replicas ${minIsr}`);
    }
    const prepared = this.leaderRecords(r.log, records);
    const result = await this.appender.append(r.log, prepared?.records ?? records, r.leaderEpoch);
    const stamped = prepared && prepared.logAppendTimeMs >= 0 && !result.duplicate ? { ...result, logAppendTimeMs: prepared.logAppendTimeMs } : result;
    return this.completeAppend(r, stamped, options, minIsr);
  }

  /**
   * The topic's timestamp and compression settings applied to a produce request
   * (storage/leader-records.ts), or null when the topic has none to apply.
   */
  private leaderRecords(log: PartitionLog, records: Uint8Array): LeaderRecords | null {
    const settings = this.broker.logs.topic(log.topic)?.settings;
    const policy = settings ? leaderRecordsPolicy(settings) : null;
    return policy && prepareLeaderRecords(log.logConfig.engine, records, policy, leaderClock.now(), log.logConfig.maxBatchBytes);
  }

  /**
   * The transaction coordinator's way onto the one produce path (Kafka appendRecords with
   * AppendOrigin.COORDINATOR): appends one control batch (a COMMIT/ABORT marker, KIP-98) to a
   * partition this broker leads. `build(baseOffset, leaderEpoch)` encodes the batch at the log
   * end offset and this leader's epoch; it is appended as it is (producers' control batches
   * are refused by the log), inline on the main thread, and completes by acks as appendRecords.
   * With the append worker pool, the marker waits (up to `timeoutMs`) until no worker run is
   * staged on the log, then is appended in one synchronous step, between runs.
   * `check(log)` runs in the same step, just before: what it throws is thrown and nothing appended.
   * Resolves and throws as appendRecords; REQUEST_TIMED_OUT if a staged run never ends.
   */
  async appendControlBatch(
    topic: string,
    partition: number,
    build: (baseOffset: number, leaderEpoch: number) => Uint8Array,
    options: AppendOptions,
    check?: (log: PartitionLog) => void,
  ): Promise<{ result: AppendResult; errorCode: number }> {
    const deadline = Date.now() + options.timeoutMs;
    while (this.leader(topic, partition).log.hasStagedRun) {
      if (Date.now() > deadline) throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `${topic}-${partition}: a worker append did not end within ${options.timeoutMs} ms`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const r = this.leader(topic, partition);
    const minIsr = this.broker.logs.topic(topic)?.settings.minInsyncReplicas ?? this.config.minInsyncReplicas;
    if (options.acks === -1 && r.isr.length < minIsr) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `${topic}-${partition} has ${r.isr.length} in-sync replicas, fewer than min.insync.replicas ${minIsr}`);
    }
    check?.(r.log);
    const firstOffset = r.log.logEndOffset;
    r.log.appendAsFollower(build(firstOffset, r.leaderEpoch));
    const lastOffset = r.log.logEndOffset - 1;
    const result: AppendResult = { firstOffset: asOffset(firstOffset), lastOffset: asOffset(lastOffset), maxTimestamp: Date.now(), recordCount: lastOffset - firstOffset + 1, bytes: 0, logAppendTimeMs: -1, logStartOffset: r.log.logStartOffset, duplicate: false };
    return this.completeAppend(r, result, options, minIsr);
  }

  /** After a leader append: the high watermark moves; acks=-1 waits until it passes the batch. */
  private async completeAppend(r: Replica, result: AppendResult, options: AppendOptions, minIsr: number): Promise<{ result: AppendResult; errorCode: number }> {
    this.maybeAdvanceHighWatermark(r);
    if (options.acks !== -1) return { result, errorCode: ErrorCode.NONE };
    const errorCode = await this.waitForHighWatermark(r.topic, r.partition, result.lastOffset + 1, options.timeoutMs);
    if (errorCode === ErrorCode.NONE && r.isr.length < minIsr) return { result, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND };
    return { result, errorCode };
  }

  /**
   * Resolves once the high watermark of a partition we lead reaches `offset` (the write is on
   * every in-sync replica): NONE, or REQUEST_TIMED_OUT after `timeoutMs`, or
   * NOT_LEADER_OR_FOLLOWER if leadership moves first. For the group coordinator's writes.
   */
  waitForHighWatermark(topic: string, partition: number, offset: number, timeoutMs: number): Promise<number> {
    const replica = this.replica(topic, partition);
    if (!replica || replica.role !== 'leader') return Promise.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    this.maybeAdvanceHighWatermark(replica);
    return this.produceWaiters.wait(replica, offset, timeoutMs);
  }

  /**
   * A follower fetched `fetchOffset` from a partition we lead: its log end offset is that, and
   * its log start offset `followerLogStartOffset` (the Fetch's log_start_offset, v5+).
   * Updates the ISR (expand), the high watermark and waiting DeleteRecords.
   * Errors: NOT_LEADER_OR_FOLLOWER.
   */
  onFollowerFetch(topic: string, partition: number, followerId: number, fetchOffset: number, followerLogStartOffset = -1): PartitionLog {
    const replica = this.leader(topic, partition);
    const log = replica.log;
    const follower = replica.followers.get(followerId);
    if (!follower) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${followerId} is not a replica of ${topic}-${partition}`);
    follower.logEndOffset = Math.min(fetchOffset, log.logEndOffset);
    follower.logStartOffset = followerLogStartOffset;
    if (fetchOffset >= log.logEndOffset) follower.lastCaughtUpMs = Date.now();
    if (!replica.isr.includes(followerId) && fetchOffset >= log.highWatermark && fetchOffset >= (replica.epochs.all.at(-1)?.startOffset ?? 0)) {
      void this.changeIsr(replica, [...replica.isr, followerId].sort((a, b) => a - b), 'expand');
    }
    this.maybeAdvanceHighWatermark(replica);
    this.deleteRecordsWaiters.check(replica);
    return log;
  }

  /**
   * Whether the leader holds back records from follower `followerId` of a partition we lead
   * (Kafka ReplicaManager.shouldLeaderThrottle): it is out of the ISR, the partition is a
   * leader-throttled replica here, and `leader.replication.throttled.rate` is exceeded.
   */
  shouldLeaderThrottle(topic: string, partition: number, followerId: number): boolean {
    const replica = this.replica(topic, partition);
    if (!replica || replica.isr.includes(followerId)) return false;
    return this.leaderQuota.isThrottled(topic, partition) && this.leaderQuota.isQuotaExceeded();
  }

  /** High watermark = min LEO over the ISR (ours included); completes waiting acks=all produces. */
  private maybeAdvanceHighWatermark(replica: Replica): void {
    if (replica.role !== 'leader') return;
    let hw: number = replica.log.logEndOffset;
    for (const id of replica.isr) {
      if (id === this.brokerId) continue;
      const f = replica.followers.get(id);
      hw = Math.min(hw, f ? Math.max(f.logEndOffset, 0) : 0);
    }
    if (hw > replica.log.highWatermark) {
      replica.log.setHighWatermark(hw);
      this.checkDelayed(replica);
    }
  }

  private checkDelayed(replica: Replica): void {
    if (replica.role !== 'leader') this.produceWaiters.fail(replica, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    else this.produceWaiters.check(replica);
  }

  private failDelayed(replica: Replica, errorCode: number): void {
    this.produceWaiters.fail(replica, errorCode);
    this.deleteRecordsWaiters.fail(replica, errorCode);
  }

  /** Followers not caught up within replica.lag.time.max.ms leave the ISR. */
  private shrinkIsrs(): void {
    const now = Date.now();
    for (const replica of this.replicas.values()) {
      if (replica.role !== 'leader') continue;
      const lagging = replica.isr.filter((id) => {
        if (id === this.brokerId) return false;
        const f = replica.followers.get(id);
        return !f || now - f.lastCaughtUpMs > this.config.replicaLagTimeMaxMs;
      });
      if (lagging.length > 0) void this.changeIsr(replica, replica.isr.filter((id) => !lagging.includes(id)), 'shrink');
    }
  }

  /** Writes a new ISR for a partition we lead, conditional on the state version we hold. */
  private async changeIsr(replica: Replica, isr: number[], why: 'shrink' | 'expand'): Promise<void> {
    if (!this.cluster) return;
    const next = { controllerEpoch: this.cluster.metadata.state(replica.topic, replica.partition)?.controllerEpoch ?? 0, leader: this.brokerId, leaderEpoch: replica.leaderEpoch, isr };
    const expectedVersion = replica.zkVersion;
    try {
      const version = await this.cluster.zk.setData(ZK_PATHS.partitionState(replica.topic, replica.partition), encodePartitionState(next), expectedVersion);
      this.logger.info({ topic: replica.topic, partition: replica.partition, isr, why }, 'ISR changed');
      this.cluster.metadata.noteState(replica.topic, replica.partition, { ...next, zkVersion: version });
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkCode.BAD_VERSION) return; // newer state exists; its watch will tell us
      this.logger.warn({ err: (err as Error).message, topic: replica.topic, partition: replica.partition }, 'ISR change failed');
    }
  }

  /** OffsetForLeaderEpoch on a partition we lead (KIP-101). Errors: NOT_LEADER_OR_FOLLOWER. */
  endOffsetForEpoch(topic: string, partition: number, leaderEpoch: number): { leaderEpoch: number; endOffset: number } {
    const replica = this.leader(topic, partition);
    const { epoch, endOffset } = replica.epochs.endOffsetFor(leaderEpoch, replica.log.logEndOffset);
    return { leaderEpoch: epoch, endOffset };
  }

  /**
   * DeleteRecords on a partition this broker leads (Kafka Partition.deleteRecordsOnLeader):
   * moves the leader's log start offset to `offset` (-1: the high watermark), then waits up
   * to `timeoutMs` until every follower on a live broker has moved too (DelayedDeleteRecords).
   * Resolves with the low watermark (min log start offset over the replicas) and NONE, or
   * REQUEST_TIMED_OUT / NOT_LEADER_OR_FOLLOWER (leadership moved while waiting).
   * Errors (thrown KafkaError, nothing moved): NOT_LEADER_OR_FOLLOWER,
   * UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE, POLICY_VIOLATION.
   */
  async deleteRecords(topic: string, partition: number, offset: number, timeoutMs: number): Promise<{ lowWatermark: number; errorCode: number }> {
    const replica = this.leader(topic, partition);
    const log = replica.log;
    const requested = offset === -1 ? log.highWatermark : offset;
    this.broker.logs.deleteRecords(topic, partition, requested);
    const before = this.lowWatermark(replica);
    if (before >= requested) return { lowWatermark: before, errorCode: ErrorCode.NONE };
    const errorCode = await this.deleteRecordsWaiters.wait(replica, requested, timeoutMs);
    return { lowWatermark: errorCode === ErrorCode.NONE ? this.lowWatermark(replica) : before, errorCode };
  }

  /** Min log start offset over the leader and its followers on live brokers (Kafka lowWatermarkIfLeader). */
  private lowWatermark(replica: Replica): number {
    return lowWatermarkOf(replica, (id) => this.cluster?.metadata.brokers.has(id) ?? false);
  }

  /** Partitions this broker follows without being in their ISR (still catching up), for readiness. */
  outOfSyncFollowers(): Replica[] {
    return [...this.replicas.values()].filter((r) => r.role === 'follower' && !r.isr.includes(this.brokerId));
  }

  /** Partitions this broker leads, for controlled shutdown and metrics. */
  ledPartitions(): Replica[] {
    return [...this.replicas.values()].filter((r) => r.role === 'leader');
  }
}
