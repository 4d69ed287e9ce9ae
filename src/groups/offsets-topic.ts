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
import { type BatchHeader, wholeBatches } from '../storage/batch-header.js';
import { recordsOf, recordsSection } from '../storage/cleaner/batch-filter.js';
import { type ProducerEntry, TRANSACTIONAL_ATTRIBUTE } from '../storage/producer-state.js';
import { CONTROL_FLAG, ControlRecordType, decodeControlRecordKey } from '../transactions/control-batch.js';
import type { PartitionLog } from '../storage/log.js';
import { type LogManager, localLogs } from '../storage/log-manager.js';
import type { LogPosition } from './coordinator-replication.js';

export type { GroupMetadataValue, OffsetCommitValue };

/** The transactional producer a TxnOffsetCommit writes for (its producer id and epoch). */
export interface TxnProducer {
  producerId: number;
  producerEpoch: number;
}

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
   * Appends `records` for `groupId` as one uncompressed batch, so they land atomically; with
   * `producer`, as a transactional batch of that producer (TxnOffsetCommit), its sequence
   * following the producer's last batch on the partition so the log's idempotence checks pass
   * (Kafka appends these with AppendOrigin.COORDINATOR, which skips the sequence check; the
   * epoch check stays: an older epoch is INVALID_PRODUCER_EPOCH).
   * Returns the partition, the batch's base offset and the log end offset after it (what
   * replication must reach before the write is safe on a cluster), or null when there was
   * nothing to write.
   * Errors: whatever the log raises (KafkaError), for the caller to map onto a response.
   */
  append(groupId: string, records: RecordInput[], producer?: TxnProducer): LogPosition | null {
    if (records.length === 0) return null;
    if (!this.partitionCountSource) this.ensureExists();
    const partition = this.partitionOf(groupId);
    const log = this.logs.partition(OFFSETS_TOPIC, partition);
    if (!log) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `${OFFSETS_TOPIC}-${partition} is not on this broker`);
    const epoch = this.leaderEpochOf?.(partition) ?? 0;
    const txn = producer && {
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      baseSequence: nextSequence(log.producerState.entry(producer.producerId), producer.producerEpoch),
      attributes: TRANSACTIONAL_ATTRIBUTE,
    };
    const result = log.append(this.engine.encodeRecordBatch(records, { baseTimestamp: Date.now(), ...txn }), epoch);
    return { partition, baseOffset: result.firstOffset, endOffset: result.lastOffset + 1 };
  }

  /** Cluster mode: the leader epoch to stamp on a partition's batches. */
  leaderEpochOf: ((partition: number) => number) | null = null;

  /**
   * Replays every local partition (or only `partition`) in offset order, calling `apply` for
   * each known record with the batch that holds it, and `onMarker` for each transaction marker
   * (control batch: its producer id and whether it commits).
   */
  load(apply: (record: CoordinatorRecord, batch: BatchHeader) => void, partition?: number, onMarker?: (producerId: number, commit: boolean) => void): number {
    const topic = this.logs.topic(OFFSETS_TOPIC);
    if (!topic) return 0;
    let count = 0;
    const applyKnown = (key: Uint8Array, value: Uint8Array | null, batch: BatchHeader): boolean => {
      const decoded = decodeCoordinatorRecord(key, value);
      if (decoded) apply(decoded, batch);
      return decoded !== null;
    };
    const marker = onMarker && ((batch: BatchHeader, type: number) => onMarker(batch.producerId, type === ControlRecordType.COMMIT));
    for (const log of localLogs(topic)) if (partition === undefined || log.partition === partition) count += replayCoordinatorLog(log, applyKnown, marker);
    return count;
  }
}

/**
 * Replays a coordinator's partition log (`__consumer_offsets`, `__transaction_state`) from its
 * log start in offset order, calling `apply(key, value, batch)` for every keyed record of a
 * data batch; `apply` answers whether it knew the record. A control batch goes to
 * `onMarker(batch, type)` (ControlRecordType of its record's key) if given. Returns how many
 * records `apply` knew. Errors: CORRUPT_MESSAGE, UNSUPPORTED_COMPRESSION_TYPE (KafkaError).
 */
export function replayCoordinatorLog(
  log: PartitionLog,
  apply: (key: Uint8Array, value: Uint8Array | null, batch: BatchHeader) => boolean,
  onMarker?: (batch: BatchHeader, type: number) => void,
): number {
  let offset: number = log.logStartOffset;
  let count = 0;
  while (offset < log.logEndOffset) {
    const { slice } = log.read(offset, LOAD_READ_BYTES);
    if (!slice) break;
    try {
      let next = offset;
      for (const header of wholeBatches(slice.bytes)) {
        next = header.lastOffset + 1;
        if (header.lastOffset < offset) continue;
        const batch = slice.bytes.subarray(header.position, header.position + header.sizeInBytes);
        const control = (header.attributes & CONTROL_FLAG) !== 0;
        if (control && !onMarker) continue;
        for (const record of recordsOf(recordsSection(batch, header), header)) {
          if (control) {
            if (record.key && record.key.byteLength >= 4) onMarker!(header, decodeControlRecordKey(record.key).type);
            break;
          }
          if (record.offset < offset || !record.key) continue;
          if (apply(record.key, record.hasValue ? record.value : null, header)) count++;
        }
      }
      // Advance by whole batches: compaction can drop a batch's last records but keeps its
      // last offset, so the next read must start after the batch, not after its last record.
      if (next <= offset) break;
      offset = next;
    } finally {
      slice.release?.();
    }
  }
  return count;
}

/** The sequence a coordinator's batch for `producerEpoch` continues with, after the producer's last one (0 for a new epoch). */
function nextSequence(entry: ProducerEntry | undefined, producerEpoch: number): number {
  const last = entry && entry.epoch === producerEpoch ? entry.batches.at(-1) : undefined;
  if (!last) return 0;
  return last.lastSeq === 2147483647 ? 0 : last.lastSeq + 1;
}
