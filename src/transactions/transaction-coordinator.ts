/**
 * The transaction coordinator (KIP-98), beside the group coordinator: InitProducerId with a
 * transactional id, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn drive each id's state
 * machine (transaction-state.ts); every change is written to `__transaction_state` before it
 * is applied and answered (TransactionStateManager.write). EndTxn logs PrepareCommit /
 * PrepareAbort and answers; the markers are then written on every partition of the
 * transaction (TxnMarkerWriter) and CompleteCommit / CompleteAbort logged. A coordinator that
 * loads a Prepare* state finishes it the same way. Transactions older than their timeout are
 * aborted (epoch bumped: the producer is fenced), idle ids expire.
 *
 * Errors (Kafka's, per request): INVALID_REQUEST (empty transactional id),
 * INVALID_TRANSACTION_TIMEOUT, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
 * CONCURRENT_TRANSACTIONS (a change or markers in flight), INVALID_PRODUCER_ID_MAPPING,
 * PRODUCER_FENCED (the handlers answer INVALID_PRODUCER_EPOCH to versions before KIP-588),
 * INVALID_TXN_STATE, and the write errors of the state manager.
 * Source: Kafka TransactionCoordinator.scala, TransactionMetadata.scala; KIP-98, KIP-360, KIP-588.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.js';
import { ControlRecordType } from './control-batch.js';
import { MAX_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, type TopicPartition, TransactionMetadata, type TxnTransit, withPartitions } from './transaction-metadata.js';
import type { StateManagerHost, TransactionStateManager } from './transaction-state-manager.js';
import { TransactionState, isCompleting } from './transaction-state.js';
import type { TxnMarkerWriter } from './txn-marker-writer.js';

const S = TransactionState;

/** What the coordinator uses of the broker besides the state manager and marker writer. */
export type CoordinatorHost = StateManagerHost & { readonly producerIds: { nextId(): Promise<number> } };

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

const failed = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

