/**
 * Committed offsets of the groups (Kafka OffsetMetadataManager, group-coordinator module;
 * GroupMetadataManager.storeOffsets / getOffsets / cleanupGroupMetadata in the older core):
 * OffsetCommit, TxnOffsetCommit (KIP-98: pending until the transaction's marker; KIP-447
 * require_stable), OffsetFetch, OffsetDelete (KIP-496) and their expiry after
 * `offsets.retention.minutes` (KIP-211), checked every `offsets.retention.check.interval.ms`.
 * A commit or deletion takes effect once `__consumer_offsets` holds it on the in-sync replicas.
 *
 * Errors are Kafka error codes in the results: INVALID_GROUP_ID, NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
 * REBALANCE_IN_PROGRESS, OFFSET_METADATA_TOO_LARGE, UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_COMMIT_OFFSET_SIZE, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, GROUP_SUBSCRIBED_TO_TOPIC.
 */
import type { Logger } from 'pino';
import type { RecordInput } from '../engine/engine.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { LogManager } from '../storage/log-manager.js';
import { subscribedTopics } from './consumer-protocol.js';
import { offsetCommitErrorToResponseError } from './coordinator-replication.js';
import type { DelayQueue } from './delay-queue.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { GroupMetadataManager } from './group-metadata-manager.js';
import type { GroupRebalance } from './group-rebalance.js';
import { type CommittedOffset, type Group, type MemberIdentity, offsetKey } from './group.js';
import { offsetCommitRecord } from './offsets-topic.js';

export interface CommitRequest extends MemberIdentity {
  groupId: string;
  generationId: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }> }>;
}

export interface OffsetFetchResult {
  errorCode: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string; errorCode: number }> }>;
}

/** A TxnOffsetCommit: the commit, for the transactional producer (KIP-98). */
export interface TxnCommitRequest extends CommitRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

/** Error codes per topic and partition (OffsetCommit, OffsetDelete). */
export type PartitionErrors = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;

const EXPIRY_TIMER = 'offsets-expiry';

export class OffsetMetadataManager {
  constructor(
    private readonly groups: GroupMetadataManager,
    private readonly rebalance: GroupRebalance,
    private readonly logs: LogManager,
    private readonly timers: DelayQueue,
    private readonly config: GroupCoordinatorConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * OffsetCommit: checks membership and generation, writes every valid partition's offset to
   * `__consumer_offsets` in one batch, and applies them once the in-sync replicas have it. A
   * commit from a stale generation or an unknown member moves nothing. Resolves to an error
   * code per topic/partition (a failed write: appendErrorToResponseError; a batch too large:
   * INVALID_COMMIT_OFFSET_SIZE).
   */
  async commitOffsets(req: CommitRequest): Promise<PartitionErrors> {
    const every = (code: number) => everyPartition(req, code);
    const requestError = this.groups.requestError(req.groupId);
    if (requestError !== ErrorCode.NONE) return every(requestError);
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (req.generationId >= 0) return every(ErrorCode.ILLEGAL_GENERATION);
      group = this.groups.getOrCreate(req.groupId);
    }
    const code = commitError(group, req);
    if (code !== ErrorCode.NONE) return every(code);
    const { result, accepted, records } = this.validatePartitions(req);
    if (records.length === 0 && accepted.length === 0 && req.topics.length === 0) return result;
    const member = group.members.get(req.memberId);
    if (member) this.rebalance.scheduleHeartbeat(group, member);
    let appendOffset = -1;
    const failed = await this.groups.writeAnswered(req.groupId, records, offsetCommitErrorToResponseError, { onAppend: (at) => (appendOffset = at) });
    if (failed !== ErrorCode.NONE) return withWriteError(result, failed);
    for (const a of accepted) group.offsets.set(offsetKey(a.topic, a.partition), { ...a, appendOffset });
    return result;
  }

