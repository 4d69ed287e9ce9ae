/**
 * The group coordinator for classic consumer groups (Kafka GroupCoordinator; design.html
 * "Consumer groups"; KIP-62 rebalance timeout, KIP-134 initial rebalance delay, KIP-211
 * offset expiry, KIP-345 static membership, KIP-394 member id required).
 *
 * One broker coordinates every group (single node): group state lives here, committed
 * offsets and group metadata are written to `__consumer_offsets` before they take effect
 * and replayed at start-up. Every timer (session expiry, pending member expiry, rebalance
 * and sync deadlines, initial delay) goes through one DelayQueue.
 *
 * Errors are Kafka error codes returned in the result objects (never thrown for client
 * input): INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL,
 * MEMBER_ID_REQUIRED, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS,
 * FENCED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, COORDINATOR_NOT_AVAILABLE,
 * GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, GROUP_SUBSCRIBED_TO_TOPIC,
 * OFFSET_METADATA_TOO_LARGE, UNKNOWN_TOPIC_OR_PARTITION.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Engine, RecordInput } from '../engine/engine.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { LogManager } from '../storage/log-manager.js';
import { subscribedTopics } from './consumer-protocol.js';
import { type AwaitReplication, type LogPosition, REPLICATED_AT_ONCE, appendErrorToResponseError, offsetCommitErrorToResponseError } from './coordinator-replication.js';
import { DelayQueue } from './delay-queue.js';
import { EMPTY_BYTES, Group, type GroupState, type JoinResult, type Member, type SyncResult } from './group.js';
import { type GroupMetadataValue, OFFSETS_TOPIC, OffsetsTopic, groupMetadataRecord, offsetCommitRecord } from './offsets-topic.js';

export interface GroupCoordinatorConfig {
  /** `group.min.session.timeout.ms` */
  minSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms` */
  maxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms` */
  initialRebalanceDelayMs: number;
  /** `group.max.size` */
  maxSize: number;
  /** `offsets.topic.num.partitions` */
  offsetsTopicNumPartitions: number;
  /** `offsets.retention.minutes`, in ms */
  offsetsRetentionMs: number;
  /** `offsets.retention.check.interval.ms` */
  offsetsRetentionCheckIntervalMs: number;
  /** `offset.metadata.max.bytes` */
  offsetMetadataMaxBytes: number;
  /** `offsets.commit.timeout.ms`: how long a write waits for the in-sync replicas. */
  offsetsCommitTimeoutMs: number;
}

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Uint8Array }>;
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id (KIP-394). */
  requireKnownMemberId: boolean;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Uint8Array }>;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface CommitRequest extends MemberIdentity {
  groupId: string;
  generationId: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }> }>;
}

export interface OffsetFetchResult {
  errorCode: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string; errorCode: number }> }>;
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Uint8Array; memberAssignment: Uint8Array }>;
}

const LEGAL_GROUP_ID = (id: string) => id.length > 0;

const offsetKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const heartbeatKey = (g: string, m: string) => `hb\u0000${g}\u0000${m}`;
const pendingKey = (g: string, m: string) => `pending\u0000${g}\u0000${m}`;
const joinKey = (g: string) => `join\u0000${g}`;
const syncKey = (g: string) => `sync\u0000${g}`;

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly timers = new DelayQueue();
  private readonly offsetsTopic: OffsetsTopic;
  /**
   * Cluster mode: the `__consumer_offsets` partitions this broker leads, whose groups it
   * coordinates (null on a single broker: all of them).
   */
  private owned: Set<number> | null = null;
  /** Waits for a write to reach the in-sync replicas (a single broker: at once). */
  private awaitReplication: AwaitReplication = REPLICATED_AT_ONCE;
  /** Groups in their initial rebalance delay: when it started and whether members joined since. */
  private readonly initialDelays = new Map<string, { startedAt: number; newMembers: boolean }>();

  constructor(
    private readonly logs: LogManager,
    engine: Engine,
    private readonly config: GroupCoordinatorConfig,
    private readonly logger: Logger,
  ) {
    this.offsetsTopic = new OffsetsTopic(logs, engine, config.offsetsTopicNumPartitions);
  }

  /**
   * Cluster mode: coordinate only the groups of `__consumer_offsets` partitions this broker
   * leads (onBecomeLeader / onResign), with the partition count and leader epochs given; a
   * write answers its client once `awaitReplication` says the in-sync replicas have it.
   */
  enableClusterMode(partitionCount: () => number, leaderEpochOf: (partition: number) => number, awaitReplication: AwaitReplication): void {
    this.owned = new Set();
    this.awaitReplication = awaitReplication;
    this.offsetsTopic.partitionCountSource = partitionCount;
    this.offsetsTopic.leaderEpochOf = leaderEpochOf;
  }

  /** True if this broker coordinates `groupId` (else requests get NOT_COORDINATOR). */
  isCoordinatorFor(groupId: string): boolean {
    return this.owned === null || this.owned.has(this.partitionFor(groupId));
  }

  /** This broker now leads `__consumer_offsets` partition `partition`: load its groups. */
  onBecomeLeader(partition: number): void {
    if (this.owned === null) return;
    this.owned.add(partition);
    this.loadGroups(partition);
  }

  /** Leadership of `partition` moved away: its groups are no longer ours (NOT_COORDINATOR). */
  onResign(partition: number): void {
    if (this.owned === null || !this.owned.delete(partition)) return;
    for (const group of [...this.groups.values()]) {
      if (this.partitionFor(group.groupId) !== partition) continue;
      for (const m of group.members.values()) {
        m.awaitingJoin?.(joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        m.awaitingSync?.(syncError(ErrorCode.NOT_COORDINATOR));
        this.timers.cancel(heartbeatKey(group.groupId, m.memberId));
      }
      for (const k of [joinKey(group.groupId), syncKey(group.groupId)]) this.timers.cancel(k);
      this.groups.delete(group.groupId);
    }
    this.logger.info({ partition }, 'resigned as group coordinator');
  }

  /** Replays `__consumer_offsets` into groups and starts the offset-expiry check. */
  start(): void {
    if (this.owned === null) this.loadGroups();
    this.timers.schedule('offsets-expiry', this.config.offsetsRetentionCheckIntervalMs, () => this.expireOffsetsPeriodically());
  }

  /** Replays one partition of `__consumer_offsets` (or all) into groups. */
  private loadGroups(partition?: number): void {
    const metadata = new Map<string, GroupMetadataValue>();
    const loaded = this.offsetsTopic.load((record) => {
      if (record.kind === 'group') {
        if (record.value) metadata.set(record.group, record.value);
        else {
          metadata.delete(record.group);
          this.groups.delete(record.group);
        }
        return;
      }
      const group = this.groupOrCreate(record.group);
      const key = offsetKey(record.topic, record.partition);
      if (record.value) {
        const v = record.value;
        group.offsets.set(key, { topic: record.topic, partition: record.partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp });
      } else group.offsets.delete(key);
    }, partition);
    for (const [groupId, value] of metadata) this.restoreGroup(groupId, value);
    this.logger.info({ records: loaded, groups: this.groups.size, partition }, 'loaded consumer groups and offsets');
  }

  /** Answers parked joins and syncs with COORDINATOR_NOT_AVAILABLE and stops every timer. */
  stop(): void {
    for (const group of this.groups.values()) {
      for (const m of group.members.values()) {
        m.awaitingJoin?.(joinError(m.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        m.awaitingSync?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
        m.awaitingJoin = null;
        m.awaitingSync = null;
      }
    }
    this.timers.close();
  }

  /** Live timers (members' sessions and the rest); for metrics and tests. */
  get timerCount(): number {
    return this.timers.size;
  }

  /** The `__consumer_offsets` partition coordinating `groupId`. */
  partitionFor(groupId: string): number {
    return this.offsetsTopic.partitionOf(groupId);
  }

  /** Creates `__consumer_offsets` if missing (FindCoordinator does this, as Kafka does). */
  ensureOffsetsTopic(): void {
    this.offsetsTopic.ensureExists();
  }

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  private groupOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** A group from its last GroupMetadata record: Stable with its members, or Empty. */
  private restoreGroup(groupId: string, value: GroupMetadataValue): void {
    const group = this.groupOrCreate(groupId);
    group.generationId = value.generation;
    group.protocolType = value.protocolType || null;
    group.protocolName = value.protocol;
    for (const m of value.members) {
      const member: Member = {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeout,
        rebalanceTimeoutMs: m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
        protocolType: value.protocolType,
        protocols: [{ name: value.protocol ?? '', metadata: m.subscription }],
        assignment: m.assignment,
        awaitingJoin: null,
        awaitingSync: null,
        isNew: false,
      };
      group.add(member);
      this.scheduleHeartbeat(group, member);
    }
    group.leaderId = value.leader;
    group.transition(value.members.length > 0 ? 'Stable' : 'Empty');
    if (value.currentStateTimestamp > 0) group.stateTimestamp = value.currentStateTimestamp;
  }

  // ── JoinGroup ──────────────────────────────────────────────────────────────────────────

  /** JoinGroup; resolves when the rebalance completes (or at once with an error). */
  join(req: JoinRequest): Promise<JoinResult> {
    const { groupId, memberId } = req;
    if (!LEGAL_GROUP_ID(groupId)) return Promise.resolve(joinError(memberId, ErrorCode.INVALID_GROUP_ID));
    if (!this.isCoordinatorFor(groupId)) return Promise.resolve(joinError(memberId, ErrorCode.NOT_COORDINATOR));
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    let group = this.groups.get(groupId);
    if (!group) {
      if (memberId !== '') return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = this.groupOrCreate(groupId);
    }
    if (group.is('Dead')) return Promise.resolve(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    return memberId === '' ? this.joinUnknownMember(group, req) : this.joinKnownMember(group, req);
  }

  private joinUnknownMember(group: Group, req: JoinRequest): Promise<JoinResult> {
    const newMemberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId) {
      const existing = group.staticMembers.get(req.groupInstanceId);
      if (existing) return this.replaceStaticMember(group, existing, newMemberId, req);
    } else if (req.requireKnownMemberId) {
      if (group.size + group.pendingMembers.size >= this.config.maxSize) {
        return Promise.resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
      }
      group.pendingMembers.add(newMemberId);
      this.timers.schedule(pendingKey(group.groupId, newMemberId), req.sessionTimeoutMs, () => this.expirePendingMember(group, newMemberId));
      return Promise.resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    if (group.size >= this.config.maxSize) return Promise.resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    return this.addMemberAndRebalance(group, newMemberId, req);
  }

  private joinKnownMember(group: Group, req: JoinRequest): Promise<JoinResult> {
    const { memberId } = req;
    if (group.pendingMembers.has(memberId)) {
      group.pendingMembers.delete(memberId);
      this.timers.cancel(pendingKey(group.groupId, memberId));
      if (group.size >= this.config.maxSize) return Promise.resolve(joinError(memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
      return this.addMemberAndRebalance(group, memberId, req);
    }
    if (this.isFenced(group, memberId, req.groupInstanceId)) return Promise.resolve(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
    const member = group.members.get(memberId);
    if (!member) return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req);
      case 'CompletingRebalance':
        if (sameProtocols(member, req)) {
          // A repeated join with the same metadata (e.g. after a lost response).
          this.scheduleHeartbeat(group, member);
          return Promise.resolve(this.joinResultFor(group, member));
        }
        return this.updateMemberAndRebalance(group, member, req);
      case 'Stable':
        if (group.leaderId === memberId || !sameProtocols(member, req)) return this.updateMemberAndRebalance(group, member, req);
        this.scheduleHeartbeat(group, member);
        return Promise.resolve({ ...this.joinResultFor(group, member), members: [] });
      default:
        return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /** KIP-345: a static member rejoining with a new member id takes the old one's place. */
  private replaceStaticMember(group: Group, oldMemberId: string, newMemberId: string, req: JoinRequest): Promise<JoinResult> {
    const old = group.members.get(oldMemberId)!;
    old.awaitingJoin?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.timers.cancel(heartbeatKey(group.groupId, oldMemberId));
    const wasLeader = group.leaderId === oldMemberId;
    const changed = !sameProtocols(old, req);
    group.remove(oldMemberId);
    const member = this.newMember(newMemberId, req);
    member.assignment = old.assignment;
    group.add(member);
    if (wasLeader) group.leaderId = newMemberId;
    this.scheduleHeartbeat(group, member);
    if (group.is('Stable') && !changed) {
      const result = this.joinResultFor(group, member);
      // The group keeps its assignment: a leader is told so and skips assigning (v9). As Kafka,
      // the new member id is stored before the answer; a failed write puts the old one back.
      return this.writeAnswered(group.groupId, [this.groupMetadata(group)]).then((errorCode) => {
        if (errorCode === ErrorCode.NONE) return { ...result, skipAssignment: wasLeader, members: wasLeader ? result.members : [] };
        this.revertStaticMember(group, old, member, wasLeader);
        return joinError('', errorCode);
      });
    }
    return this.parkJoin(group, member, () => this.prepareRebalance(group, `static member ${req.groupInstanceId} rejoined`));
  }

  /** Undoes replaceStaticMember (its write failed), unless the group moved on meanwhile. */
  private revertStaticMember(group: Group, old: Member, replacement: Member, wasLeader: boolean): void {
    if (old.groupInstanceId === null || group.staticMembers.get(old.groupInstanceId) !== replacement.memberId) return;
    this.timers.cancel(heartbeatKey(group.groupId, replacement.memberId));
    group.remove(replacement.memberId);
    old.awaitingJoin = null;
    old.awaitingSync = null;
    group.add(old);
    if (wasLeader) group.leaderId = old.memberId;
    this.scheduleHeartbeat(group, old);
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinRequest): Promise<JoinResult> {
    const member = this.newMember(memberId, req);
    member.isNew = true;
    group.add(member);
    const delay = this.initialDelays.get(group.groupId);
    if (delay) delay.newMembers = true;
    return this.parkJoin(group, member, () => {
      if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
      else this.prepareRebalance(group, `member ${memberId} joined`);
    });
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinRequest): Promise<JoinResult> {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    return this.parkJoin(group, member, () => {
      if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
      else this.prepareRebalance(group, `member ${member.memberId} rejoined`);
    });
  }

  /** Parks the member's JoinGroup until the rebalance completes, then runs `next`. */
  private parkJoin(group: Group, member: Member, next: () => void): Promise<JoinResult> {
    return new Promise<JoinResult>((resolve) => {
      member.awaitingJoin?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      member.awaitingJoin = resolve;
      next();
    });
  }

  private newMember(memberId: string, req: JoinRequest): Member {
    return {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: EMPTY_BYTES,
      awaitingJoin: null,
      awaitingSync: null,
      isNew: false,
    };
  }

  /** Enters PreparingRebalance (cancelling a pending sync) and arms its deadline. */
  private prepareRebalance(group: Group, reason: string): void {
    if (group.is('CompletingRebalance')) this.failPendingSyncs(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.timers.cancel(syncKey(group.groupId));
    const initial = group.is('Empty') && this.config.initialRebalanceDelayMs > 0;
    group.transition('PreparingRebalance');
    this.logger.debug({ group: group.groupId, generation: group.generationId, reason }, 'preparing rebalance');
    if (initial) {
      // KIP-134: wait for more members before the first rebalance of an empty group.
      this.initialDelays.set(group.groupId, { startedAt: Date.now(), newMembers: false });
      this.timers.schedule(joinKey(group.groupId), this.config.initialRebalanceDelayMs, () => this.onInitialDelayExpired(group));
      return;
    }
    this.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs, () => this.completeJoin(group));
    this.tryCompleteJoin(group);
  }

  private onInitialDelayExpired(group: Group): void {
    const delay = this.initialDelays.get(group.groupId);
    if (!delay || !group.is('PreparingRebalance')) return;
    const remaining = group.rebalanceTimeoutMs - (Date.now() - delay.startedAt);
    if (delay.newMembers && remaining > 0) {
      delay.newMembers = false;
      this.timers.schedule(joinKey(group.groupId), Math.min(this.config.initialRebalanceDelayMs, remaining), () => this.onInitialDelayExpired(group));
      return;
    }
    this.initialDelays.delete(group.groupId);
    this.completeJoin(group);
  }

  /** Completes the join phase early once every known member rejoined and none is pending. */
  private tryCompleteJoin(group: Group): void {
    if (!group.is('PreparingRebalance') || this.initialDelays.has(group.groupId)) return;
    if (group.notYetRejoined === 0 && group.pendingMembers.size === 0) this.completeJoin(group);
  }

  /**
   * Ends the join phase: members that did not rejoin are removed, the generation advances,
   * the assignor is chosen and every parked JoinGroup is answered (the leader with the
   * members' metadata).
   */
  private completeJoin(group: Group): void {
    if (!group.is('PreparingRebalance')) return;
    this.timers.cancel(joinKey(group.groupId));
    this.initialDelays.delete(group.groupId);
    for (const member of [...group.members.values()]) {
      if (!member.awaitingJoin) {
        group.remove(member.memberId);
        this.timers.cancel(heartbeatKey(group.groupId, member.memberId));
      }
    }
    group.generationId++;
    if (group.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transition('Empty');
      this.writeUnanswered(group.groupId, [this.groupMetadata(group)], 'group metadata');
      this.logger.info({ group: group.groupId, generation: group.generationId }, 'group is empty');
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transition('CompletingRebalance');
    for (const member of group.members.values()) {
      const resolve = member.awaitingJoin!;
      member.awaitingJoin = null;
      member.isNew = false;
      this.scheduleHeartbeat(group, member);
      resolve(this.joinResultFor(group, member));
    }
    const generation = group.generationId;
    this.timers.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs, () => this.onSyncExpired(group, generation));
    this.logger.info({ group: group.groupId, generation, members: group.size, protocol: group.protocolName }, 'rebalance: join complete');
  }

  private joinResultFor(group: Group, member: Member): JoinResult {
    const isLeader = group.leaderId === member.memberId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataOf(m) }))
        : [],
    };
  }

  /** The leader did not sync in time: members that did not sync leave; rebalance again. */
  private onSyncExpired(group: Group, generation: number): void {
    if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
    for (const member of [...group.members.values()]) {
      if (!member.awaitingSync) this.removeMember(group, member, 'no SyncGroup within the rebalance timeout', false);
    }
    this.failPendingSyncs(group, ErrorCode.REBALANCE_IN_PROGRESS);
    if (group.size === 0) this.completeEmpty(group);
    else this.prepareRebalance(group, 'sync timeout');
  }

  private completeEmpty(group: Group): void {
    group.transition('PreparingRebalance');
    this.completeJoin(group);
  }

  private failPendingSyncs(group: Group, errorCode: number): void {
    for (const member of group.members.values()) {
      member.awaitingSync?.(syncError(errorCode));
      member.awaitingSync = null;
    }
  }

  // ── SyncGroup ──────────────────────────────────────────────────────────────────────────

  /**
   * SyncGroup; the leader's call stores the assignment and, once the in-sync replicas of
   * `__consumer_offsets` have it, answers every member (a failed write: see applyAssignment).
   */
  sync(req: SyncRequest): Promise<SyncResult> {
    const group = this.groups.get(req.groupId);
    if (!LEGAL_GROUP_ID(req.groupId)) return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    if (!this.isCoordinatorFor(req.groupId)) return Promise.resolve(syncError(ErrorCode.NOT_COORDINATOR));
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is('Dead')) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (this.isFenced(group, req.memberId, req.groupInstanceId)) return Promise.resolve(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = group.members.get(req.memberId);
    if (!member) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'Stable':
        this.scheduleHeartbeat(group, member);
        return Promise.resolve(this.syncResultFor(group, member));
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => {
          member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          this.scheduleHeartbeat(group, member);
          if (group.leaderId === member.memberId) this.applyAssignment(group, req.assignments);
        });
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /**
   * The leader's assignment: stored with the group metadata; once the in-sync replicas have
   * it the group is Stable and every parked SyncGroup gets its part. A failed write answers
   * them with its error (appendErrorToResponseError) and rebalances, as Kafka does.
   */
  private applyAssignment(group: Group, assignments: SyncRequest['assignments']): void {
    const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY_BYTES;
    const generation = group.generationId;
    void this.writeAnswered(group.groupId, [this.groupMetadata(group)]).then((errorCode) => {
      // Members may have joined or left while the write was replicating: then it answers no one.
      if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
      if (errorCode !== ErrorCode.NONE) {
        this.logger.warn({ group: group.groupId, generation, errorCode }, 'storing the group assignment failed');
        for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
        this.failPendingSyncs(group, errorCode);
        this.prepareRebalance(group, 'storing the assignment failed');
        return;
      }
      this.completeSync(group);
    });
  }

  private completeSync(group: Group): void {
    this.timers.cancel(syncKey(group.groupId));
    group.transition('Stable');
    for (const m of group.members.values()) {
      m.awaitingSync?.(this.syncResultFor(group, m));
      m.awaitingSync = null;
    }
    this.logger.info({ group: group.groupId, generation: group.generationId }, 'rebalance: group is stable');
  }

  private syncResultFor(group: Group, member: Member): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }

  // ── Heartbeat, LeaveGroup, session expiry ──────────────────────────────────────────────

  /** Heartbeat: keeps a member alive; returns a Kafka error code. */
  heartbeat(groupId: string, generationId: number, identity: MemberIdentity): number {
    const group = this.groups.get(groupId);
    if (!LEGAL_GROUP_ID(groupId)) return ErrorCode.INVALID_GROUP_ID;
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isFenced(group, identity.memberId, identity.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(identity.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleHeartbeat(group, member);
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /**
   * LeaveGroup for each identity; returns the top-level and per-member error codes. Leaving
   * writes nothing itself (as Kafka's classic coordinator): a group left empty stores its
   * metadata when its rebalance completes, with no client waiting for it.
   */
  leave(groupId: string, identities: MemberIdentity[]): { errorCode: number; members: Array<MemberIdentity & { errorCode: number }> } {
    const group = this.groups.get(groupId);
    if (!LEGAL_GROUP_ID(groupId)) return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    if (!this.isCoordinatorFor(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
    if (!group || group.is('Dead')) {
      return { errorCode: group ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.UNKNOWN_MEMBER_ID, members: identities.map((i) => ({ ...i, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    }
    const members = identities.map((identity) => {
      let memberId = identity.memberId;
      if (memberId === '' && identity.groupInstanceId) memberId = group.staticMembers.get(identity.groupInstanceId) ?? '';
      if (group.pendingMembers.has(memberId)) {
        group.pendingMembers.delete(memberId);
        this.timers.cancel(pendingKey(groupId, memberId));
        this.tryCompleteJoin(group);
        return { ...identity, errorCode: ErrorCode.NONE };
      }
      if (this.isFenced(group, memberId, identity.groupInstanceId)) return { ...identity, errorCode: ErrorCode.FENCED_INSTANCE_ID };
      const member = group.members.get(memberId);
      if (!member) return { ...identity, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.removeMember(group, member, 'left the group', true);
      return { ...identity, errorCode: ErrorCode.NONE };
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  /** Removes a member and moves the group on (rebalance, or finish the current join). */
  private removeMember(group: Group, member: Member, reason: string, rebalance: boolean): void {
    member.awaitingJoin?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingJoin = null;
    member.awaitingSync = null;
    group.remove(member.memberId);
    this.timers.cancel(heartbeatKey(group.groupId, member.memberId));
    this.logger.info({ group: group.groupId, member: member.memberId, reason }, 'member removed');
    if (!rebalance) return;
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(group, `member ${member.memberId} ${reason}`);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  /** (Re)arms the member's session timeout. */
  private scheduleHeartbeat(group: Group, member: Member): void {
    this.timers.schedule(heartbeatKey(group.groupId, member.memberId), member.sessionTimeoutMs, () => this.expireMember(group, member.memberId));
  }

  private expireMember(group: Group, memberId: string): void {
    const member = group.members.get(memberId);
    if (!member) return;
    // A member parked in JoinGroup or SyncGroup is alive: its request is the heartbeat.
    if (member.awaitingJoin || member.awaitingSync) {
      this.scheduleHeartbeat(group, member);
      return;
    }
    this.removeMember(group, member, `session timeout (${member.sessionTimeoutMs} ms) expired`, true);
  }

  private expirePendingMember(group: Group, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    this.tryCompleteJoin(group);
  }

  /**
   * KIP-345: a request whose group.instance.id is registered to another member id is fenced
   * (checked before membership, as Kafka does, so a replaced static member learns why).
   */
  private isFenced(group: Group, memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const registered = group.staticMembers.get(groupInstanceId);
    return registered !== undefined && registered !== memberId;
  }

  // ── Offsets ────────────────────────────────────────────────────────────────────────────

  /**
   * OffsetCommit: checks membership and generation, writes every valid partition's offset to
   * `__consumer_offsets` in one batch, and applies them once the in-sync replicas have it. A
   * commit from a stale generation or an unknown member moves nothing. Resolves to an error
   * code per topic/partition (a failed write: appendErrorToResponseError; a batch too large:
   * INVALID_COMMIT_OFFSET_SIZE).
   */
  async commitOffsets(req: CommitRequest): Promise<Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>> {
    const every = (code: number) => req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
    if (!LEGAL_GROUP_ID(req.groupId)) return every(ErrorCode.INVALID_GROUP_ID);
    if (!this.isCoordinatorFor(req.groupId)) return every(ErrorCode.NOT_COORDINATOR);
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (req.generationId >= 0) return every(ErrorCode.ILLEGAL_GENERATION);
      group = this.groupOrCreate(req.groupId);
    }
    const code = this.commitError(group, req);
    if (code !== ErrorCode.NONE) return every(code);
    const now = Date.now();
    const records: RecordInput[] = [];
    const accepted: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }> = [];
    const result = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const metadata = p.committedMetadata ?? '';
        if (Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        if (!this.logs.partition(t.name, p.partitionIndex)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        accepted.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata });
        records.push(offsetCommitRecord(req.groupId, t.name, p.partitionIndex, { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: now, expireTimestamp: -1 }));
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    const member = group.members.get(req.memberId);
    if (member) this.scheduleHeartbeat(group, member);
    const failed = await this.writeAnswered(req.groupId, records, offsetCommitErrorToResponseError);
    if (failed !== ErrorCode.NONE) {
      return result.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...p, errorCode: p.errorCode === ErrorCode.NONE ? failed : p.errorCode })) }));
    }
    for (const a of accepted) group.offsets.set(offsetKey(a.topic, a.partition), { ...a, commitTimestamp: now });
    return result;
  }

  private commitError(group: Group, req: CommitRequest): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // A commit outside group management (generation -1, no member id): only on an empty group.
    if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
    if (this.isFenced(group, req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** OffsetFetch: committed offsets of the group (offset -1 where none); null topics = all. */
  fetchOffsets(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null): OffsetFetchResult {
    if (!LEGAL_GROUP_ID(groupId)) return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    if (!this.isCoordinatorFor(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] };
    const group = this.groups.get(groupId);
    if (group?.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    const entry = (topic: string, partitionIndex: number) => {
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
  async deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): Promise<{ errorCode: number; topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }> }> {
    if (!LEGAL_GROUP_ID(groupId)) return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    if (!this.isCoordinatorFor(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] };
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
    const errorCode = await this.writeAnswered(groupId, records);
    if (errorCode !== ErrorCode.NONE) return { errorCode, topics: [] };
    for (const t of result) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) group.offsets.delete(offsetKey(t.name, p.partitionIndex));
    return { errorCode: ErrorCode.NONE, topics: result };
  }

  // ── Describe, list, delete ─────────────────────────────────────────────────────────────

  /** DescribeGroups: an unknown group is reported Dead (Kafka does so before v6). */
  describe(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (!LEGAL_GROUP_ID(groupId)) return { errorCode: ErrorCode.INVALID_GROUP_ID, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    if (!this.isCoordinatorFor(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
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
    return [...this.groups.values()]
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
    if (!LEGAL_GROUP_ID(groupId)) return Promise.resolve(ErrorCode.INVALID_GROUP_ID);
    if (!this.isCoordinatorFor(groupId)) return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return Promise.resolve(ErrorCode.GROUP_ID_NOT_FOUND);
    if (!group.is('Empty')) return Promise.resolve(ErrorCode.NON_EMPTY_GROUP);
    return this.writeAnswered(groupId, this.removeGroup(group));
  }

  /** Drops the group; returns the tombstones of its offsets and metadata, for the caller to write. */
  private removeGroup(group: Group): RecordInput[] {
    const records = [...group.offsets.values()].map((o) => offsetCommitRecord(group.groupId, o.topic, o.partition, null));
    records.push(groupMetadataRecord(group.groupId, null));
    group.transition('Dead');
    this.groups.delete(group.groupId);
    this.logger.info({ group: group.groupId }, 'group deleted');
    return records;
  }

  /**
   * Appends coordinator records for a request that answers a client: resolves once the
   * in-sync replicas of the group's `__consumer_offsets` partition have them, with NONE or the
   * client's error: `toResponseError` of the append's or the wait's error code (an append that
   * fails other than with a KafkaError: COORDINATOR_NOT_AVAILABLE). Never rejects.
   */
  private writeAnswered(groupId: string, records: RecordInput[], toResponseError = appendErrorToResponseError): Promise<number> {
    let at: LogPosition | null;
    try {
      at = this.offsetsTopic.append(groupId, records);
    } catch (err) {
      this.logger.error({ err, group: groupId }, `appending to ${OFFSETS_TOPIC} failed`);
      return Promise.resolve(toResponseError(err instanceof KafkaError ? err.code : ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
    if (!at) return Promise.resolve(ErrorCode.NONE);
    return this.awaitReplication(at.partition, at.endOffset, this.config.offsetsCommitTimeoutMs).then(toResponseError, () => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  /** Appends coordinator records no client waits for (expiry, a group left empty); logs a failure. */
  private writeUnanswered(groupId: string, records: RecordInput[], what: string): void {
    void this.writeAnswered(groupId, records).then((errorCode) => {
      if (errorCode !== ErrorCode.NONE) this.logger.warn({ group: groupId, errorCode }, `writing ${what} failed`);
    });
  }

  /** The group's metadata record (generation, leader, members, assignments). */
  private groupMetadata(group: Group): RecordInput {
    return groupMetadataRecord(group.groupId, {
        protocolType: group.protocolType ?? '',
        generation: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        currentStateTimestamp: group.stateTimestamp,
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeout: m.rebalanceTimeoutMs,
          sessionTimeout: m.sessionTimeoutMs,
          subscription: group.metadataOf(m),
          assignment: m.assignment,
        })),
    });
  }

  /**
   * KIP-211: offsets of a group that has been empty for `offsets.retention.minutes` expire
   * (a group that never had members: each offset by its commit time); an empty group left
   * with no offsets is removed.
   */
  expireOffsets(now = Date.now()): number {
    let expired = 0;
    for (const group of [...this.groups.values()]) {
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
        this.writeUnanswered(group.groupId, records, 'expired offsets');
        for (const key of doomed) group.offsets.delete(key);
        expired += records.length;
      }
      if (group.offsets.size === 0 && group.pendingMembers.size === 0) this.writeUnanswered(group.groupId, this.removeGroup(group), 'group tombstone');
    }
    if (expired > 0) this.logger.info({ expired }, 'expired committed offsets');
    return expired;
  }

  private expireOffsetsPeriodically(): void {
    try {
      this.expireOffsets();
    } catch (err) {
      this.logger.error({ err }, 'offset expiry failed');
    }
    this.timers.schedule('offsets-expiry', this.config.offsetsRetentionCheckIntervalMs, () => this.expireOffsetsPeriodically());
  }

  /** True if `topic` is the coordinator's own topic. */
  static isInternalTopic(topic: string): boolean {
    return topic === OFFSETS_TOPIC;
  }
}

function sameProtocols(member: Member, req: JoinRequest): boolean {
  if (member.protocols.length !== req.protocols.length) return false;
  return member.protocols.every((p, i) => p.name === req.protocols[i]!.name && Buffer.compare(p.metadata, req.protocols[i]!.metadata) === 0);
}
