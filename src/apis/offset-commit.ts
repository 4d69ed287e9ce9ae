/**
 * OffsetCommit (key 8, v0-9): stores a group's consumed positions in `__consumer_offsets`.
 * v0 commits outside group management; generation -1 with no member id commits for an empty
 * group (manual assignment, `gregor groups reset-offsets`). A stale generation or unknown
 * member moves nothing. Errors per partition: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, OFFSET_METADATA_TOO_LARGE,
 * UNKNOWN_TOPIC_OR_PARTITION, INVALID_GROUP_ID, INVALID_COMMIT_OFFSET_SIZE; a write the in-sync
 * replicas of `__consumer_offsets` do not confirm within offsets.commit.timeout.ms:
 * COORDINATOR_NOT_AVAILABLE (NOT_COORDINATOR if leadership moved).
 * Source: protocol guide "OffsetCommit"; KIP-211 (v5 drops retention time).
 */
import type { OffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import { type OffsetCommitResponse, createOffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ApiHandler } from './api.js';

export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 9,
  async handle(request, { broker, apiVersion }) {
    // Partitions the cluster does not have are refused here, from the cluster metadata (Kafka's
    // KafkaApis does so): in a cluster they need not be on the coordinator's broker.
    const unknown: OffsetCommitResponse['topics'] = [];
    const known = request.topics
      .map((t) => {
        const missing = t.partitions.filter((p) => !broker.metadata.partition(t.name, p.partitionIndex));
        if (missing.length > 0) unknown.push({ name: t.name, partitions: missing.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })) });
        return { ...t, partitions: t.partitions.filter((p) => !missing.includes(p)) };
      })
      .filter((t) => t.partitions.length > 0);
    // Answered once the commit is on the in-sync replicas of __consumer_offsets (a failed
    // write: COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR, see GroupCoordinator.commitOffsets).
    const topics = await broker.groups.commitOffsets({
      groupId: request.groupId,
      generationId: apiVersion >= 1 ? request.generationIdOrMemberEpoch : -1,
      memberId: apiVersion >= 1 ? request.memberId : '',
      groupInstanceId: apiVersion >= 7 ? request.groupInstanceId : null,
      topics: known.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: apiVersion >= 6 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
        })),
      })),
    });
    return { response: createOffsetCommitResponse({ topics: [...topics, ...unknown] }) };
  },
};