  /**
   * TxnOffsetCommit (KIP-98): writes the offsets to `__consumer_offsets` as a transactional
   * batch of the producer and holds them pending in the group until the transaction's marker
   * reaches that partition ({@link onTransactionCompleted}). A group not known yet is created
   * (Empty). v3 member checks only when the request names a member, instance or generation.
   * The caller has checked that the partitions exist (in the cluster metadata).
   * Resolves to an error code per topic/partition: INVALID_GROUP_ID, NOT_COORDINATOR,
   * COORDINATOR_NOT_AVAILABLE, FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
   * OFFSET_METADATA_TOO_LARGE, UNKNOWN_TOPIC_OR_PARTITION; the write's errors: INVALID_PRODUCER_EPOCH
   * (an older epoch of the producer), INVALID_COMMIT_OFFSET_SIZE, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR.
   * Source: Kafka GroupCoordinator.handleTxnCommitOffsets, validateOffsetCommit, GroupMetadataManager.storeOffsets.
   */
  async commitTxnOffsets(req: TxnCommitRequest): Promise<PartitionErrors> {
    const requestError = this.groups.requestError(req.groupId);
    if (requestError !== ErrorCode.NONE) return everyPartition(req, requestError);
    const group = this.groups.getOrCreate(req.groupId);
    const code = txnCommitError(group, req);
    if (code !== ErrorCode.NONE) return everyPartition(req, code);
    const { result, accepted, records } = this.validatePartitions(req);
    if (records.length === 0) return result;
    const pending = group.pendingTxnOffsets;
    pending.prepare(req.producerId, accepted);
    const failed = await this.groups.writeAnswered(req.groupId, records, offsetCommitErrorToResponseError, {
      producer: { producerId: req.producerId, producerEpoch: req.producerEpoch },
      onAppend: (at) => pending.appended(req.producerId, accepted, at),
    });
    if (failed === ErrorCode.NONE) return result;
    pending.failed(req.producerId, accepted);
    return withWriteError(result, failed);
  }

  /**
   * A COMMIT or ABORT marker of `producerId` is on `__consumer_offsets` partition `partition`:
   * the producer's pending offsets of the groups there become committed (COMMIT) or are
   * dropped (ABORT). Source: Kafka GroupCoordinator.onTransactionCompleted, GroupMetadataManager.handleTxnCompletion.
   */
  onTransactionCompleted(producerId: number, partition: number, commit: boolean): void {
    for (const group of this.groups.groupsIn(partition)) {
      const applied = group.pendingTxnOffsets.complete(producerId, commit, group.offsets);
      if (applied > 0) this.logger.debug({ group: group.groupId, producerId, applied }, 'transactional offsets committed');
    }
  }

