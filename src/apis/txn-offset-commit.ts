/**
 * TxnOffsetCommit (key 28, v0-4): a transactional producer commits a consumer group's offsets
 * as part of its transaction (consume-transform-produce, KIP-98). The group coordinator writes
 * them to `__consumer_offsets` as the producer's transactional batch; they become the group's
 * committed offsets when the transaction's COMMIT marker reaches that partition and are
 * dropped on ABORT (GroupCoordinator.commitTxnOffsets, onTransactionCompleted).
 * Authorization, in Kafka's order: WRITE on the transactional id (every partition
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on the group (GROUP_AUTHORIZATION_FAILED),
 * READ on each topic (its partitions TOPIC_AUTHORIZATION_FAILED; the others are committed).
 * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION (topic or partition not in the cluster
 * metadata), INVALID_GROUP_ID, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, FENCED_INSTANCE_ID,
 * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION (v3+ member checks), OFFSET_METADATA_TOO_LARGE,
 * INVALID_PRODUCER_EPOCH (an older epoch than the partition has seen of the producer: fenced),
 * INVALID_COMMIT_OFFSET_SIZE.
 * Source: protocol guide "TxnOffsetCommit"; Kafka KafkaApis.handleTxnOffsetCommitRequest,
 * GroupCoordinator.handleTxnCommitOffsets; KIP-98, KIP-447 (v3 member fields).
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitRequestTopic } from '../protocol/generated/txn-offset-commit-request.js';
import { type TxnOffsetCommitResponse, createTxnOffsetCommitResponse } from '../protocol/generated/txn-offset-commit-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler, RequestContext } from './api.js';
import { groupPermitted, topicPermitted, transactionalIdPermitted } from './authorize.js';

type TopicErrors = TxnOffsetCommitResponse['topics'];

const everyPartition = (topics: TxnOffsetCommitRequestTopic[], errorCode: number): TopicErrors =>
  topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));

/** The error a partition gets before it reaches the coordinator (NONE if it goes on). */
function partitionError(ctx: RequestContext, topic: string, partition: number): number {
  if (!topicPermitted(ctx, AclOperation.READ, topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  if (!ctx.broker.metadata.partition(topic, partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return ErrorCode.NONE;
}

export const txnOffsetCommitHandler: ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
  apiKey: 28,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 4,
  async handle(request, ctx) {
    const respond = (topics: TopicErrors) => ({ response: createTxnOffsetCommitResponse({ topics }) });
    if (!transactionalIdPermitted(ctx, AclOperation.WRITE, request.transactionalId)) return respond(everyPartition(request.topics, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
    if (!groupPermitted(ctx, AclOperation.READ, request.groupId)) return respond(everyPartition(request.topics, ErrorCode.GROUP_AUTHORIZATION_FAILED));
    const refused: TopicErrors = [];
    const valid: TxnOffsetCommitRequestTopic[] = [];
    for (const t of request.topics) {
      const partitions = t.partitions.map((p) => ({ p, errorCode: partitionError(ctx, t.name, p.partitionIndex) }));
      const bad = partitions.filter((x) => x.errorCode !== ErrorCode.NONE);
      const good = partitions.filter((x) => x.errorCode === ErrorCode.NONE).map((x) => x.p);
      if (bad.length > 0) refused.push({ name: t.name, partitions: bad.map((x) => ({ partitionIndex: x.p.partitionIndex, errorCode: x.errorCode })) });
      if (good.length > 0) valid.push({ name: t.name, partitions: good });
    }
    if (valid.length === 0) return respond(refused);
    const v3 = ctx.apiVersion >= 3;
    const committed = await ctx.broker.groups.commitTxnOffsets({
      transactionalId: request.transactionalId,
      groupId: request.groupId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      generationId: v3 ? request.generationId : -1,
      memberId: v3 ? request.memberId : '',
      groupInstanceId: v3 ? request.groupInstanceId : null,
      topics: valid.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: ctx.apiVersion >= 2 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
        })),
      })),
    });
    return respond([...committed, ...refused]);
  },
};