export class TransactionCoordinator {
  private abortTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly host: CoordinatorHost,
    readonly stateManager: TransactionStateManager,
    private readonly markers: TxnMarkerWriter,
    private readonly logger: Logger,
  ) {}

  /** Loads every local partition (a single broker) and starts the timeout and expiry checks. */
  start(): void {
    if (!this.stateManager.isClusterMode) this.completeLoaded(this.stateManager.load());
    const { transactionAbortTimedOutTransactionCleanupIntervalMs: abortMs, transactionRemoveExpiredTransactionCleanupIntervalMs: expiryMs } = this.host.config;
    this.abortTimer = setInterval(() => this.abortTimedOutTransactions(), abortMs);
    this.abortTimer.unref();
    this.expiryTimer = setInterval(() => void this.expireTransactionalIds(), expiryMs);
    this.expiryTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.abortTimer) clearInterval(this.abortTimer);
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.markers.stop();
  }

  /** This broker now leads `__transaction_state` partition `partition`: load it, finish its Prepare* states. */
  onBecomeLeader(partition: number): void {
    this.completeLoaded(this.stateManager.becomeLeader(partition));
  }

  onResign(partition: number): void {
    this.stateManager.resign(partition);
  }

  // ── InitProducerId ───────────────────────────────────────────────────────────────────

  /**
   * InitProducerId for `transactionalId` (KIP-98; KIP-360 when `expectedProducerId` ≥ 0):
   * a new id gets a producer id at epoch 0; a known one gets its epoch bumped (a new producer
   * id when the epoch is exhausted), which fences the previous incarnation. An Ongoing
   * transaction of that incarnation is aborted first: the answer is CONCURRENT_TRANSACTIONS
   * until the abort completes, and the client retries.
   * Errors: INVALID_REQUEST, INVALID_TRANSACTION_TIMEOUT (≤ 0 or above
   * `transaction.max.timeout.ms`), NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
   * CONCURRENT_TRANSACTIONS, PRODUCER_FENCED (KIP-360 producer id/epoch not the current
   * or previous one), the write's errors.
   */
  async initProducerId(transactionalId: string, txnTimeoutMs: number, expectedProducerId = NO_PRODUCER_ID, expectedEpoch = NO_PRODUCER_EPOCH): Promise<InitProducerIdResult> {
    if (transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    if (txnTimeoutMs <= 0 || txnTimeoutMs > this.host.config.transactionMaxTimeoutMs) return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let lookup = this.stateManager.get(transactionalId);
    if (lookup.errorCode !== ErrorCode.NONE) return failed(lookup.errorCode);
    // A new id, or an exhausted epoch, needs a fresh producer id: reserved first (it may wait
    // for a block), then the id looked up again, since another request may have changed it.
    let freshProducerId = NO_PRODUCER_ID;
    if (!lookup.txn || lookup.txn.producerEpoch >= MAX_PRODUCER_EPOCH - 1) {
      try {
        freshProducerId = await this.host.producerIds.nextId();
      } catch (err) {
        this.logger.warn({ err, transactionalId }, 'no producer id block could be reserved');
        return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
      lookup = this.stateManager.get(transactionalId);
      if (lookup.errorCode !== ErrorCode.NONE) return failed(lookup.errorCode);
    }
    const now = Date.now();
    let txn = lookup.txn;
    let created = false;
    if (!txn) {
      if (freshProducerId === NO_PRODUCER_ID) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      txn = this.stateManager.put(
        new TransactionMetadata(transactionalId, {
          producerId: freshProducerId,
          previousProducerId: NO_PRODUCER_ID,
          nextProducerId: NO_PRODUCER_ID,
          producerEpoch: NO_PRODUCER_EPOCH,
          lastProducerEpoch: NO_PRODUCER_EPOCH,
          txnTimeoutMs,
          state: S.Empty,
          partitions: [],
          txnStartTimestamp: -1,
          txnLastUpdateTimestamp: now,
        }),
      );
      created = true;
    }
    if (txn.pending) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (!created && expectedProducerId !== NO_PRODUCER_ID && !isValidProducerIdAndEpoch(txn, expectedProducerId, expectedEpoch)) return failed(ErrorCode.PRODUCER_FENCED);
    switch (txn.state) {
      case S.PrepareCommit:
      case S.PrepareAbort:
      case S.PrepareEpochFence:
      case S.Dead:
        return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      case S.Ongoing:
        // Fence the previous incarnation and abort its transaction; the client retries.
        void this.abortWithFencing(txn, 'a new producer incarnation');
        return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      default:
        break;
    }
    // A retry of a bump that already happened (KIP-360): the same answer, no new write.
    if (expectedProducerId !== NO_PRODUCER_ID && expectedProducerId === txn.producerId && expectedEpoch === txn.lastProducerEpoch && !created) {
      return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
    }
    const next = txn.snapshot();
    next.state = S.Empty;
    next.partitions = [];
    next.txnStartTimestamp = -1;
    next.txnLastUpdateTimestamp = now;
    next.txnTimeoutMs = txnTimeoutMs;
    if (txn.producerEpoch >= MAX_PRODUCER_EPOCH - 1) {
      // Epoch exhausted: a new producer id at epoch 0 (Kafka prepareProducerIdRotation).
      next.previousProducerId = txn.producerId;
      if (freshProducerId === NO_PRODUCER_ID) return failed(ErrorCode.CONCURRENT_TRANSACTIONS); // exhausted since the first look: retry
      next.producerId = freshProducerId;
      next.producerEpoch = 0;
      next.lastProducerEpoch = NO_PRODUCER_EPOCH;
    } else {
      next.lastProducerEpoch = txn.producerEpoch;
      next.producerEpoch = txn.producerEpoch + 1;
    }
    const errorCode = await this.transition(txn, next);
    if (errorCode !== ErrorCode.NONE) {
      if (created) this.stateManager.remove(transactionalId);
      return failed(errorCode);
    }
    this.logger.info({ transactionalId, producerId: txn.producerId, producerEpoch: txn.producerEpoch }, 'transactional producer initialized');
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  }

  // ── AddPartitionsToTxn / AddOffsetsToTxn ─────────────────────────────────────────────

  /**
   * Adds `partitions` to the id's transaction (Empty/Complete* → Ongoing, the transaction's
   * start time set). Partitions already in an Ongoing transaction need no write.
   * Errors: INVALID_REQUEST, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
   * INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS (a change in flight,
   * or the previous transaction completing), the write's errors.
   */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    const checked = this.checkProducer(transactionalId, producerId, producerEpoch);
    if (typeof checked === 'number') return checked;
    const txn = checked;
    if (isCompleting(txn.state) || txn.state === S.Dead) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (txn.state === S.Ongoing && partitions.every((tp) => txn.hasPartition(tp))) return ErrorCode.NONE;
    const now = Date.now();
    const next = txn.snapshot();
    if (txn.state !== S.Ongoing) {
      next.partitions = [];
      next.txnStartTimestamp = now;
    }
    next.state = S.Ongoing;
    next.partitions = withPartitions(next.partitions, partitions);
    next.txnLastUpdateTimestamp = now;
    return this.transition(txn, next);
  }

  // ── EndTxn ───────────────────────────────────────────────────────────────────────────

  /**
   * Ends the id's Ongoing transaction: logs PrepareCommit or PrepareAbort and answers NONE;
   * the markers and Complete* follow. A retry of a completed end answers NONE again.
   * Errors: INVALID_REQUEST, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
   * INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS (the same end in
   * progress), INVALID_TXN_STATE (no transaction, or the opposite end), the write's errors.
   */
  async endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<number> {
    const checked = this.checkProducer(transactionalId, producerId, producerEpoch);
    if (typeof checked === 'number') return checked;
    const txn = checked;
    switch (txn.state) {
      case S.Ongoing:
        break;
      case S.CompleteCommit:
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case S.CompleteAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case S.PrepareCommit:
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case S.PrepareAbort:
      case S.PrepareEpochFence:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
    return this.prepareAndComplete(txn, commit ? S.PrepareCommit : S.PrepareAbort, producerEpoch);
  }

  // ── DescribeTransactions / ListTransactions ──────────────────────────────────────────

  /** The id's metadata for DescribeTransactions, or its error: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, TRANSACTIONAL_ID_NOT_FOUND. */
  describe(transactionalId: string): { errorCode: number; txn: TransactionMetadata | null } {
    const { errorCode, txn } = this.stateManager.get(transactionalId);
    if (errorCode !== ErrorCode.NONE) return { errorCode, txn: null };
    if (!txn || txn.state === S.Dead) return { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, txn: null };
    return { errorCode, txn };
  }

  /**
   * AddPartitionsToTxn v4 `verifyOnly` (KIP-890): is each of `partitions` in the id's ongoing
   * transaction, for this producer id and epoch? Adds nothing. Returns one code per partition
   * (in order): NONE, or INVALID_TXN_STATE (not in the transaction); for the whole id:
   * NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, INVALID_REQUEST (empty id),
   * INVALID_PRODUCER_ID_MAPPING (unknown id, another producer id), PRODUCER_FENCED (another
   * epoch), CONCURRENT_TRANSACTIONS (the transaction is completing).
   * Source: Kafka TransactionCoordinator.handleVerifyPartitionsInTransaction.
   */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    const all = (code: number) => partitions.map(() => code);
    if (transactionalId === '') return all(ErrorCode.INVALID_REQUEST);
    const { errorCode, txn } = this.stateManager.get(transactionalId);
    if (errorCode !== ErrorCode.NONE) return all(errorCode);
    if (!txn || txn.state === S.Dead || txn.producerId !== producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (txn.producerEpoch !== producerEpoch) return all(ErrorCode.PRODUCER_FENCED);
    if (txn.state === S.PrepareCommit || txn.state === S.PrepareAbort) return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    return partitions.map((tp) => (txn.hasPartition(tp) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE));
  }

  /** Every id this broker coordinates (ListTransactions filters them). */
  list(): TransactionMetadata[] {
    return this.stateManager.all().filter((t) => t.state !== S.Dead);
  }

  // ── Internals ────────────────────────────────────────────────────────────────────────

  /** The checks every request of an existing producer passes; the metadata, or the error code. */
  private checkProducer(transactionalId: string, producerId: number, producerEpoch: number): TransactionMetadata | number {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const { errorCode, txn } = this.stateManager.get(transactionalId);
    if (errorCode !== ErrorCode.NONE) return errorCode;
    if (!txn || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (txn.pending) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return txn;
  }

  /** Writes `next`, then applies it (a failed write changes nothing). Resolves with the write's error code. */
  private async transition(txn: TransactionMetadata, next: TxnTransit): Promise<number> {
    txn.prepare(next);
    const errorCode = await this.stateManager.write(txn.transactionalId, next);
    if (errorCode === ErrorCode.NONE && txn.pending === next) txn.apply(next);
    else txn.abandon();
    return errorCode;
  }

  /**
   * Logs Prepare* (`state`) at `epoch`, then — without the caller waiting — writes the markers
   * and logs Complete*. Resolves with the Prepare* write's error code.
   */
  private async prepareAndComplete(txn: TransactionMetadata, state: TransactionState.PrepareCommit | TransactionState.PrepareAbort, epoch: number): Promise<number> {
    const next = txn.snapshot();
    next.state = state;
    // An epoch fence is no bump a client asked for: no KIP-360 retry may return it (Kafka clears lastProducerEpoch).
    if (epoch !== txn.producerEpoch) next.lastProducerEpoch = NO_PRODUCER_EPOCH;
    next.producerEpoch = epoch;
    next.txnLastUpdateTimestamp = Date.now();
    const errorCode = await this.transition(txn, next);
    if (errorCode === ErrorCode.NONE) void this.complete(txn);
    return errorCode;
  }

  /**
   * Finishes a transaction in PrepareCommit / PrepareAbort: its markers on every partition,
   * then CompleteCommit / CompleteAbort (partitions cleared). Gives up if this broker stops
   * coordinating the id; the next coordinator finishes it on loading.
   */
  private async complete(txn: TransactionMetadata): Promise<void> {
    const commit = txn.state === S.PrepareCommit;
    const marker = { producerId: txn.producerId, producerEpoch: txn.producerEpoch, type: commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch: this.stateManager.coordinatorEpochFor(txn.transactionalId) };
    const owned = () => !this.stopped && this.stateManager.owns(txn.transactionalId);
    const written = await this.markers.write(marker, txn.partitions, owned);
    if (!written) return;
    for (let attempt = 0; owned(); attempt++) {
      if (txn.pending) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const next = txn.snapshot();
      next.state = commit ? S.CompleteCommit : S.CompleteAbort;
      next.partitions = [];
      next.txnLastUpdateTimestamp = Date.now();
      const errorCode = await this.transition(txn, next);
      if (errorCode === ErrorCode.NONE) {
        this.logger.debug({ transactionalId: txn.transactionalId, commit }, 'transaction completed');
        return;
      }
      if (errorCode === ErrorCode.NOT_COORDINATOR) return;
      await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** Math.min(attempt, 5))));
    }
  }

  /**
   * Aborts an Ongoing transaction on the coordinator's own account (its timeout, or a new
   * incarnation of its producer): PrepareEpochFence in memory, then PrepareAbort logged with
   * the epoch bumped — so the old producer is fenced — then markers and CompleteAbort.
   * Source: Kafka TransactionCoordinator.abortTimedOutTransactions, prepareFenceProducerEpoch.
   */
  private async abortWithFencing(txn: TransactionMetadata, why: string): Promise<void> {
    if (txn.state !== S.Ongoing || txn.pending) return;
    const epoch = txn.producerEpoch >= MAX_PRODUCER_EPOCH ? txn.producerEpoch : txn.producerEpoch + 1;
    this.logger.info({ transactionalId: txn.transactionalId, producerId: txn.producerId, why }, 'aborting transaction');
    txn.state = S.PrepareEpochFence;
    const errorCode = await this.prepareAndComplete(txn, S.PrepareAbort, epoch);
    if (errorCode !== ErrorCode.NONE) {
      if (txn.state === S.PrepareEpochFence) txn.state = S.Ongoing;
      this.logger.warn({ transactionalId: txn.transactionalId, errorCode }, 'aborting a transaction failed; retrying at the next check');
    }
  }

  /** Finishes the loaded Prepare* transactions (Kafka: the new coordinator completes them). */
  private completeLoaded(loaded: TransactionMetadata[]): void {
    for (const txn of loaded) if (txn.state === S.PrepareCommit || txn.state === S.PrepareAbort) void this.complete(txn);
  }

  /** Aborts every Ongoing transaction older than its timeout (`transaction.abort.timed.out.transaction.cleanup.interval.ms`). */
  abortTimedOutTransactions(now = Date.now()): void {
    for (const txn of this.stateManager.all()) {
      if (txn.state === S.Ongoing && !txn.pending && txn.txnStartTimestamp + txn.txnTimeoutMs < now) void this.abortWithFencing(txn, 'timed out');
    }
  }

  /** Removes ids idle for `transactional.id.expiration.ms` (no transaction in flight): a tombstone, then Dead. */
  async expireTransactionalIds(now = Date.now()): Promise<void> {
    const idle = this.stateManager
      .all()
      .filter((t) => (t.state === S.Empty || t.state === S.CompleteCommit || t.state === S.CompleteAbort) && !t.pending && t.txnLastUpdateTimestamp + this.host.config.transactionalIdExpirationMs <= now);
    for (const txn of idle) {
      const next = txn.snapshot();
      next.state = S.Dead;
      next.partitions = [];
      txn.prepare(next);
      const errorCode = await this.stateManager.write(txn.transactionalId, null);
      if (errorCode === ErrorCode.NONE) {
        txn.apply(next);
        this.stateManager.remove(txn.transactionalId);
        this.logger.info({ transactionalId: txn.transactionalId }, 'transactional id expired');
      } else txn.abandon();
    }
  }
}

/**
 * KIP-360: an InitProducerId carrying a producer id and epoch is valid if they are the current
 * ones, or the ones before the last bump (a retry), or the previous producer id's last epoch
 * after an exhaustion. Source: Kafka TransactionMetadata.isValidProducerId… (isEpochFenced).
 */
function isValidProducerIdAndEpoch(txn: TransactionMetadata, producerId: number, epoch: number): boolean {
  if (producerId === txn.producerId) return epoch === txn.producerEpoch || epoch === txn.lastProducerEpoch;
  return producerId === txn.previousProducerId && txn.lastProducerEpoch === NO_PRODUCER_EPOCH;
}
