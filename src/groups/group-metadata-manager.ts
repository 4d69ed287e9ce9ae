/**
 * The coordinator's table of groups and its `__consumer_offsets` partitions (Kafka
 * GroupMetadataManager, core/.../coordinator/group): which groups this broker coordinates
 * (the partitions it leads in a cluster, all of them on a single broker), their loading by
 * replay of `__consumer_offsets` when it becomes leader (or at start-up), and every write of
 * coordinator records — group metadata and offset commits — with the wait for the in-sync
 * replicas before a client is answered (coordinator-replication.ts).
 * Source: design.html "Consumer Offset Tracking"; Kafka GroupMetadataManager.loadGroupsAndOffsets,
 * storeGroup, appendForGroup.
 */
import type { Logger } from 'pino';
import type { Engine, RecordInput } from '../engine/engine.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { LogManager } from '../storage/log-manager.js';
import { type AwaitReplication, type LogPosition, REPLICATED_AT_ONCE, appendErrorToResponseError } from './coordinator-replication.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import { type CommittedOffset, Group, type Member, isLegalGroupId, offsetKey } from './group.js';
import { type GroupMetadataValue, OFFSETS_TOPIC, OffsetsTopic, type TxnProducer, groupMetadataRecord, offsetCommitRecord } from './offsets-topic.js';
import { TRANSACTIONAL_ATTRIBUTE } from '../storage/producer-state.js';

export class GroupMetadataManager {
  /** The groups this broker coordinates, by group id. */
  private readonly groups = new Map<string, Group>();
  private readonly offsetsTopic: OffsetsTopic;
  /**
   * Cluster mode: the `__consumer_offsets` partitions this broker leads, whose groups it
   * coordinates (null on a single broker: all of them).
   */
  private owned: Set<number> | null = null;
  /** Waits for a write to reach the in-sync replicas (a single broker: at once). */
  private awaitReplication: AwaitReplication = REPLICATED_AT_ONCE;

  constructor(
    logs: LogManager,
    engine: Engine,
    private readonly config: GroupCoordinatorConfig,
    private readonly logger: Logger,
  ) {
    this.offsetsTopic = new OffsetsTopic(logs, engine, config.offsetsTopicNumPartitions);
  }

  /** See GroupCoordinator.enableClusterMode. */
  enableClusterMode(partitionCount: () => number, leaderEpochOf: (partition: number) => number, awaitReplication: AwaitReplication): void {
    this.owned = new Set();
    this.awaitReplication = awaitReplication;
    this.offsetsTopic.partitionCountSource = partitionCount;
    this.offsetsTopic.leaderEpochOf = leaderEpochOf;
  }

  /** True on a single broker, which coordinates every group and loads them all at start. */
  get ownsAllPartitions(): boolean {
    return this.owned === null;
  }

  /** Cluster mode: `partition` is now led here. False on a single broker (nothing to do). */
  addOwnedPartition(partition: number): boolean {
    if (this.owned === null) return false;
    this.owned.add(partition);
    return true;
  }

  /** Cluster mode: `partition` is no longer led here. False if it was not ours (or single broker). */
  removeOwnedPartition(partition: number): boolean {
    return this.owned !== null && this.owned.delete(partition);
  }

  /** True if this broker coordinates `groupId` (else requests get NOT_COORDINATOR). */
  isCoordinatorFor(groupId: string): boolean {
    return this.owned === null || this.owned.has(this.partitionFor(groupId));
  }

