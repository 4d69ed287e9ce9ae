/**
 * The transaction coordinator's table of transactional ids and its log (Kafka
 * TransactionStateManager): which `__transaction_state` partitions this broker coordinates,
 * the metadata of their ids (replayed from the partition's log when this broker becomes its
 * leader, or at start-up on a single broker), and the one way a change reaches the log —
 * `write`: one record through the one produce path (ReplicaManager.appendRecords, acks=all)
 * that resolves once the partition's in-sync replicas have it, before the caller applies it.
 *
 * Lookup errors (Kafka's): NOT_COORDINATOR (this broker does not lead the id's partition, or
 * the topic does not exist yet), COORDINATOR_LOAD_IN_PROGRESS (the partition is being replayed).
 * Write errors: the append's error mapped as the group coordinator's writes are
 * (appendErrorToResponseError: NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, UNKNOWN_SERVER_ERROR).
 * Source: Kafka TransactionStateManager.scala; design.html "Using Transactions".
 */
import type { Logger } from 'pino';
import type { BrokerServices } from '../broker-services.js';
import { appendErrorToResponseError } from '../groups/coordinator-replication.js';
import { partitionFor, replayCoordinatorLog } from '../groups/offsets-topic.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { TRANSACTION_STATE_TOPIC, decodeTransactionRecord, transactionRecord } from './transaction-log.js';
import { TransactionMetadata, type TxnTransit } from './transaction-metadata.js';

/** How long a `__transaction_state` write waits for its in-sync replicas (ms; Kafka: request.timeout.ms-bounded). */
const WRITE_TIMEOUT_MS = 5_000;

/** What the state manager uses of the broker. */
export type StateManagerHost = Pick<BrokerServices, 'config' | 'engine' | 'logs' | 'replicas' | 'metadata'>;

export type Lookup = { errorCode: number; txn: null } | { errorCode: 0; txn: TransactionMetadata };

export class TransactionStateManager {
  private readonly txns = new Map<string, TransactionMetadata>();
  /** Cluster mode: the partitions this broker leads (null on a single broker: all of them). */
  private owned: Set<number> | null = null;
  private readonly loading = new Set<number>();

  constructor(
    private readonly host: StateManagerHost,
    private readonly logger: Logger,
  ) {}

  /** Cluster mode: coordinate only the partitions this broker leads (onBecomeLeader / onResign). */
  enableClusterMode(): void {
    this.owned = new Set();
  }

  get isClusterMode(): boolean {
    return this.owned !== null;
  }

  /** `__transaction_state`'s partition count (the topic's own; the configured count before it exists). */
  get partitionCount(): number {
    return this.host.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitionCount ?? this.host.config.transactionStateLogNumPartitions;
  }

  /** The `__transaction_state` partition of `transactionalId` (Kafka: Utils.abs(hashCode) % partitions). */
  partitionFor(transactionalId: string): number {
    return partitionFor(transactionalId, this.partitionCount);
  }

  /** The coordinator epoch markers carry: the leader epoch of the id's partition here. */
  coordinatorEpochFor(transactionalId: string): number {
    return this.host.replicas.replica(TRANSACTION_STATE_TOPIC, this.partitionFor(transactionalId))?.leaderEpoch ?? 0;
  }

  /** True while this broker coordinates the id's partition (and it is loaded). */
  owns(transactionalId: string): boolean {
    return this.ownershipError(this.partitionFor(transactionalId)) === ErrorCode.NONE;
  }

  private ownershipError(partition: number): number {
    if (!this.host.metadata.topic(TRANSACTION_STATE_TOPIC)) return ErrorCode.NOT_COORDINATOR;
    if (this.loading.has(partition)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.owned !== null && !this.owned.has(partition)) return ErrorCode.NOT_COORDINATOR;
    if (this.owned === null && !this.host.logs.partition(TRANSACTION_STATE_TOPIC, partition)) return ErrorCode.NOT_COORDINATOR;
    return ErrorCode.NONE;
  }

