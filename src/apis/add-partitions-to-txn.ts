/**
 * AddPartitionsToTxn (key 24, v0-4): adds partitions to a producer's transaction before it
 * writes to them. v0-3 (clients): one transaction, every partition answered with the
 * transaction's error. v4 (KIP-890, batched; what partition leaders send): several
 * transactions; `verifyOnly` answers whether each partition is already in the transaction
 * (INVALID_TXN_STATE if not; TransactionCoordinator.verifyPartitions) without adding it.
 * Authorization: WRITE on the transactional id (else every partition
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED); WRITE on each topic (TOPIC_AUTHORIZATION_FAILED);
 * a partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION. When any partition fails
 * these checks the others are OPERATION_NOT_ATTEMPTED and nothing is added. v4 needs
 * CLUSTER_ACTION (brokers only) — else CLUSTER_AUTHORIZATION_FAILED as the top-level error.
 * Errors (transaction coordinator): INVALID_REQUEST, NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS, INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED
 * (INVALID_PRODUCER_EPOCH before v2), CONCURRENT_TRANSACTIONS.
 * Source: protocol guide "AddPartitionsToTxn"; Kafka KafkaApis.handleAddPartitionsToTxnRequest; KIP-98, KIP-890.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { AddPartitionsToTxnRequest } from '../protocol/generated/add-partitions-to-txn-request.js';
import type { AddPartitionsToTxnResponse } from '../protocol/generated/add-partitions-to-txn-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { TopicPartition } from '../transactions/transaction-metadata.js';
import type { ApiHandler, RequestContext } from './api.js';
import { clusterPermitted, topicPermitted, transactionalIdPermitted } from './authorize.js';
import { fencedForVersion } from './txn-errors.js';

type Topics = AddPartitionsToTxnRequest['v3AndBelowTopics'];
type TopicResults = AddPartitionsToTxnResponse['resultsByTopicV3AndBelow'];

function answer(topics: Topics, errorOf: (topic: string, partition: number) => number): TopicResults {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorOf(t.name, p) })) }));
}

/** One transaction's partitions: authorization and existence, then the coordinator. */
async function addToTransaction(ctx: RequestContext, transactionalId: string, producerId: number, producerEpoch: number, topics: Topics, verifyOnly: boolean): Promise<TopicResults> {
  const { broker } = ctx;
  if (!transactionalIdPermitted(ctx, AclOperation.WRITE, transactionalId)) return answer(topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const failures = new Map<string, number>();
  const partitions: TopicPartition[] = [];
  for (const t of topics) {
    const writable = topicPermitted(ctx, AclOperation.WRITE, t.name);
    for (const p of t.partitions) {
      if (!writable) failures.set(`${t.name}\u0000${p}`, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (!broker.metadata.partition(t.name, p)) failures.set(`${t.name}\u0000${p}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      else partitions.push({ topic: t.name, partition: p });
    }
  }
  if (failures.size > 0) return answer(topics, (t, p) => failures.get(`${t}\u0000${p}`) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
  if (verifyOnly) {
    const codes = broker.transactions.verifyPartitions(transactionalId, producerId, producerEpoch, partitions);
    const byPartition = new Map(partitions.map((tp, i) => [`${tp.topic}\u0000${tp.partition}`, codes[i]!]));
    return answer(topics, (t, p) => byPartition.get(`${t}\u0000${p}`)!);
  }
  const errorCode = fencedForVersion(await broker.transactions.addPartitions(transactionalId, producerId, producerEpoch, partitions), ctx.apiVersion, 2);
  return answer(topics, () => errorCode);
}

export const addPartitionsToTxnHandler: ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 4,
  async handle(request, ctx) {
    if (ctx.apiVersion < 4) {
      const results = await addToTransaction(ctx, request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, request.v3AndBelowTopics, false);
      return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: results } };
    }
    if (!clusterPermitted(ctx, AclOperation.CLUSTER_ACTION)) {
      return { response: { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] } };
    }
    const resultsByTransaction = await Promise.all(
      request.transactions.map(async (t) => ({ transactionalId: t.transactionalId, topicResults: await addToTransaction(ctx, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly) })),
    );
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction, resultsByTopicV3AndBelow: [] } };
  },
};
