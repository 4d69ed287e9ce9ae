/**
 * The settings a partition log runs with, by their Kafka topic / broker property names
 * (docs/configuration.html "Topic Configs"), and the options of its opening. The log manager
 * builds one LogConfig per topic from its settings and shares it, live, with the topic's logs.
 */
import type { AuditTable } from '../engine/audit-table.js';
import type { SegmentOptions } from './log-segment.js';

/**
 * The end-to-end audit's hook in appends (src/audit/broker-tier.ts, issue 15). Leader appends
 * are synchronous on the main thread, so one hook serves every partition: the validation walk
 * fills `table` batch by batch (onBatch after each), then the append commits or discards them.
 */
export interface AppendAudit {
  readonly table: AuditTable;
  /** After each valid batch of a leader append's walk: the batch's runs are in `table`. */
  onBatch(): void;
  /** The batches walked since the last commit/discard were written at [firstOffset, lastOffset]. */
  commit(topic: string, partition: number, firstOffset: number, lastOffset: number): void;
  /** Forgets the batches walked since the last commit/discard (a failed append, a retry's duplicate). */
  discard(): void;
  /** A follower appended `bytes` (whole batches, as the leader wrote them). */
  followerAppended(topic: string, partition: number, bytes: Uint8Array): void;
}

export interface LogConfig extends SegmentOptions {
  /** `log.segment.bytes` */
  segmentBytes: number;
  /** `log.roll.ms` */
  rollMs: number;
  /** `message.max.bytes` */
  maxBatchBytes: number;
  /** `log.flush.interval.messages` */
  flushIntervalMessages: number;
  /** cleanup.policy has `compact`: every record must have a key (Kafka LogValidator). */
  compacted?: boolean;
  /** Topic config `audit.enable` (default true; the audit runs only with `gregor.audit.enable`). */
  auditEnable?: boolean;
  /** The broker's audit hook when `gregor.audit.enable` is on, else null/absent. */
  audit?: AppendAudit | null;
}

export interface PartitionLogOptions {
  /** The log start offset from the checkpoint (clamped to [first segment base, LEO]). */
  logStartOffset?: number;
}
