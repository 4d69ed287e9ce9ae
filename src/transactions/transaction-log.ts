/**
 * The transaction coordinator's log: the internal, compacted topic `__transaction_state`
 * (`transaction.state.log.num.partitions`, default 50), one record per transactional id and
 * change, in Kafka's own schemas (coordinator-records/TransactionLog{Key,Value}.json):
 *
 *   key   = int16 version (0) + TransactionLogKey (transactional id)
 *   value = int16 version (1) + TransactionLogValue (producer id and epoch, timeout, status,
 *           partitions, times) | null (a tombstone: the id expired)
 *
 * A transactional id lives in partition `abs(javaHashCode(id)) % numPartitions` (Kafka
 * TransactionStateManager.partitionFor), so its records are in order in one partition; the
 * last record per key wins when a partition is replayed.
 * Source: Kafka TransactionLog.scala, TransactionStateManager.scala.
 */
import type { RecordInput } from '../engine/engine.js';
import { decodeTransactionLogKey, encodeTransactionLogKey } from '../protocol/generated/coordinator-records/transaction-log-key.js';
import { createTransactionLogValue, decodeTransactionLogValue, encodeTransactionLogValue } from '../protocol/generated/coordinator-records/transaction-log-value.js';
import { Reader, Writer } from '../protocol/primitives.js';
import type { TopicPartition, TxnTransit } from './transaction-metadata.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';
const KEY_VERSION = 0;
/** v1 (flexible) keeps the previous and next producer ids (KIP-360) as tagged fields. */
const VALUE_VERSION = 1;

function versioned(version: number, encode: (w: Writer) => void): Uint8Array {
  const w = new Writer(64);
  w.writeInt16(version);
  encode(w);
  return w.finishSingle();
}

/** The record of `transactionalId`'s metadata `txn` (null: a tombstone, the id expired). */
export function transactionRecord(transactionalId: string, txn: TxnTransit | null): RecordInput {
  return {
    key: versioned(KEY_VERSION, (w) => encodeTransactionLogKey(w, KEY_VERSION, { transactionalId })),
    value:
      txn &&
      versioned(VALUE_VERSION, (w) =>
        encodeTransactionLogValue(
          w,
          VALUE_VERSION,
          createTransactionLogValue({
            producerId: txn.producerId,
            previousProducerId: txn.previousProducerId,
            nextProducerId: txn.nextProducerId,
            producerEpoch: txn.producerEpoch,
            transactionTimeoutMs: txn.txnTimeoutMs,
            transactionStatus: txn.state,
            transactionPartitions: groupByTopic(txn.partitions),
            transactionLastUpdateTimestampMs: txn.txnLastUpdateTimestamp,
            transactionStartTimestampMs: txn.txnStartTimestamp,
          }),
        ),
      ),
  };
}

/**
 * Decodes one `__transaction_state` record: the transactional id and its metadata (null for a
 * tombstone). Returns null for a key version this coordinator does not know.
 * Errors: ProtocolError for a malformed key or value.
 */
export function decodeTransactionRecord(key: Uint8Array, value: Uint8Array | null): { transactionalId: string; txn: TxnTransit | null } | null {
  const kr = new Reader(key);
  const keyVersion = kr.readInt16();
  if (keyVersion !== KEY_VERSION) return null;
  const { transactionalId } = decodeTransactionLogKey(kr, keyVersion);
  if (!value) return { transactionalId, txn: null };
  const vr = new Reader(value);
  const v = decodeTransactionLogValue(vr, vr.readInt16());
  return {
    transactionalId,
    txn: {
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: v.nextProducerId,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: -1,
      txnTimeoutMs: v.transactionTimeoutMs,
      state: v.transactionStatus,
      partitions: (v.transactionPartitions ?? []).flatMap((t) => t.partitionIds.map((partition) => ({ topic: t.topic, partition }))),
      txnStartTimestamp: v.transactionStartTimestampMs,
      txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
    },
  };
}

function groupByTopic(partitions: readonly TopicPartition[]): Array<{ topic: string; partitionIds: number[] }> {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    const ids = byTopic.get(tp.topic) ?? [];
    ids.push(tp.partition);
    byTopic.set(tp.topic, ids);
  }
  return [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds }));
}
