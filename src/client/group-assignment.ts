/**
 * A consumer group member over the WebSocket: the assignment source of a consumer created
 * with a `groupId` and `subscribe()`d to topics. It speaks Kafka's classic group protocol
 * through the gateway (the broker's own coordinator), as the Java consumer and KafkaJS do,
 * so it shares a group with them:
 *
 *   join   JoinGroup with protocol type "consumer" and one protocol per assignor (range,
 *          RoundRobinAssigner by default; assignors.ts), each carrying a
 *          ConsumerProtocolSubscription of the topics (consumer-protocol.ts). A new member
 *          first gets MEMBER_ID_REQUIRED with its id and joins again with it (KIP-394).
 *   sync   The leader reads every member's subscription, looks up partition counts and
 *          runs the chosen assignor; every member gets its ConsumerProtocolAssignment.
 *   start  Each assigned partition starts at the group's committed offset (fetchOffsets),
 *          or the consumer's autoOffsetReset where none.
 *   live   Heartbeat every `heartbeatIntervalMs`; auto-commit every `autoCommitIntervalMs`
 *          (positions that moved).
 *   rebalance (eager, as the classic protocol): on REBALANCE_IN_PROGRESS every partition is
 *          revoked (its handler finishes the record in hand), positions are committed
 *          (auto-commit), and the member joins again. On ILLEGAL_GENERATION the member
 *          rejoins with its id; on UNKNOWN_MEMBER_ID it rejoins as a new member (id reset).
 *          Partitions are then lost: their positions can no longer be committed.
 *   stop   revoke, commit (auto-commit), LeaveGroup (static members do not leave, KIP-345).
 *
 * Retriable failures (NETWORK_EXCEPTION, REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE, …)
 * are retried with back-off. NOT_COORDINATOR (cluster mode) asks FindCoordinator: when
 * another broker coordinates the group, the member fails with NOT_COORDINATOR naming it
 * (the client's one connection goes to this broker); the rest (INVALID_SESSION_TIMEOUT,
 * INCONSISTENT_GROUP_PROTOCOL, FENCED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, INVALID_GROUP_ID)
 * reject start(), or go to `onError` later and stop the member.
 * Source: Kafka AbstractCoordinator / ConsumerCoordinator (classic protocol); KIP-62, KIP-345, KIP-394.
 */
import type { JoinGroupResult } from '../gateway/protocol.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type AssignedPartition, type AssignmentListener, type AssignmentSource, committedByKey } from './assignment.js';
import type { Assignor, GroupMember } from './assignors.js';
import type { GregorClient } from './client.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';
import { GregorError } from './errors.js';
import { type CommitIdentity, type Requester, commitOffsets, fetchOffsets, findCoordinator, heartbeat, joinGroup, leaveGroup, syncGroup } from './group-requests.js';
import type { TopicPartition, TopicPartitionOffset } from './records.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface GroupSettings {
  groupId: string;
  /** Static membership (KIP-345); null: dynamic. */
  groupInstanceId: string | null;
  /** Kafka client.id: member ids start with it. */
  clientId: string;
  /** session.timeout.ms */
  sessionTimeoutMs: number;
  /** How long the coordinator waits for members to rejoin (KafkaJS rebalanceTimeout; Java max.poll.interval.ms). */
  rebalanceTimeoutMs: number;
  /** heartbeat.interval.ms */
  heartbeatIntervalMs: number;
  /** enable.auto.commit */
  autoCommit: boolean;
  /** auto.commit.interval.ms */
  autoCommitIntervalMs: number;
  /** partition.assignment.strategy, in order of preference. */
  assignors: readonly Assignor[];
  /** Errors of the background work (heartbeats, rebalances, auto-commits). */
  onError: (error: Error) => void;
  /** After each assignment, with the partitions now assigned. */
  onAssigned?: (partitions: TopicPartition[]) => void;
}

/** What the group knows about this member (Kafka's ConsumerGroupMetadata). */
export interface GroupMembership {
  groupId: string;
  memberId: string;
  generationId: number;
  groupInstanceId: string | null;
  /** The leader's member id. */
  leader: string;
  /** The assignor the group chose. */
  protocol: string | null;
}

