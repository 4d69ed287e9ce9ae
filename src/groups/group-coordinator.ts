/**
 * The group coordinator for classic consumer groups (Kafka GroupCoordinator; design.html
 * "Consumer groups"; KIP-62 rebalance timeout, KIP-134 initial rebalance delay, KIP-211
 * offset expiry, KIP-345 static membership, KIP-394 member id required): the one object the
 * broker and the request handlers use. It holds DescribeGroups, ListGroups and DeleteGroups,
 * its lifecycle (start, stop, leadership of `__consumer_offsets` partitions), and delegates:
 *   group-metadata-manager.ts  the groups, loading them from `__consumer_offsets`, writes
 *   group-membership.ts        JoinGroup, SyncGroup, Heartbeat, LeaveGroup
 *   group-rebalance.ts         the rebalance and its timers (sessions, join/sync deadlines)
 *   offset-metadata-manager.ts OffsetCommit, TxnOffsetCommit, OffsetFetch, OffsetDelete, offset expiry
 *   pending-txn-offsets.ts     offsets of open transactions, until their COMMIT/ABORT marker
 *
 * In a cluster a broker coordinates the groups of the `__consumer_offsets` partitions it
 * leads; on a single broker, every group. Group state and committed offsets are written to
 * `__consumer_offsets` before they take effect and replayed when the broker becomes their
 * coordinator. Every timer (session expiry, pending member expiry, rebalance and sync
 * deadlines, initial delay, offset expiry) goes through one DelayQueue.
 *
 * Errors are Kafka error codes returned in the result objects (never thrown for client
 * input): see the modules above; here INVALID_GROUP_ID, NOT_COORDINATOR, GROUP_ID_NOT_FOUND,
 * NON_EMPTY_GROUP.
 */
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { LogManager } from '../storage/log-manager.js';
import type { AwaitReplication } from './coordinator-replication.js';
import { DelayQueue } from './delay-queue.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import { GroupMembership, type JoinRequest, type SyncRequest } from './group-membership.js';
import { GroupMetadataManager } from './group-metadata-manager.js';
import { GroupRebalance } from './group-rebalance.js';
import { EMPTY_BYTES, type Group, type GroupState, type JoinResult, type MemberIdentity, type SyncResult } from './group.js';
import { OFFSETS_TOPIC } from './offsets-topic.js';
import { type CommitRequest, type OffsetFetchResult, OffsetMetadataManager, type PartitionErrors, type TxnCommitRequest } from './offset-metadata-manager.js';

export type { GroupCoordinatorConfig } from './group-coordinator-config.js';
export type { JoinRequest, SyncRequest } from './group-membership.js';
export type { MemberIdentity } from './group.js';
export type { CommitRequest, OffsetFetchResult, TxnCommitRequest } from './offset-metadata-manager.js';

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Uint8Array; memberAssignment: Uint8Array }>;
}

export class GroupCoordinator {
  private readonly timers = new DelayQueue();
  private readonly groups: GroupMetadataManager;
  private readonly rebalance: GroupRebalance;
  private readonly membership: GroupMembership;
  private readonly offsets: OffsetMetadataManager;

  constructor(logs: LogManager, engine: Engine, config: GroupCoordinatorConfig, private readonly logger: Logger) {
    this.groups = new GroupMetadataManager(logs, engine, config, logger);
    this.rebalance = new GroupRebalance(this.groups, this.timers, config, logger);
    this.membership = new GroupMembership(this.groups, this.rebalance, config, logger);
    this.offsets = new OffsetMetadataManager(this.groups, this.rebalance, logs, this.timers, config, logger);
  }

  /**
   * Cluster mode: coordinate only the groups of `__consumer_offsets` partitions this broker
   * leads (onBecomeLeader / onResign), with the partition count and leader epochs given; a
   * write answers its client once `awaitReplication` says the in-sync replicas have it.
   */
  enableClusterMode(partitionCount: () => number, leaderEpochOf: (partition: number) => number, awaitReplication: AwaitReplication): void {
    this.groups.enableClusterMode(partitionCount, leaderEpochOf, awaitReplication);
  }

  /** True if this broker coordinates `groupId` (else requests get NOT_COORDINATOR). */
  isCoordinatorFor(groupId: string): boolean {
    return this.groups.isCoordinatorFor(groupId);
  }

  /** This broker now leads `__consumer_offsets` partition `partition`: load its groups. */
  onBecomeLeader(partition: number): void {
    if (!this.groups.addOwnedPartition(partition)) return;
    this.loadGroups(partition);
  }

  /** Leadership of `partition` moved away: its groups are no longer ours (NOT_COORDINATOR). */
  onResign(partition: number): void {
    if (!this.groups.removeOwnedPartition(partition)) return;
    for (const group of this.groups.groupsIn(partition)) {
      this.rebalance.abandon(group, ErrorCode.NOT_COORDINATOR);
      this.groups.unload(group.groupId);
    }
    this.logger.info({ partition }, 'resigned as group coordinator');
  }

  /** Replays `__consumer_offsets` into groups (single broker) and starts the offset-expiry check. */
  start(): void {
    if (this.groups.ownsAllPartitions) this.loadGroups();
    this.offsets.startExpiry();
  }