  /**
   * Per partition of a commit: its error or NONE, the offsets accepted and their records.
   * The handlers checked that the partitions exist, against the cluster metadata (Kafka's
   * KafkaApis does): in a cluster they need not be on this broker.
   */
  private validatePartitions(req: CommitRequest): { result: PartitionErrors; accepted: CommittedOffset[]; records: RecordInput[] } {
    const now = Date.now();
    const records: RecordInput[] = [];
    const accepted: CommittedOffset[] = [];
    const result = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const metadata = p.committedMetadata ?? '';
        if (Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        accepted.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: now });
        records.push(offsetCommitRecord(req.groupId, t.name, p.partitionIndex, { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: now, expireTimestamp: -1 }));
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    return { result, accepted, records };
  }

  /**
   * OffsetFetch: committed offsets of the group (offset -1 where none); null topics = all.
   * Offsets of open transactions are not returned; with `requireStable` (KIP-447, v7+) their
   * partitions answer UNSTABLE_OFFSET_COMMIT.
   */
  fetchOffsets(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null, requireStable = false): OffsetFetchResult {
    const requestError = this.groups.requestError(groupId);
    if (requestError !== ErrorCode.NONE) return { errorCode: requestError, topics: [] };
    const group = this.groups.get(groupId);
    if (group?.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    const entry = (topic: string, partitionIndex: number) => {
      if (requireStable && group?.pendingTxnOffsets.has(topic, partitionIndex)) {
        return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      const o = group?.offsets.get(offsetKey(topic, partitionIndex));
      return {
        partitionIndex,
        committedOffset: o ? o.offset : -1,
        committedLeaderEpoch: o ? o.leaderEpoch : -1,
        metadata: o ? o.metadata : '',
        errorCode: ErrorCode.NONE,
      };
    };
    if (topics !== null) {
      return { errorCode: ErrorCode.NONE, topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => entry(t.name, p)) })) };
    }
    const byTopic = new Map<string, number[]>();
    for (const o of group?.offsets.values() ?? []) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o.partition]);
    return { errorCode: ErrorCode.NONE, topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.sort((a, b) => a - b).map((p) => entry(name, p)) })) };
  }

  /**
   * OffsetDelete (KIP-496): removes committed offsets of partitions the group does not
   * subscribe to. Top-level GROUP_ID_NOT_FOUND / NON_EMPTY_GROUP; per partition
   * GROUP_SUBSCRIBED_TO_TOPIC, UNKNOWN_TOPIC_OR_PARTITION. Resolves once the tombstones are on
   * the in-sync replicas (a failed write: its appendErrorToResponseError at the top level).
   */
  async deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): Promise<{ errorCode: number; topics: PartitionErrors }> {
    const requestError = this.groups.requestError(groupId);
    if (requestError !== ErrorCode.NONE) return { errorCode: requestError, topics: [] };
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    const subscribed = group.is('Empty') ? new Set<string>() : group.subscribedTopics(subscribedTopics);
    if (subscribed === null) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const records: RecordInput[] = [];
    const result = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partitionIndex) => {
        if (subscribed.has(t.name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (!this.logs.partition(t.name, partitionIndex)) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        if (group.offsets.has(offsetKey(t.name, partitionIndex))) records.push(offsetCommitRecord(groupId, t.name, partitionIndex, null));
        return { partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    const errorCode = await this.groups.writeAnswered(groupId, records);
    if (errorCode !== ErrorCode.NONE) return { errorCode, topics: [] };
    for (const t of result) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) group.offsets.delete(offsetKey(t.name, p.partitionIndex));
    return { errorCode: ErrorCode.NONE, topics: result };
  }

  /**
   * KIP-211: offsets of a group that has been empty for `offsets.retention.minutes` expire
   * (a group that never had members: each offset by its commit time); an empty group left
   * with no offsets is removed. Returns the number of offsets expired.
   */
  expireOffsets(now = Date.now()): number {
    let expired = 0;
    for (const group of this.groups.all()) {
      if (!group.is('Empty')) continue;
      const records: RecordInput[] = [];
      const doomed: string[] = [];
      for (const [key, o] of group.offsets) {
        const since = group.protocolType === null ? o.commitTimestamp : group.stateTimestamp;
        if (now - since >= this.config.offsetsRetentionMs) {
          records.push(offsetCommitRecord(group.groupId, o.topic, o.partition, null));
          doomed.push(key);
        }
      }
      if (records.length > 0) {
        this.groups.writeUnanswered(group.groupId, records, 'expired offsets');
        for (const key of doomed) group.offsets.delete(key);
        expired += records.length;
      }
      if (group.offsets.size === 0 && group.pendingMembers.size === 0 && group.pendingTxnOffsets.isEmpty) this.groups.writeUnanswered(group.groupId, this.groups.removeGroup(group), 'group tombstone');
    }
    if (expired > 0) this.logger.info({ expired }, 'expired committed offsets');
    return expired;
  }

  /** Runs {@link expireOffsets} every `offsets.retention.check.interval.ms` from now on. */
  startExpiry(): void {
    this.timers.schedule(EXPIRY_TIMER, this.config.offsetsRetentionCheckIntervalMs, () => this.expireOffsetsPeriodically());
  }

  private expireOffsetsPeriodically(): void {
    try {
      this.expireOffsets();
    } catch (err) {
      this.logger.error({ err }, 'offset expiry failed');
    }
    this.startExpiry();
  }
}

/** Why a commit from `req` may not go into `group`'s offsets (NONE if it may). */
function commitError(group: Group, req: CommitRequest): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // A commit outside group management (generation -1, no member id): only on an empty group.
  if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
  if (group.isFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
  if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/** Why a transactional commit from `req` may not go into `group`'s offsets (NONE if it may; Kafka validateOffsetCommit, isTransactional). */
function txnCommitError(group: Group, req: TxnCommitRequest): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (req.generationId < 0 && req.memberId === '' && req.groupInstanceId === null) return ErrorCode.NONE;
  if (group.isFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
  if (req.memberId !== '' && !group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

/** `code` for every partition of the request. */
function everyPartition(req: CommitRequest, code: number): PartitionErrors {
  return req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
}

/** The accepted partitions of `result` get the write's error `failed`. */
function withWriteError(result: PartitionErrors, failed: number): PartitionErrors {
  return result.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...p, errorCode: p.errorCode === ErrorCode.NONE ? failed : p.errorCode })) }));
}
