/**
 * The rebalance of a classic group and the timers that drive it (Kafka GroupCoordinator's
 * prepareRebalance / onCompleteJoin / removeMemberAndUpdateGroup and its delayed operations):
 *   - DelayedHeartbeat: a member's session timeout (`session.timeout.ms`), re-armed by each
 *     heartbeat, join, sync and commit; a member parked in JoinGroup or SyncGroup is alive.
 *   - pending member expiry: a member id handed out with MEMBER_ID_REQUIRED (KIP-394) that
 *     does not join within its session timeout is forgotten.
 *   - DelayedJoin: the join phase ends when every known member rejoined or at the largest
 *     rebalance timeout (KIP-62); InitialDelayedJoin: an empty group's first rebalance waits
 *     `group.initial.rebalance.delay.ms` more while members keep joining (KIP-134).
 *   - DelayedSync: the leader's SyncGroup must come within the rebalance timeout.
 * Every timer goes through the coordinator's one DelayQueue. The request handling that
 * starts a rebalance is in group-membership.ts.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.js';
import type { DelayQueue } from './delay-queue.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { GroupMetadataManager } from './group-metadata-manager.js';
import { type Group, type JoinResult, type Member, type SyncResult, joinError, syncError } from './group.js';

const heartbeatKey = (g: string, m: string) => `hb\u0000${g}\u0000${m}`;
const pendingKey = (g: string, m: string) => `pending\u0000${g}\u0000${m}`;
const joinKey = (g: string) => `join\u0000${g}`;
const syncKey = (g: string) => `sync\u0000${g}`;

export class GroupRebalance {
  /** Groups in their initial rebalance delay: when it started and whether members joined since. */
  private readonly initialDelays = new Map<string, { startedAt: number; newMembers: boolean }>();

  constructor(
    private readonly groups: GroupMetadataManager,
    private readonly timers: DelayQueue,
    private readonly config: GroupCoordinatorConfig,
    private readonly logger: Logger,
  ) {}

  // ── Member sessions (DelayedHeartbeat) and pending members ────────────────────────────

  /** (Re)arms the member's session timeout. */
  scheduleHeartbeat(group: Group, member: Member): void {
    this.timers.schedule(heartbeatKey(group.groupId, member.memberId), member.sessionTimeoutMs, () => this.expireMember(group, member.memberId));
  }

  /** Stops the session timer of `memberId` (it left or was replaced). */
  cancelHeartbeat(group: Group, memberId: string): void {
    this.timers.cancel(heartbeatKey(group.groupId, memberId));
  }

  /** KIP-394: forgets the pending member `memberId` if it does not join within `timeoutMs`. */
  schedulePendingMember(group: Group, memberId: string, timeoutMs: number): void {
    this.timers.schedule(pendingKey(group.groupId, memberId), timeoutMs, () => this.expirePendingMember(group, memberId));
  }

  /** The pending member joined or left: its expiry is off. */
  cancelPendingMember(group: Group, memberId: string): void {
    this.timers.cancel(pendingKey(group.groupId, memberId));
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

  /** Removes a member and moves the group on (rebalance, or finish the current join). */
  removeMember(group: Group, member: Member, reason: string, rebalance: boolean): void {
    member.awaitingJoin?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingJoin = null;
    member.awaitingSync = null;
    group.remove(member.memberId);
    this.cancelHeartbeat(group, member.memberId);
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

  /**
   * The group leaves this coordinator (resignation, shutdown): every parked JoinGroup and
   * SyncGroup is answered with `errorCode` and the group's timers stop.
   */
  abandon(group: Group, errorCode: number): void {
    for (const m of group.members.values()) {
      m.awaitingJoin?.(joinError(m.memberId, errorCode));
      m.awaitingSync?.(syncError(errorCode));
      m.awaitingJoin = null;
      m.awaitingSync = null;
      this.cancelHeartbeat(group, m.memberId);
    }
    for (const k of [joinKey(group.groupId), syncKey(group.groupId)]) this.timers.cancel(k);
  }

  // ── Join phase (DelayedJoin, InitialDelayedJoin) ───────────────────────────────────────

  /** A member joined: an initial delay in progress waits once more (KIP-134). */
  noteNewMember(group: Group): void {
    const delay = this.initialDelays.get(group.groupId);
    if (delay) delay.newMembers = true;
  }

  /** Enters PreparingRebalance (cancelling a pending sync) and arms its deadline. */
  prepareRebalance(group: Group, reason: string): void {
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
  tryCompleteJoin(group: Group): void {
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
        this.cancelHeartbeat(group, member.memberId);
      }
    }
    group.generationId++;
    if (group.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transition('Empty');
      this.groups.writeUnanswered(group.groupId, [this.groups.groupMetadata(group)], 'group metadata');
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

  /** The JoinGroup answer for `member` in the group's current generation (the leader gets the members). */
  joinResultFor(group: Group, member: Member): JoinResult {
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

  // ── Sync phase (DelayedSync) ───────────────────────────────────────────────────────────

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

  /** Answers every parked SyncGroup with `errorCode`. */
  failPendingSyncs(group: Group, errorCode: number): void {
    for (const member of group.members.values()) {
      member.awaitingSync?.(syncError(errorCode));
      member.awaitingSync = null;
    }
  }

  /** The assignment is stored: the group is Stable and every parked SyncGroup gets its part. */
  completeSync(group: Group): void {
    this.timers.cancel(syncKey(group.groupId));
    group.transition('Stable');
    for (const m of group.members.values()) {
      m.awaitingSync?.(this.syncResultFor(group, m));
      m.awaitingSync = null;
    }
    this.logger.info({ group: group.groupId, generation: group.generationId }, 'rebalance: group is stable');
  }

  /** The SyncGroup answer for `member`: its part of the assignment. */
  syncResultFor(group: Group, member: Member): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }
}