  /** The id's metadata, or why not: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, or NONE with txn null (unknown id). */
  get(transactionalId: string): { errorCode: number; txn: TransactionMetadata | null } {
    const errorCode = this.ownershipError(this.partitionFor(transactionalId));
    if (errorCode !== ErrorCode.NONE) return { errorCode, txn: null };
    return { errorCode, txn: this.txns.get(transactionalId) ?? null };
  }

  /** Adds metadata for a new id (InitProducerId); the caller writes its first transition. */
  put(txn: TransactionMetadata): TransactionMetadata {
    this.txns.set(txn.transactionalId, txn);
    return txn;
  }

  /** Forgets an id (its tombstone is written, or its first write failed). */
  remove(transactionalId: string): void {
    this.txns.delete(transactionalId);
  }

  /** Every id this broker coordinates now. */
  all(): TransactionMetadata[] {
    return [...this.txns.values()].filter((t) => this.ownershipError(this.partitionFor(t.transactionalId)) === ErrorCode.NONE);
  }

  /**
   * Writes `next` (null: a tombstone) for `transactionalId` to its `__transaction_state`
   * partition with acks=all. Resolves with NONE once the in-sync replicas have it, else the
   * client's error (appendErrorToResponseError). Never rejects.
   */
  async write(transactionalId: string, next: TxnTransit | null): Promise<number> {
    const partition = this.partitionFor(transactionalId);
    const ownership = this.ownershipError(partition);
    if (ownership !== ErrorCode.NONE) return ownership;
    try {
      const batch = this.host.engine.encodeRecordBatch([transactionRecord(transactionalId, next)], { baseTimestamp: Date.now() });
      const { errorCode } = await this.host.replicas.appendRecords(TRANSACTION_STATE_TOPIC, partition, batch, { acks: -1, timeoutMs: WRITE_TIMEOUT_MS });
      if (errorCode !== ErrorCode.NONE) this.logger.warn({ transactionalId, partition, errorCode }, `writing to ${TRANSACTION_STATE_TOPIC} failed`);
      return appendErrorToResponseError(errorCode);
    } catch (err) {
      this.logger.warn({ transactionalId, partition, err: (err as Error).message }, `appending to ${TRANSACTION_STATE_TOPIC} failed`);
      return appendErrorToResponseError(err instanceof KafkaError ? err.code : ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  /**
   * Replays partition `partition` of `__transaction_state` (all local ones when undefined)
   * into the table; returns the loaded ids. The last record per id wins; a tombstone removes it.
   */
  load(partition?: number): TransactionMetadata[] {
    const topic = this.host.logs.topic(TRANSACTION_STATE_TOPIC);
    if (!topic) return [];
    const loaded = new Map<string, TransactionMetadata>();
    for (let p = 0; p < topic.partitions.length; p++) {
      if (partition !== undefined && p !== partition) continue;
      const log = this.host.logs.partition(TRANSACTION_STATE_TOPIC, p);
      if (!log) continue;
      this.loading.add(p);
      try {
        replayCoordinatorLog(log, (key, value) => {
          const record = decodeTransactionRecord(key, value);
          if (!record) return false;
          if (record.txn) loaded.set(record.transactionalId, new TransactionMetadata(record.transactionalId, record.txn));
          else loaded.delete(record.transactionalId);
          return true;
        });
      } finally {
        this.loading.delete(p);
      }
    }
    for (const txn of loaded.values()) this.txns.set(txn.transactionalId, txn);
    this.logger.info({ partition, transactionalIds: loaded.size }, `loaded ${TRANSACTION_STATE_TOPIC}`);
    return [...loaded.values()];
  }

  /** This broker now leads `partition`: it is ours once replayed. Returns the loaded ids. */
  becomeLeader(partition: number): TransactionMetadata[] {
    if (this.owned === null) return [];
    this.owned.add(partition);
    return this.load(partition);
  }

  /** Leadership of `partition` moved away: its ids are no longer ours (NOT_COORDINATOR). */
  resign(partition: number): void {
    if (this.owned === null || !this.owned.delete(partition)) return;
    for (const id of [...this.txns.keys()]) if (this.partitionFor(id) === partition) this.txns.delete(id);
    this.logger.info({ partition }, 'resigned as transaction coordinator');
  }
}
