/**
 * The group coordinator's log: the internal topic `__consumer_offsets`
 * (`offsets.topic.num.partitions`, default 50), holding Kafka's own record schemas
 * (coordinator-records/*.json):
 *
 *   key   = int16 version + OffsetCommitKey (v0/v1: group, topic, partition)
 *         | int16 version + GroupMetadataKey (v2: group)
 *   value = int16 version + OffsetCommitValue (written at v3) | GroupMetadataValue (v3)
 *         | null (a tombstone: the offset or group was deleted)
 *
 * A group lives in partition `abs(javaHashCode(groupId)) % numPartitions` (Kafka
 * GroupMetadataManager.partitionFor), so every record of one group is in one partition, in
 * order. Loading replays each partition from its log start; the last record per key wins.
 */
import type { Engine, RecordInput } from '../engine/engine.js';
import { decodeGroupMetadataKey, encodeGroupMetadataKey } from '../protocol/generated/coordinator-records/group-metadata-key.js';
import {
  type GroupMetadataValue,
  decodeGroupMetadataValue,
  encodeGroupMetadataValue,
} from '../protocol/generated/coordinator-records/group-metadata-value.js';
import { decodeOffsetCommitKey, encodeOffsetCommitKey } from '../protocol/generated/coordinator-records/offset-commit-key.js';
import {
  type OffsetCommitValue,
  decodeOffsetCommitValue,
  encodeOffsetCommitValue,
} from '../protocol/generated/coordinator-records/offset-commit-value.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { readRecords } from '../protocol/record-batch-reader.js';
import { wholeBatches } from '../storage/batch-header.js';
import type { PartitionLog } from '../storage/log.js';
import { type LogManager, localLogs } from '../storage/log-manager.js';
import type { LogPosition } from './coordinator-replication.js';

export type { GroupMetadataValue, OffsetCommitValue };

export const OFFSETS_TOPIC = '__consumer_offsets';
const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
const OFFSET_COMMIT_VALUE_VERSION = 3;
const GROUP_METADATA_VALUE_VERSION = 3;
/** Bytes read per step when replaying a partition at start-up. */
const LOAD_READ_BYTES = 4 * 1024 * 1024;

/** Java's String.hashCode over UTF-16 code units, as Kafka's partitionFor uses. */
export function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The `__consumer_offsets` partition of a group (Kafka: Utils.abs(hashCode) % n). */
export function partitionFor(groupId: string, numPartitions: number): number {
  return (javaHashCode(groupId) & 0x7fffffff) % numPartitions;
}

function versioned(version: number, encode: (w: Writer) => void): Uint8Array {
  const w = new Writer(64);
  w.writeInt16(version);
  encode(w);
  return w.finishSingle();
}

/** The record for a committed offset (value null: a tombstone). */
export function offsetCommitRecord(group: string, topic: string, partition: number, value: OffsetCommitValue | null): RecordInput {
  return {
    key: versioned(OFFSET_COMMIT_KEY_VERSION, (w) => encodeOffsetCommitKey(w, OFFSET_COMMIT_KEY_VERSION, { group, topic, partition })),
    value: value && versioned(OFFSET_COMMIT_VALUE_VERSION, (w) => encodeOffsetCommitValue(w, OFFSET_COMMIT_VALUE_VERSION, value)),
  };
}

/** The record for a group's metadata (value null: a tombstone). */
export function groupMetadataRecord(group: string, value: GroupMetadataValue | null): RecordInput {
  return {
    key: versioned(GROUP_METADATA_KEY_VERSION, (w) => encodeGroupMetadataKey(w, GROUP_METADATA_KEY_VERSION, { group })),
    value: value && versioned(GROUP_METADATA_VALUE_VERSION, (w) => encodeGroupMetadataValue(w, GROUP_METADATA_VALUE_VERSION, value)),
  };
}

export type CoordinatorRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: OffsetCommitValue | null }
  | { kind: 'group'; group: string; value: GroupMetadataValue | null };

/**
 * Decodes one `__consumer_offsets` record. Returns null for key versions this coordinator
 * does not know (e.g. the new consumer protocol's records), which loading skips.
 * Errors: ProtocolError for a malformed key or value.
 */
