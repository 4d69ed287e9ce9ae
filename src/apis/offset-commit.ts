/**
 * OffsetCommit (key 8, v0-9): stores a group's consumed positions in `__consumer_offsets`.
 * v0 commits outside group management; generation -1 with no member id commits for an empty
 * group (manual assignment, `gregor groups reset-offsets`). A stale generation or unknown
 * member moves nothing. Errors per partition: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, OFFSET_METADATA_TOO_LARGE,
 * UNKNOWN_TOPIC_OR_PARTITION, INVALID_GROUP_ID.
 * Source: protocol guide "OffsetCommit"; KIP-211 (v5 drops retention time).
 */
import { type OffsetCommitRequest, type OffsetCommitResponse, createOffsetCommitResponse } from '../protocol/generated/index.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ApiHandler } from './api.js';

/** How long a commit waits for the in-sync replicas of __consumer_offsets, ms (Kafka: offsets.commit.timeout.ms). */
const COMMIT_REPLICATION_TIMEOUT_MS = 5_000;

export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 9,
  async handle(request, { broker, apiVersion }) {
    broker.groups.lastWrite = null;
    const topics = broker.groups.commitOffsets({
      groupId: request.groupId,
      generationId: apiVersion >= 1 ? request.generationIdOrMemberEpoch : -1,
      memberId: apiVersion >= 1 ? request.memberId : '',
      groupInstanceId: apiVersion >= 7 ? request.groupInstanceId : null,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: apiVersion >= 6 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
        })),
      })),
    });
    // Cluster mode: a commit is acknowledged once it is on every in-sync replica of the
    // group's __consumer_offsets partition (as Kafka's coordinator writes with acks=all).
    const written = broker.groups.lastWrite as { partition: number; endOffset: number } | null;
    if (broker.replicas && written) {
      const errorCode = await broker.replicas.waitForHighWatermark(OFFSETS_TOPIC, written.partition, written.endOffset, COMMIT_REPLICATION_TIMEOUT_MS);
      if (errorCode !== ErrorCode.NONE) {
        const failed = errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ? ErrorCode.NOT_COORDINATOR : ErrorCode.REQUEST_TIMED_OUT;
        for (const t of topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = failed;
      }
    }
    return { response: createOffsetCommitResponse({ topics }) };
  },
};
