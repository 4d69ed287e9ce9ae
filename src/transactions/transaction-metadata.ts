/**
 * What the coordinator knows of one transactional id (Kafka TransactionMetadata): its producer
 * id and epoch, the transaction's timeout, state, partitions and times. Every change is a
 * TxnTransit — the next values, written to `__transaction_state` first and applied here only
 * once the write is on the in-sync replicas (`apply`); while one is in flight, `pending` holds
 * it and other requests for the id get CONCURRENT_TRANSACTIONS.
 *
 * Units: times in ms since the epoch; `txnTimeoutMs` in ms. Producer ids are int64 on the wire
 * (below 2^53 here); epochs int16 (-1: none).
 * Source: Kafka TransactionMetadata.scala / TxnTransitMetadata (transaction-coordinator).
 */
import { TransactionState, isLegalTransition } from './transaction-state.js';

/** "no producer id" / "no epoch" (RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH). */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
/** The largest epoch (Short.MAX_VALUE); an epoch that reaches it needs a new producer id. */
export const MAX_PRODUCER_EPOCH = 32_767;

/** A partition of a transaction, "topic" and index. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** The values a transition writes and then applies (Kafka TxnTransitMetadata). */
export interface TxnTransit {
  producerId: number;
  /** The producer id before an epoch exhaustion moved it (KIP-360); -1 if none. */
  previousProducerId: number;
  /** The producer id handed out next (epoch exhaustion); -1 if none. */
  nextProducerId: number;
  producerEpoch: number;
  /** The epoch before the last bump (a retried InitProducerId, KIP-360); -1 if none. */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionState;
  partitions: TopicPartition[];
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
}

const partitionKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export class TransactionMetadata implements TxnTransit {
  producerId = NO_PRODUCER_ID;
  previousProducerId = NO_PRODUCER_ID;
  nextProducerId = NO_PRODUCER_ID;
  producerEpoch = NO_PRODUCER_EPOCH;
  lastProducerEpoch = NO_PRODUCER_EPOCH;
  txnTimeoutMs = 0;
  state = TransactionState.Empty;
  partitions: TopicPartition[] = [];
  txnStartTimestamp = -1;
  txnLastUpdateTimestamp = -1;
  /** The transition being written (null: none); requests meanwhile get CONCURRENT_TRANSACTIONS. */
  pending: TxnTransit | null = null;

  constructor(readonly transactionalId: string, init?: TxnTransit) {
    if (init) Object.assign(this, copy(init));
  }

  /** The current values, for a transition to change (partitions copied). */
  snapshot(): TxnTransit {
    return copy(this);
  }

  /**
   * Starts a transition to `next` (its state must follow the current one, Kafka's legal
   * transitions). Throws if another is in flight or the transition is illegal — callers check
   * `pending` and the state first, so this is a programming error.
   */
  prepare(next: TxnTransit): TxnTransit {
    if (this.pending) throw new Error(`${this.transactionalId}: a transition is already in flight`);
    if (!isLegalTransition(this.state, next.state)) throw new Error(`${this.transactionalId}: illegal transition ${this.state} → ${next.state}`);
    this.pending = next;
    return next;
  }

  /** The pending transition's write succeeded: its values become the metadata's. */
  apply(next: TxnTransit): void {
    Object.assign(this, copy(next));
    this.pending = null;
  }

  /** The pending transition's write failed: nothing changes. */
  abandon(): void {
    this.pending = null;
  }

  hasPartition(tp: TopicPartition): boolean {
    return this.partitions.some((p) => partitionKey(p) === partitionKey(tp));
  }
}

/** `current`'s partitions with `added` (each once, in order of addition). */
export function withPartitions(current: readonly TopicPartition[], added: readonly TopicPartition[]): TopicPartition[] {
  const seen = new Set(current.map(partitionKey));
  const out = [...current];
  for (const tp of added) {
    const k = partitionKey(tp);
    if (!seen.has(k)) {
      seen.add(k);
      out.push({ topic: tp.topic, partition: tp.partition });
    }
  }
  return out;
}

function copy(t: TxnTransit): TxnTransit {
  return {
    producerId: t.producerId,
    previousProducerId: t.previousProducerId,
    nextProducerId: t.nextProducerId,
    producerEpoch: t.producerEpoch,
    lastProducerEpoch: t.lastProducerEpoch,
    txnTimeoutMs: t.txnTimeoutMs,
    state: t.state,
    partitions: t.partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
    txnStartTimestamp: t.txnStartTimestamp,
    txnLastUpdateTimestamp: t.txnLastUpdateTimestamp,
  };
}