export function decodeCoordinatorRecord(key: Uint8Array, value: Uint8Array | null): CoordinatorRecord | null {
  const kr = new Reader(key);
  const keyVersion = kr.readInt16();
  const vr = value ? new Reader(value) : null;
  const valueVersion = vr ? vr.readInt16() : -1;
  if (keyVersion === 0 || keyVersion === 1) {
    const k = decodeOffsetCommitKey(kr, keyVersion);
    return { kind: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: vr ? decodeOffsetCommitValue(vr, valueVersion) : null };
  }
  if (keyVersion === 2) {
    const k = decodeGroupMetadataKey(kr, keyVersion);
    return { kind: 'group', group: k.group, value: vr ? decodeGroupMetadataValue(vr, valueVersion) : null };
  }
  return null;
}

/** Appends coordinator records to the group's partition and replays partitions at start-up. */
export class OffsetsTopic {
  /** Cluster mode: the partition count from the cluster metadata (this broker holds only some). */
  partitionCountSource: (() => number) | null = null;

  constructor(
    private readonly logs: LogManager,
    private readonly engine: Engine,
    readonly numPartitions: number,
  ) {}

  /** Creates `__consumer_offsets` if it does not exist yet. */
  ensureExists(): void {
    if (!this.logs.topic(OFFSETS_TOPIC)) this.logs.createTopic(OFFSETS_TOPIC, this.numPartitions);
  }

  /** The partition count the topic really has (an existing topic keeps its own). */
  get partitionCount(): number {
    if (this.partitionCountSource) return this.partitionCountSource();
    return this.logs.topic(OFFSETS_TOPIC)?.partitions.length ?? this.numPartitions;
  }

  partitionOf(groupId: string): number {
    return partitionFor(groupId, this.partitionCount);
  }

  /**
   * Appends `records` for `groupId` as one uncompressed batch, so they land atomically.
   * Returns the partition and the log end offset after the batch (what replication must
   * reach before the write is safe on a cluster), or null when there was nothing to write.
   * Errors: whatever the log raises (KafkaError), for the caller to map onto a response.
   */
  append(groupId: string, records: RecordInput[]): LogPosition | null {
    if (records.length === 0) return null;
    if (!this.partitionCountSource) this.ensureExists();
    const partition = this.partitionOf(groupId);
    const log = this.logs.partition(OFFSETS_TOPIC, partition);
    if (!log) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `${OFFSETS_TOPIC}-${partition} is not on this broker`);
    const epoch = this.leaderEpochOf?.(partition) ?? 0;
    const result = log.append(this.engine.encodeRecordBatch(records, { baseTimestamp: Date.now() }), epoch);
    return { partition, endOffset: result.lastOffset + 1 };
  }

  /** Cluster mode: the leader epoch to stamp on a partition's batches. */
  leaderEpochOf: ((partition: number) => number) | null = null;

  /** Replays every local partition (or only `partition`) in offset order, calling `apply` for each known record. */
  load(apply: (record: CoordinatorRecord) => void, partition?: number): number {
    const topic = this.logs.topic(OFFSETS_TOPIC);
    if (!topic) return 0;
    let count = 0;
    const applyKnown = (key: Uint8Array, value: Uint8Array | null): boolean => {
      const decoded = decodeCoordinatorRecord(key, value);
      if (decoded) apply(decoded);
      return decoded !== null;
    };
    for (const log of localLogs(topic)) if (partition === undefined || log.partition === partition) count += replayCoordinatorLog(log, applyKnown);
    return count;
  }
}

/**
 * Replays a coordinator's partition log (`__consumer_offsets`, `__transaction_state`) from its
 * log start in offset order, calling `apply(key, value)` for every keyed record (control
 * batches are skipped); `apply` answers whether it knew the record. Returns how many it knew.
 */
export function replayCoordinatorLog(log: PartitionLog, apply: (key: Uint8Array, value: Uint8Array | null) => boolean): number {
  let offset: number = log.logStartOffset;
  let count = 0;
  while (offset < log.logEndOffset) {
    const { slice } = log.read(offset, LOAD_READ_BYTES);
    if (!slice) break;
    try {
      for (const record of readRecords(slice.bytes)) {
        if (record.offset < offset || !record.key) continue;
        if (apply(record.key, record.value)) count++;
      }
      // Advance by whole batches: compaction can drop a batch's last records but keeps its
      // last offset, so the next read must start after the batch, not after its last record.
      const next = lastOffsetOfBatches(slice.bytes) + 1;
      if (next <= offset) break;
      offset = next;
    } finally {
      slice.release?.();
    }
  }
  return count;
}

/** The last offset of the last whole batch in `bytes` (batch header: baseOffset + lastOffsetDelta). */
function lastOffsetOfBatches(bytes: Uint8Array): number {
  let last = -1;
  for (const header of wholeBatches(bytes)) last = header.lastOffset;
  return last;
}
