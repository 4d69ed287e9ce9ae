/**
 * KIP-890 part 1, on the partition leader: before the first transactional batch of a
 * transaction is appended to a partition, the leader asks the transaction coordinator whether
 * the partition was added to that transaction (AddPartitionsToTxn v4, `verifyOnly`), so a
 * hanging transaction — a late batch of a transaction already ended, or a producer that never
 * called AddPartitionsToTxn — cannot open a transaction the coordinator knows nothing of and
 * block read_committed consumers at the LSO for ever.
 *
 * Checked: Produce requests with a transactional id, for a transactional batch (attributes
 * bit 4) of a producer with no transaction ongoing on the partition; with
 * `transaction.partition.verification.enable` (default true). The coordinator is this broker
 * (asked directly) or the leader of the id's `__transaction_state` partition (one
 * AddPartitionsToTxn v4 request on the inter-broker listener).
 *
 * The coordinator's answers become Produce errors as Kafka's ReplicaManager translates them:
 * INVALID_TXN_STATE ("Partition was not added to the transaction"); NOT_ENOUGH_REPLICAS
 * ("Unable to verify the partition has been added to the transaction. Underlying error: …",
 * retriable without a metadata refresh) for NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS,
 * COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR and CONCURRENT_TRANSACTIONS; PRODUCER_FENCED as
 * INVALID_PRODUCER_EPOCH (what Produce carries); the rest (INVALID_PRODUCER_ID_MAPPING,
 * INVALID_REQUEST, …) as they are.
 * Not done: Kafka's VerificationGuard (a transaction ending between the answer and the append).
 * Source: KIP-890; Kafka ReplicaManager.appendRecords / AddPartitionsToTxnManager.
 */
import type { BrokerServices } from '../broker-services.js';
import { ErrorCode, errorName } from '../protocol/error-codes.js';
import type { AddPartitionsToTxnResponse } from '../protocol/generated/index.js';
import { RECORD_BATCH_OVERHEAD, readBatchHeader } from '../storage/batch-header.js';
import { TRANSACTIONAL_ATTRIBUTE } from '../storage/producer-state.js';
import { TRANSACTION_STATE_TOPIC } from './transaction-log.js';

const ADD_PARTITIONS_TO_TXN = 24;
const VERIFY_TIMEOUT_MS = 5_000;

/** Kafka's translation of a coordinator's verification answer into a Produce error. */
const RETRIABLE = new Set<number>([ErrorCode.NETWORK_EXCEPTION, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR, ErrorCode.CONCURRENT_TRANSACTIONS]);

export interface VerificationFailure {
  errorCode: number;
  message: string | null;
}

/**
 * Verifies `records` (one Produce partition's data) for `transactionalId` when it needs it:
 * null when the batch may be appended, else the Produce error to answer. Synchronous unless a
 * coordinator on another broker must be asked (then a Promise), so the appends of a request
 * that needs no remote answer still start in request order.
 */
export function verifyTransactionalProduce(
  broker: Pick<BrokerServices, 'config' | 'logs' | 'metadata' | 'transactions' | 'connectToBroker'>,
  transactionalId: string | null,
  topic: string,
  partition: number,
  records: Uint8Array,
): VerificationFailure | null | Promise<VerificationFailure | null> {
  if (transactionalId === null || !broker.config.transactionPartitionVerificationEnable) return null;
  if (records.byteLength < RECORD_BATCH_OVERHEAD) return null; // the append path answers malformed data
  const header = readBatchHeader(records, 0, 0);
  if ((header.attributes & TRANSACTIONAL_ATTRIBUTE) === 0 || header.producerId < 0) return null;
  const log = broker.logs.partition(topic, partition);
  if (!log) return null; // not here: the append answers UNKNOWN_TOPIC_OR_PARTITION / NOT_LEADER_OR_FOLLOWER
  const entry = log.producerState.entry(header.producerId);
  if (entry && entry.epoch === header.producerEpoch && (entry.currentTxnFirstOffset ?? -1) >= 0) return null; // its transaction is ongoing here
  const { producerId, producerEpoch } = header;
  const txnPartition = broker.transactions.stateManager.partitionFor(transactionalId);
  const coordinator = broker.metadata.partition(TRANSACTION_STATE_TOPIC, txnPartition)?.leader ?? -1;
  if (coordinator < 0) return translate(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (coordinator === broker.config.nodeId) return translate(broker.transactions.verifyPartitions(transactionalId, producerId, producerEpoch, [{ topic, partition }])[0]!);
  return askRemoteCoordinator(broker, coordinator, transactionalId, producerId, producerEpoch, topic, partition).then(translate);
}

/** AddPartitionsToTxn v4 `verifyOnly` to broker `coordinator`; its partition's code (NETWORK_EXCEPTION if unreachable). */
async function askRemoteCoordinator(
  broker: Pick<BrokerServices, 'connectToBroker'>,
  coordinator: number,
  transactionalId: string,
  producerId: number,
  producerEpoch: number,
  topic: string,
  partition: number,
): Promise<number> {
  try {
    const client = await broker.connectToBroker(coordinator, VERIFY_TIMEOUT_MS);
    try {
      const { response } = await client.request<AddPartitionsToTxnResponse>(
        ADD_PARTITIONS_TO_TXN,
        { transactions: [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ name: topic, partitions: [partition] }] }] },
        4,
      );
      if (response.errorCode !== ErrorCode.NONE) return response.errorCode;
      return response.resultsByTransaction[0]?.topicResults[0]?.resultsByPartition[0]?.partitionErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    } finally {
      client.close();
    }
  } catch {
    return ErrorCode.NETWORK_EXCEPTION;
  }
}

function translate(code: number): VerificationFailure | null {
  if (code === ErrorCode.NONE) return null;
  if (code === ErrorCode.INVALID_TXN_STATE) return { errorCode: code, message: 'Partition was not added to the transaction' };
  if (RETRIABLE.has(code)) return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: `Unable to verify the partition has been added to the transaction. Underlying error: ${errorName(code)}` };
  if (code === ErrorCode.PRODUCER_FENCED) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: null };
  return { errorCode: code, message: null };
}
