/**
 * A classic consumer group's state (Kafka ClassicGroup / GroupMetadata, design.html
 * "Consumer groups", KIP-62, KIP-345, KIP-394).
 *
 * States, what each answers and where it goes next (Kafka ClassicGroupState):
 *   Empty               no members; offsets may still be committed (generation -1) and fetched.
 *                       → PreparingRebalance on a join; → Dead on deletion or offset expiry.
 *   PreparingRebalance  waiting for every known member to (re)join, up to the rebalance
 *                       timeout; heartbeats answer REBALANCE_IN_PROGRESS.
 *                       → CompletingRebalance (members left) or Empty (none left).
 *   CompletingRebalance joined; waiting for the leader's SyncGroup with the assignment.
 *                       → Stable on the leader's sync; → PreparingRebalance on a change.
 *   Stable              assignment handed out; heartbeats keep members alive.
 *                       → PreparingRebalance on a join with new metadata, a leave, an expiry.
 *   Dead                deleted; answers COORDINATOR_NOT_AVAILABLE / GROUP_ID_NOT_FOUND.
 */
import { type CommittedOffset } from './committed-offset.js';
import { PendingTxnOffsets } from './pending-txn-offsets.js';

export { type CommittedOffset, offsetKey } from './committed-offset.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Uint8Array }>;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** ms */
  sessionTimeoutMs: number;
  /** ms */
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** The member's assignors, in its order of preference, with their metadata. */
  protocols: Array<{ name: string; metadata: Uint8Array }>;
  assignment: Uint8Array;
  /** Set while a JoinGroup of this member waits for the rebalance to complete. */
  awaitingJoin: ((result: JoinResult) => void) | null;
  /** Set while a SyncGroup of this member waits for the leader's assignment. */
  awaitingSync: ((result: SyncResult) => void) | null;
  /** A join that completed this rebalance, for members that joined but did not yet sync. */
  isNew: boolean;
}

export const EMPTY_BYTES = new Uint8Array(0);

/** Who a request says it is: its member id and, for a static member (KIP-345), its group.instance.id. */
export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

/** A group id the coordinator accepts (else INVALID_GROUP_ID): any non-empty string. */
export function isLegalGroupId(groupId: string): boolean {
  return groupId.length > 0;
}

/** The JoinGroup answer carrying only an error code (and the member id it concerns). */
export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

/** The SyncGroup answer carrying only an error code. */
export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export class Group {
  state: GroupState = 'Empty';
  /** ms since the epoch of the last state change (for offset expiry, KIP-211). */
  stateTimestamp = Date.now();
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined (KIP-394). */
  readonly pendingMembers = new Set<string>();
  /** group.instance.id → member id of static members (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** Committed offsets: "topic\0partition" → value. */
  readonly offsets = new Map<string, CommittedOffset>();
  /** Offsets of open transactions (TxnOffsetCommit), per producer id, until their marker. */
  readonly pendingTxnOffsets = new PendingTxnOffsets();

  constructor(readonly groupId: string) {}

  transition(state: GroupState): void {
    this.state = state;
    this.stateTimestamp = Date.now();
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  get size(): number {
    return this.members.size;
  }

  /** True if the group has a member with this id. */
  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    if (member.groupInstanceId && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /**
   * KIP-345: a request whose group.instance.id is registered to another member id is fenced
   * (checked before membership, as Kafka does, so a replaced static member learns why).
   */
  isFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const registered = this.staticMembers.get(groupInstanceId);
    return registered !== undefined && registered !== memberId;
  }

  /** Members whose JoinGroup is parked, and how many known members have not rejoined. */
  get notYetRejoined(): number {
    let n = 0;
    for (const m of this.members.values()) if (!m.awaitingJoin) n++;
    return n;
  }

  /** The largest rebalance timeout of the members (how long a rebalance may wait), ms. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** True if `protocols` shares an assignor with every member (or the group is empty). */
  supportsProtocols(protocolType: string, protocols: ReadonlyArray<{ name: string }>): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Assignors every member supports. */
  private candidateProtocols(): Set<string> {
    const members = [...this.members.values()];
    if (members.length === 0) return new Set<string>();
    const candidates = new Set<string>(members[0]!.protocols.map((p) => p.name));
    for (const m of members.slice(1)) {
      const names = new Set<string>(m.protocols.map((p) => p.name));
      for (const name of [...candidates]) if (!names.has(name)) candidates.delete(name);
    }
    return candidates;
  }

  /**
   * Chooses the assignor: among those every member supports, each member votes for the first
   * of its own list, and the most votes win (Kafka ClassicGroup.selectProtocol).
   */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [name, count] of votes) if (best === null || count > votes.get(best)!) best = name;
    return best;
  }

  /** The member's metadata for the selected assignor. */
  metadataOf(member: Member): Uint8Array {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY_BYTES;
  }

  /** Topics the group's members subscribe to, when the protocol is "consumer" (for OffsetDelete). */
  subscribedTopics(decode: (metadata: Uint8Array) => string[] | null): Set<string> | null {
    if (this.protocolType !== 'consumer' || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const subscribed = decode(this.metadataOf(m));
      if (subscribed === null) return null;
      for (const t of subscribed) topics.add(t);
    }
    return topics;
  }
}