  /** Replays one partition of `__consumer_offsets` (or all); restored members' sessions start. */
  private loadGroups(partition?: number): void {
    this.groups.loadGroups(partition, (group, member) => this.rebalance.scheduleHeartbeat(group, member));
  }

  /** Answers parked joins and syncs with COORDINATOR_NOT_AVAILABLE and stops every timer. */
  stop(): void {
    for (const group of this.groups.all()) this.rebalance.abandon(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.timers.close();
  }

  /** Live timers (members' sessions and the rest); for metrics and tests. */
  get timerCount(): number {
    return this.timers.size;
  }

  /** The `__consumer_offsets` partition coordinating `groupId`. */
  partitionFor(groupId: string): number {
    return this.groups.partitionFor(groupId);
  }

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  // ── Membership (group-membership.ts) ───────────────────────────────────────────────────

  /** JoinGroup; resolves when the rebalance completes (or at once with an error). */
  join(req: JoinRequest): Promise<JoinResult> {
    return this.membership.join(req);
  }

  /** SyncGroup; the leader's call stores the assignment, then every member gets its part. */
  sync(req: SyncRequest): Promise<SyncResult> {
    return this.membership.sync(req);
  }

  /** Heartbeat: keeps a member alive; returns a Kafka error code. */
  heartbeat(groupId: string, generationId: number, identity: MemberIdentity): number {
    return this.membership.heartbeat(groupId, generationId, identity);
  }

  /** LeaveGroup for each identity; returns the top-level and per-member error codes. */
  leave(groupId: string, identities: MemberIdentity[]): { errorCode: number; members: Array<MemberIdentity & { errorCode: number }> } {
    return this.membership.leave(groupId, identities);
  }

  // ── Offsets (offset-metadata-manager.ts) ───────────────────────────────────────────────

  /** OffsetCommit: an error code per topic/partition, once the write is on the in-sync replicas. */
  commitOffsets(req: CommitRequest): Promise<PartitionErrors> {
    return this.offsets.commitOffsets(req);
  }

  /**
   * TxnOffsetCommit (KIP-98): an error code per topic/partition once the offsets are in
   * `__consumer_offsets` as the producer's transactional batch; they stay pending (not
   * fetched) until {@link onTransactionCompleted}.
   */
  commitTxnOffsets(req: TxnCommitRequest): Promise<PartitionErrors> {
    return this.offsets.commitTxnOffsets(req);
  }

  /**
   * A transaction marker of `producerId` was appended to `__consumer_offsets` partition
   * `partition` (and replicated): its pending offsets there become committed (`commit`) or
   * are dropped.
   */
  onTransactionCompleted(producerId: number, partition: number, commit: boolean): void {
    this.offsets.onTransactionCompleted(producerId, partition, commit);
  }

  /**
   * OffsetFetch: committed offsets of the group (offset -1 where none); null topics = all;
   * `requireStable` (KIP-447): partitions with offsets of an open transaction answer UNSTABLE_OFFSET_COMMIT.
   */
  fetchOffsets(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null, requireStable = false): OffsetFetchResult {
    return this.offsets.fetchOffsets(groupId, topics, requireStable);
  }

  /** OffsetDelete (KIP-496): removes committed offsets of partitions the group does not subscribe to. */
  deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): Promise<{ errorCode: number; topics: PartitionErrors }> {
    return this.offsets.deleteOffsets(groupId, topics);
  }

  /** KIP-211: expires the offsets of groups empty for `offsets.retention.minutes`; returns how many. */
  expireOffsets(now = Date.now()): number {
    return this.offsets.expireOffsets(now);
  }

  // ── Describe, list, delete ─────────────────────────────────────────────────────────────

  /** DescribeGroups: an unknown group is reported Dead (Kafka does so before v6). */
  describe(groupId: string): GroupDescription {
    const requestError = this.groups.requestError(groupId);
    if (requestError !== ErrorCode.NONE) return { errorCode: requestError, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    const stable = group.is('Stable');
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? group.metadataOf(m) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  /** ListGroups, optionally filtered by state (v4+, KIP-518) and type (v5+, KIP-848). */
  list(statesFilter: string[], typesFilter: string[]): Array<{ groupId: string; protocolType: string; groupState: GroupState; groupType: string }> {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    return this.groups
      .all()
      .filter((g) => !g.is('Dead'))
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter(() => types.size === 0 || types.has('classic'))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }));
  }

  /**
   * DeleteGroups: only empty groups; writes tombstones for its offsets and metadata and
   * resolves once the in-sync replicas have them (a failed write: appendErrorToResponseError).
   */
  deleteGroup(groupId: string): Promise<number> {
    const requestError = this.groups.requestError(groupId);
    if (requestError !== ErrorCode.NONE) return Promise.resolve(requestError);
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return Promise.resolve(ErrorCode.GROUP_ID_NOT_FOUND);
    if (!group.is('Empty')) return Promise.resolve(ErrorCode.NON_EMPTY_GROUP);
    return this.groups.writeAnswered(groupId, this.groups.removeGroup(group));
  }

  /** True if `topic` is the coordinator's own topic. */
  static isInternalTopic(topic: string): boolean {
    return topic === OFFSETS_TOPIC;
  }
}