  /**
   * The error every group request checks first, in Kafka's order: INVALID_GROUP_ID (empty
   * id), NOT_COORDINATOR (another broker coordinates it), else NONE.
   */
  requestError(groupId: string): number {
    if (!isLegalGroupId(groupId)) return ErrorCode.INVALID_GROUP_ID;
    if (!this.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  /** The `__consumer_offsets` partition coordinating `groupId`. */
  partitionFor(groupId: string): number {
    return this.offsetsTopic.partitionOf(groupId);
  }

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  getOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Every group held (a copy: callers may remove groups while iterating). */
  all(): Group[] {
    return [...this.groups.values()];
  }

  /** The groups coordinated through `__consumer_offsets` partition `partition`. */
  groupsIn(partition: number): Group[] {
    return this.all().filter((group) => this.partitionFor(group.groupId) === partition);
  }

  /** Forgets `groupId` (resignation; the caller has answered its members and stopped its timers). */
  unload(groupId: string): void {
    this.groups.delete(groupId);
  }

  /**
   * Replays one partition of `__consumer_offsets` (or all) into groups: the last GroupMetadata
   * record of each group and its committed offsets, tombstones removing. Offsets in a
   * transactional batch are held per producer until that producer's marker: COMMIT applies
   * them (unless a commit appended later is there), ABORT drops them; those with no marker yet
   * stay pending in their group (Kafka GroupMetadataManager.doLoadGroupsAndOffsets).
   * `onMemberRestored` sees every member of a restored group (the coordinator arms its session timer).
   */
  loadGroups(partition: number | undefined, onMemberRestored: (group: Group, member: Member) => void): void {
    const metadata = new Map<string, GroupMetadataValue>();
    /** producer id → group id → "topic\0partition" → offset (null: a tombstone). */
    const pending = new Map<number, Map<string, Map<string, CommittedOffset | null>>>();
    const loaded = this.offsetsTopic.load(
      (record, batch) => {
        if (record.kind === 'group') {
          if (record.value) metadata.set(record.group, record.value);
          else {
            metadata.delete(record.group);
            this.groups.delete(record.group);
          }
          return;
        }
        const key = offsetKey(record.topic, record.partition);
        const v = record.value;
        const offset = v && { topic: record.topic, partition: record.partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp, appendOffset: batch.baseOffset };
        if ((batch.attributes & TRANSACTIONAL_ATTRIBUTE) !== 0 && batch.producerId >= 0) {
          const byGroup = pending.get(batch.producerId) ?? new Map<string, Map<string, CommittedOffset | null>>();
          pending.set(batch.producerId, byGroup);
          const offsets = byGroup.get(record.group) ?? new Map<string, CommittedOffset | null>();
          byGroup.set(record.group, offsets);
          offsets.set(key, offset);
          return;
        }
        const group = this.getOrCreate(record.group);
        if (offset) group.offsets.set(key, offset);
        else group.offsets.delete(key);
      },
      partition,
      (producerId, commit) => {
        const byGroup = pending.get(producerId);
        if (!byGroup) return;
        pending.delete(producerId);
        if (!commit) return;
        for (const [groupId, offsets] of byGroup) {
          const group = this.getOrCreate(groupId);
          for (const [key, offset] of offsets) {
            if (!offset) continue;
            const current = group.offsets.get(key);
            if (!current || (current.appendOffset ?? -1) < (offset.appendOffset ?? -1)) group.offsets.set(key, offset);
          }
        }
      },
    );
    for (const [producerId, byGroup] of pending) {
      for (const [groupId, offsets] of byGroup) for (const [key, offset] of offsets) this.getOrCreate(groupId).pendingTxnOffsets.put(producerId, key, offset);
    }
    for (const [groupId, value] of metadata) this.restoreGroup(groupId, value, onMemberRestored);
    this.logger.info({ records: loaded, groups: this.groups.size, pendingTransactions: pending.size, partition }, 'loaded consumer groups and offsets');
  }

  /** A group from its last GroupMetadata record: Stable with its members, or Empty. */
  private restoreGroup(groupId: string, value: GroupMetadataValue, onMemberRestored: (group: Group, member: Member) => void): void {
    const group = this.getOrCreate(groupId);
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
      onMemberRestored(group, member);
    }
    group.leaderId = value.leader;
    group.transition(value.members.length > 0 ? 'Stable' : 'Empty');
    if (value.currentStateTimestamp > 0) group.stateTimestamp = value.currentStateTimestamp;
  }

  /**
   * Appends coordinator records for a request that answers a client: resolves once the
   * in-sync replicas of the group's `__consumer_offsets` partition have them, with NONE or the
   * client's error: `toResponseError` of the append's or the wait's error code (an append that
   * fails other than with a KafkaError: COORDINATOR_NOT_AVAILABLE). Never rejects.
   * With `options.producer`, the records are a transactional batch of that producer
   * (TxnOffsetCommit); `options.onAppend` learns the batch's base offset once it is in the log.
   */
  writeAnswered(groupId: string, records: RecordInput[], toResponseError = appendErrorToResponseError, options: { producer?: TxnProducer; onAppend?: (baseOffset: number) => void } = {}): Promise<number> {
    let at: LogPosition | null;
    try {
      at = this.offsetsTopic.append(groupId, records, options.producer);
    } catch (err) {
      if (err instanceof KafkaError) this.logger.warn({ group: groupId, errorCode: err.code, reason: err.message }, `appending to ${OFFSETS_TOPIC} failed`);
      else this.logger.error({ err, group: groupId }, `appending to ${OFFSETS_TOPIC} failed`);
      return Promise.resolve(toResponseError(err instanceof KafkaError ? err.code : ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
    if (!at) return Promise.resolve(ErrorCode.NONE);
    if (at.baseOffset !== undefined) options.onAppend?.(at.baseOffset);
    return this.awaitReplication(at.partition, at.endOffset, this.config.offsetsCommitTimeoutMs).then(toResponseError, () => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  /** Appends coordinator records no client waits for (expiry, a group left empty); logs a failure. */
  writeUnanswered(groupId: string, records: RecordInput[], what: string): void {
    void this.writeAnswered(groupId, records).then((errorCode) => {
      if (errorCode !== ErrorCode.NONE) this.logger.warn({ group: groupId, errorCode }, `writing ${what} failed`);
    });
  }

  /** The group's metadata record (generation, leader, members, assignments). */
  groupMetadata(group: Group): RecordInput {
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

  /** Drops the group (Dead); returns the tombstones of its offsets and metadata, for the caller to write. */
  removeGroup(group: Group): RecordInput[] {
    const records = [...group.offsets.values()].map((o) => offsetCommitRecord(group.groupId, o.topic, o.partition, null));
    records.push(groupMetadataRecord(group.groupId, null));
    group.pendingTxnOffsets.clear();
    group.transition('Dead');
    this.groups.delete(group.groupId);
    this.logger.info({ group: group.groupId }, 'group deleted');
    return records;
  }
}
