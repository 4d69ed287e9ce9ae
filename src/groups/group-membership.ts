/**
 * The classic group membership protocol's requests (Kafka GroupCoordinator.handleJoinGroup,
 * handleSyncGroup, handleHeartbeat, handleLeaveGroup; design.html "Consumer groups"; KIP-62,
 * KIP-345 static membership, KIP-394 member id required): who may join, rejoin, sync,
 * heartbeat and leave, and with which error. The rebalance these start, and its timers, are
 * in group-rebalance.ts; the groups and their writes in group-metadata-manager.ts.
 *
 * Errors are Kafka error codes in the results (never thrown for client input):
 * INVALID_GROUP_ID, NOT_COORDINATOR, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL,
 * MEMBER_ID_REQUIRED, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS,
 * FENCED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, COORDINATOR_NOT_AVAILABLE.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { GroupMetadataManager } from './group-metadata-manager.js';
import type { GroupRebalance } from './group-rebalance.js';
import { EMPTY_BYTES, type Group, type JoinResult, type Member, type MemberIdentity, type SyncResult, joinError, syncError } from './group.js';

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

export class GroupMembership {
  constructor(
    private readonly groups: GroupMetadataManager,
    private readonly rebalance: GroupRebalance,
    private readonly config: GroupCoordinatorConfig,
    private readonly logger: Logger,
  ) {}

  // ── JoinGroup ──────────────────────────────────────────────────────────────────────────

  /** JoinGroup; resolves when the rebalance completes (or at once with an error). */
  join(req: JoinRequest): Promise<JoinResult> {
    const { groupId, memberId } = req;
    const requestError = this.groups.requestError(groupId);
    if (requestError !== ErrorCode.NONE) return Promise.resolve(joinError(memberId, requestError));
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    let group = this.groups.get(groupId);
    if (!group) {
      if (memberId !== '') return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = this.groups.getOrCreate(groupId);
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
      this.rebalance.schedulePendingMember(group, newMemberId, req.sessionTimeoutMs);
      return Promise.resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    if (group.size >= this.config.maxSize) return Promise.resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
    return this.addMemberAndRebalance(group, newMemberId, req);
  }

  private joinKnownMember(group: Group, req: JoinRequest): Promise<JoinResult> {
    const { memberId } = req;
    if (group.pendingMembers.has(memberId)) {
      group.pendingMembers.delete(memberId);
      this.rebalance.cancelPendingMember(group, memberId);
      if (group.size >= this.config.maxSize) return Promise.resolve(joinError(memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
      return this.addMemberAndRebalance(group, memberId, req);
    }
    if (group.isFenced(memberId, req.groupInstanceId)) return Promise.resolve(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
    const member = group.members.get(memberId);
    if (!member) return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req);
      case 'CompletingRebalance':
        if (sameProtocols(member, req)) {
          // A repeated join with the same metadata (e.g. after a lost response).
          this.rebalance.scheduleHeartbeat(group, member);
          return Promise.resolve(this.rebalance.joinResultFor(group, member));
        }
        return this.updateMemberAndRebalance(group, member, req);
      case 'Stable':
        if (group.leaderId === memberId || !sameProtocols(member, req)) return this.updateMemberAndRebalance(group, member, req);
        this.rebalance.scheduleHeartbeat(group, member);
        return Promise.resolve({ ...this.rebalance.joinResultFor(group, member), members: [] });
      default:
        return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /** KIP-345: a static member rejoining with a new member id takes the old one's place. */
  private replaceStaticMember(group: Group, oldMemberId: string, newMemberId: string, req: JoinRequest): Promise<JoinResult> {
    const old = group.members.get(oldMemberId)!;
    old.awaitingJoin?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.rebalance.cancelHeartbeat(group, oldMemberId);
    const wasLeader = group.leaderId === oldMemberId;
    const changed = !sameProtocols(old, req);
    group.remove(oldMemberId);
    const member = newMember(newMemberId, req);
    member.assignment = old.assignment;
    group.add(member);
    if (wasLeader) group.leaderId = newMemberId;
    this.rebalance.scheduleHeartbeat(group, member);
    if (group.is('Stable') && !changed) {
      const result = this.rebalance.joinResultFor(group, member);
      // The group keeps its assignment: a leader is told so and skips assigning (v9). As Kafka,
      // the new member id is stored before the answer; a failed write puts the old one back.
      return this.groups.writeAnswered(group.groupId, [this.groups.groupMetadata(group)]).then((errorCode) => {
        if (errorCode === ErrorCode.NONE) return { ...result, skipAssignment: wasLeader, members: wasLeader ? result.members : [] };
        this.revertStaticMember(group, old, member, wasLeader);
        return joinError('', errorCode);
      });
    }
    return this.parkJoin(group, member, () => this.rebalance.prepareRebalance(group, `static member ${req.groupInstanceId} rejoined`));
  }

  /** Undoes replaceStaticMember (its write failed), unless the group moved on meanwhile. */
  private revertStaticMember(group: Group, old: Member, replacement: Member, wasLeader: boolean): void {
    if (old.groupInstanceId === null || group.staticMembers.get(old.groupInstanceId) !== replacement.memberId) return;
    this.rebalance.cancelHeartbeat(group, replacement.memberId);
    group.remove(replacement.memberId);
    old.awaitingJoin = null;
    old.awaitingSync = null;
    group.add(old);
    if (wasLeader) group.leaderId = old.memberId;
    this.rebalance.scheduleHeartbeat(group, old);
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinRequest): Promise<JoinResult> {
    const member = newMember(memberId, req);
    member.isNew = true;
    group.add(member);
    this.rebalance.noteNewMember(group);
    return this.parkJoin(group, member, () => {
      if (group.is('PreparingRebalance')) this.rebalance.tryCompleteJoin(group);
      else this.rebalance.prepareRebalance(group, `member ${memberId} joined`);
    });
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinRequest): Promise<JoinResult> {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    return this.parkJoin(group, member, () => {
      if (group.is('PreparingRebalance')) this.rebalance.tryCompleteJoin(group);
      else this.rebalance.prepareRebalance(group, `member ${member.memberId} rejoined`);
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

  // ── SyncGroup ──────────────────────────────────────────────────────────────────────────

  /**
   * SyncGroup; the leader's call stores the assignment and, once the in-sync replicas of
   * `__consumer_offsets` have it, answers every member (a failed write: see applyAssignment).
   */
  sync(req: SyncRequest): Promise<SyncResult> {
    const group = this.groups.get(req.groupId);
    const requestError = this.groups.requestError(req.groupId);
    if (requestError !== ErrorCode.NONE) return Promise.resolve(syncError(requestError));
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is('Dead')) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (group.isFenced(req.memberId, req.groupInstanceId)) return Promise.resolve(syncError(ErrorCode.FENCED_INSTANCE_ID));
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
        this.rebalance.scheduleHeartbeat(group, member);
        return Promise.resolve(this.rebalance.syncResultFor(group, member));
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => {
          member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          this.rebalance.scheduleHeartbeat(group, member);
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
    void this.groups.writeAnswered(group.groupId, [this.groups.groupMetadata(group)]).then((errorCode) => {
      // Members may have joined or left while the write was replicating: then it answers no one.
      if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
      if (errorCode !== ErrorCode.NONE) {
        this.logger.warn({ group: group.groupId, generation, errorCode }, 'storing the group assignment failed');
        for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
        this.rebalance.failPendingSyncs(group, errorCode);
        this.rebalance.prepareRebalance(group, 'storing the assignment failed');
        return;
      }
      this.rebalance.completeSync(group);
    });
  }

  // ── Heartbeat, LeaveGroup ──────────────────────────────────────────────────────────────

  /** Heartbeat: keeps a member alive; returns a Kafka error code. */
  heartbeat(groupId: string, generationId: number, identity: MemberIdentity): number {
    const group = this.groups.get(groupId);
    const requestError = this.groups.requestError(groupId);
    if (requestError !== ErrorCode.NONE) return requestError;
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isFenced(identity.memberId, identity.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(identity.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.rebalance.scheduleHeartbeat(group, member);
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /**
   * LeaveGroup for each identity; returns the top-level and per-member error codes. Leaving
   * writes nothing itself (as Kafka's classic coordinator): a group left empty stores its
   * metadata when its rebalance completes, with no client waiting for it.
   */
  leave(groupId: string, identities: MemberIdentity[]): { errorCode: number; members: Array<MemberIdentity & { errorCode: number }> } {
    const group = this.groups.get(groupId);
    const requestError = this.groups.requestError(groupId);
    if (requestError !== ErrorCode.NONE) return { errorCode: requestError, members: [] };
    if (!group || group.is('Dead')) {
      return { errorCode: group ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.UNKNOWN_MEMBER_ID, members: identities.map((i) => ({ ...i, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    }
    const members = identities.map((identity) => {
      let memberId = identity.memberId;
      if (memberId === '' && identity.groupInstanceId) memberId = group.staticMembers.get(identity.groupInstanceId) ?? '';
      if (group.pendingMembers.has(memberId)) {
        group.pendingMembers.delete(memberId);
        this.rebalance.cancelPendingMember(group, memberId);
        this.rebalance.tryCompleteJoin(group);
        return { ...identity, errorCode: ErrorCode.NONE };
      }
      if (group.isFenced(memberId, identity.groupInstanceId)) return { ...identity, errorCode: ErrorCode.FENCED_INSTANCE_ID };
      const member = group.members.get(memberId);
      if (!member) return { ...identity, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.rebalance.removeMember(group, member, 'left the group', true);
      return { ...identity, errorCode: ErrorCode.NONE };
    });
    return { errorCode: ErrorCode.NONE, members };
  }
}

function newMember(memberId: string, req: JoinRequest): Member {
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

function sameProtocols(member: Member, req: JoinRequest): boolean {
  if (member.protocols.length !== req.protocols.length) return false;
  return member.protocols.every((p, i) => p.name === req.protocols[i]!.name && Buffer.compare(p.metadata, req.protocols[i]!.metadata) === 0);
}