/** Kafka's `request.timeout.ms` margin added to the rebalance timeout for JoinGroup (Java: +5 s). */
const JOIN_MARGIN_MS = 5000;
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;
/** Retries of the committed-offsets fetch after a join, before joining again. */
const OFFSET_FETCH_ATTEMPTS = 5;

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export class GroupAssignment implements AssignmentSource {
  private memberId = '';
  private generationId = -1;
  private leader = '';
  private protocol: string | null = null;
  private assigned: TopicPartition[] = [];
  private listener: AssignmentListener | null = null;
  private rejoining: Promise<void> | null = null;
  private stopped = false;
  private failed = false;
  private readonly lastCommitted = new Map<string, number>();
  /** Pending sleeps, woken by stop(). */
  private readonly sleepers = new Set<() => void>();
  private readonly request: Requester;

  constructor(
    private readonly client: GregorClient,
    private readonly topics: string[],
    private readonly settings: GroupSettings,
  ) {
    if (settings.assignors.length === 0) throw new GregorError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'a group member needs at least one assignor');
    this.request = (frame, timeoutMs) => client.request(frame, timeoutMs);
  }

  /** This member's group metadata (memberId "" and generation -1 while not in the group). */
  membership(): GroupMembership {
    return { groupId: this.settings.groupId, memberId: this.memberId, generationId: this.generationId, groupInstanceId: this.settings.groupInstanceId, leader: this.leader, protocol: this.protocol };
  }

  /** Joins the group; resolves once the first assignment was handed to `listener`. */
  async start(listener: AssignmentListener): Promise<void> {
    this.listener = listener;
    await this.rebalance(false);
    void this.heartbeatLoop();
    if (this.settings.autoCommit) void this.autoCommitLoop();
  }

  /** Commits positions of assigned partitions as this member. Errors: REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, … */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.rejoining || this.generationId < 0) throw new GregorError(ErrorCode.REBALANCE_IN_PROGRESS, `group "${this.settings.groupId}" is rebalancing: positions cannot be committed now`);
    const mine = new Set(this.assigned.map(key));
    await this.commitAsMember(offsets.filter((o) => mine.has(key(o))));
  }

  /** Revokes, commits (auto-commit) and leaves the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    let left = false;
    if (this.rejoining) {
      // A parked JoinGroup or SyncGroup is answered once this member leaves.
      if (this.memberId && !this.settings.groupInstanceId) left = await this.leave();
      await this.rejoining.catch(() => {});
    }
    const positions = await this.revokeAll();
    if (this.settings.autoCommit && !left && this.generationId >= 0) await this.commitAsMember(positions).catch((err: Error) => this.settings.onError(err));
    if (!left && this.memberId && !this.settings.groupInstanceId) await this.leave();
    this.listener = null;
  }

  // ─── rebalancing ────────────────────────────────────────────────────────────────────

  /**
   * Revokes what is assigned (committing its positions unless `lost`), then joins and syncs
   * until a generation's assignment is handed to the listener. One at a time.
   */
  private rebalance(lost: boolean): Promise<void> {
    if (this.rejoining) return this.rejoining;
    this.rejoining = (async () => {
      const positions = await this.revokeAll();
      if (!lost && this.settings.autoCommit && this.generationId >= 0) {
        await this.commitAsMember(positions).catch((err: Error) => this.settings.onError(err));
      }
      await this.joinUntilAssigned();
    })().finally(() => {
      this.rejoining = null;
    });
    return this.rejoining;
  }

  private async revokeAll(): Promise<TopicPartitionOffset[]> {
    const revoked = this.assigned;
    this.assigned = [];
    if (revoked.length === 0 || !this.listener) return [];
    return this.listener.revoked(revoked);
  }

  private async joinUntilAssigned(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stopped) {
      try {
        const joined = await this.join();
        const assignment = await this.sync(joined);
        if (this.stopped) return;
        await this.assign(assignment);
        return;
      } catch (err) {
        if (this.stopped) return;
        if (!(err instanceof GregorError)) throw err;
        if (err.is('UNKNOWN_MEMBER_ID')) this.resetMember();
        else if (err.is('ILLEGAL_GENERATION')) this.generationId = -1;
        else if (err.is('REBALANCE_IN_PROGRESS')) {
          // Join again at once: the group is waiting for this member.
        } else if (err.retriable) {
          if (err.is('NOT_COORDINATOR')) await this.checkCoordinator();
          await this.sleep(backoff);
          backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        } else throw err;
      }
    }
  }

  /**
   * After NOT_COORDINATOR: FindCoordinator. Another broker coordinating the group is fatal
   * for this client (its one connection goes to this broker's gateway); this broker (still
   * loading the group, or taking it over) is retried.
   */
  private async checkCoordinator(): Promise<void> {
    const { groupId } = this.settings;
    let coordinator: Awaited<ReturnType<typeof findCoordinator>>;
    try {
      coordinator = await findCoordinator(this.request, groupId);
    } catch {
      return; // COORDINATOR_NOT_AVAILABLE, network: retry the join
    }
    const self = this.client.hello.nodeId;
    if (coordinator.nodeId !== self) {
      throw new GregorError(
        ErrorCode.NOT_COORDINATOR,
        `group "${groupId}" is coordinated by broker ${coordinator.nodeId} (${coordinator.host}:${coordinator.port}, WebSocket port ${coordinator.websocketPort}), not by broker ${self} this client is connected to: connect to the coordinator's gateway`,
      );
    }
  }

  private resetMember(): void {
    this.memberId = '';
    this.generationId = -1;
    this.leader = '';
  }

  /** JoinGroup (twice for a new member: MEMBER_ID_REQUIRED hands out its id). */
  private async join(): Promise<JoinGroupResult> {
    const { groupId, groupInstanceId, clientId, sessionTimeoutMs, rebalanceTimeoutMs, assignors } = this.settings;
    const metadata = encodeSubscription(this.topics);
    for (;;) {
      try {
        const joined = await joinGroup(
          this.request,
          {
            groupId,
            memberId: this.memberId,
            groupInstanceId,
            clientId,
            sessionTimeoutMs,
            rebalanceTimeoutMs,
            protocolType: CONSUMER_PROTOCOL_TYPE,
            protocols: assignors.map((a) => ({ name: a.name, metadata })),
          },
          rebalanceTimeoutMs + JOIN_MARGIN_MS,
        );
        this.memberId = joined.memberId;
        this.generationId = joined.generationId;
        this.leader = joined.leader;
        this.protocol = joined.protocolName;
        return joined;
      } catch (err) {
        if (err instanceof GregorError && err.is('MEMBER_ID_REQUIRED') && err.memberId && !this.stopped) {
          this.memberId = err.memberId;
          continue;
        }
        throw err;
      }
    }
  }

  /** SyncGroup; the leader computes and sends the assignment. */
  private async sync(joined: JoinGroupResult): Promise<Uint8Array> {
    const isLeader = joined.leader === joined.memberId && !joined.skipAssignment;
    const assignments = isLeader ? await this.computeAssignment(joined) : [];
    return syncGroup(
      this.request,
      {
        groupId: this.settings.groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: this.settings.groupInstanceId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: joined.protocolName,
        assignments,
      },
      this.settings.rebalanceTimeoutMs + JOIN_MARGIN_MS,
    );
  }

  /** The leader's work: every member's subscription, partition counts, the chosen assignor. */
  private async computeAssignment(joined: JoinGroupResult): Promise<Array<{ memberId: string; assignment: Uint8Array }>> {
    const assignor = this.settings.assignors.find((a) => a.name === joined.protocolName);
    if (!assignor) throw new GregorError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose assignor "${joined.protocolName}", which this consumer does not have`);
    const members: GroupMember[] = joined.members.map((m) => {
      let topics: string[] = [];
      try {
        topics = decodeSubscription(m.metadata).topics;
      } catch {
        // unreadable metadata: the member subscribes to nothing
      }
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics };
    });
    const wanted = [...new Set(members.flatMap((m) => m.topics))];
    const partitionsPerTopic = new Map<string, number>();
    if (wanted.length > 0) {
      const metadata = await this.client.metadata(wanted, { allowAutoCreate: false });
      for (const t of metadata.topics) if (!t.error) partitionsPerTopic.set(t.name, t.partitions.length);
    }
    const result = assignor.assign(members, partitionsPerTopic);
    return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(result.get(m.memberId) ?? []) }));
  }

  /** Hands the assignment to the listener, each partition from its committed offset. */
  private async assign(bytes: Uint8Array): Promise<void> {
    const subscribed = new Set(this.topics);
    const partitions = decodeAssignment(bytes)
      .partitions.filter((t) => subscribed.has(t.topic))
      .flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const committed = partitions.length > 0 ? committedByKey(await this.committedOffsets(partitions)) : new Map<string, number>();
    const start: AssignedPartition[] = partitions.map((tp) => ({ ...tp, offset: committed.get(key(tp)) }));
    this.lastCommitted.clear();
    for (const [k, offset] of committed) this.lastCommitted.set(k, offset);
    this.assigned = partitions;
    try {
      await this.listener!.assigned(start);
    } catch (err) {
      this.settings.onError(err as Error);
    }
    this.settings.onAssigned?.(partitions);
  }

  private async committedOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetchOffsets(this.request, this.settings.groupId, partitions);
      } catch (err) {
        if (!(err instanceof GregorError) || !err.retriable || attempt >= OFFSET_FETCH_ATTEMPTS) throw err;
        await this.sleep(MIN_BACKOFF_MS * attempt);
      }
    }
  }

  // ─── heartbeats, commits, leaving ───────────────────────────────────────────────────

  private identity(): CommitIdentity {
    return { generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.settings.groupInstanceId };
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopped && !this.failed) {
      await this.sleep(this.settings.heartbeatIntervalMs);
      if (this.stopped) return;
      if (this.rejoining) {
        await this.rejoining.catch((err: Error) => this.fail(err));
        continue;
      }
      const generation = this.generationId;
      try {
        await heartbeat(this.request, this.settings.groupId, this.identity(), this.settings.sessionTimeoutMs);
      } catch (err) {
        if (!this.stopped) this.onGroupError(err, generation);
      }
    }
  }

  /**
   * Reacts to a group error of a heartbeat or a commit sent in `generation`: rejoin, report
   * or retry later. Answers about a generation this member already left behind (a rejoin
   * ran meanwhile) are ignored, so one rebalance is not followed by a needless second one.
   */
  private onGroupError(err: unknown, generation: number): void {
    if (this.rejoining || generation !== this.generationId) return;
    if (!(err instanceof GregorError)) return this.fail(err as Error);
    if (err.is('REBALANCE_IN_PROGRESS')) return this.rejoinInBackground(false);
    if (err.is('ILLEGAL_GENERATION')) {
      this.generationId = -1;
      return this.rejoinInBackground(true);
    }
    if (err.is('UNKNOWN_MEMBER_ID')) {
      this.resetMember();
      return this.rejoinInBackground(true);
    }
    // The group moved to another coordinator: rejoining finds out where (and fails if elsewhere).
    if (err.is('NOT_COORDINATOR')) return this.rejoinInBackground(true);
    if (err.retriable) return; // next heartbeat tries again
    this.fail(err);
  }

  private rejoinInBackground(lost: boolean): void {
    this.rebalance(lost).catch((err: Error) => this.fail(err));
  }

  /** A fatal error outside start(): report it; the member stops taking part. */
  private fail(err: Error): void {
    if (this.stopped || this.failed) return;
    this.failed = true;
    this.settings.onError(err);
  }

  private async autoCommitLoop(): Promise<void> {
    while (!this.stopped && !this.failed) {
      await this.sleep(this.settings.autoCommitIntervalMs);
      if (this.stopped || this.rejoining || !this.listener || this.generationId < 0) continue;
      const mine = new Set(this.assigned.map(key));
      const moved = this.listener.positions().filter((p) => mine.has(key(p)) && p.offset >= 0 && this.lastCommitted.get(key(p)) !== p.offset);
      if (moved.length === 0) continue;
      const generation = this.generationId;
      try {
        await this.commitAsMember(moved);
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof GregorError && (err.is('REBALANCE_IN_PROGRESS') || err.is('ILLEGAL_GENERATION') || err.is('UNKNOWN_MEMBER_ID'))) this.onGroupError(err, generation);
        else this.settings.onError(err as Error);
      }
    }
  }

  private async commitAsMember(offsets: TopicPartitionOffset[]): Promise<void> {
    const valid = offsets.filter((o) => o.offset >= 0);
    if (valid.length === 0) return;
    await commitOffsets(this.request, this.settings.groupId, valid, this.identity());
    for (const o of valid) this.lastCommitted.set(key(o), o.offset);
  }

  /** LeaveGroup; true if the coordinator removed this member. */
  private async leave(): Promise<boolean> {
    try {
      await leaveGroup(this.request, this.settings.groupId, this.memberId, null, 'the consumer is closing');
      return true;
    } catch {
      return false; // already gone, or the broker is: the session timeout removes it
    } finally {
      this.resetMember();
    }
  }

  /** Waits `ms`, or less if stop() is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
