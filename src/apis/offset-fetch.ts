/**
 * OffsetFetch (key 9, v0-9): a group's committed offsets (-1 where none). v2+ null topics
 * fetch every committed partition; v8+ asks for several groups at once (KIP-709).
 * Authorization (docs/security.html): DESCRIBE on each group, else that group is
 * GROUP_AUTHORIZATION_FAILED while the others are answered; DESCRIBE on each topic, else a
 * named topic's partitions are TOPIC_AUTHORIZATION_FAILED and, when fetching all, the topic is
 * left out. Offsets of open transactions (TxnOffsetCommit) are not returned; v7+ with
 * require_stable, their partitions answer UNSTABLE_OFFSET_COMMIT (KIP-447).
 * Source: protocol guide "OffsetFetch"; Kafka's KafkaApis.handleOffsetFetchRequest.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { OffsetFetchRequest } from '../protocol/generated/offset-fetch-request.js';
import { type OffsetFetchResponse, createOffsetFetchResponse } from '../protocol/generated/offset-fetch-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler, RequestContext } from './api.js';
import { groupPermitted, topicPermitted } from './authorize.js';

interface RequestedTopic {
  name: string;
  partitionIndexes: number[];
}

const noOffset = (partitionIndex: number, errorCode: number) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode });

/** One group's answer, authorized; `requireStable` (v7+, KIP-447): UNSTABLE_OFFSET_COMMIT where a transaction's offsets are pending. */
function fetchGroup(ctx: RequestContext, groupId: string, requested: RequestedTopic[] | null, requireStable: boolean) {
  if (!groupPermitted(ctx, AclOperation.DESCRIBE, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
  const describable = (t: { name: string }) => topicPermitted(ctx, AclOperation.DESCRIBE, t.name);
  if (requested === null) {
    const result = ctx.broker.groups.fetchOffsets(groupId, null, requireStable);
    return { errorCode: result.errorCode, topics: result.topics.filter(describable) };
  }
  const result = ctx.broker.groups.fetchOffsets(groupId, requested.filter(describable), requireStable);
  const denied = requested.filter((t) => !describable(t)).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => noOffset(p, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) }));
  return { errorCode: result.errorCode, topics: [...result.topics, ...denied] };
}

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 9,
  handle(request, ctx) {
    if (ctx.apiVersion >= 8) {
      const groups = request.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(ctx, g.groupId, g.topics, request.requireStable) }));
      return { response: createOffsetFetchResponse({ groups }) };
    }
    const result = fetchGroup(ctx, request.groupId, request.topics, ctx.apiVersion >= 7 && request.requireStable);
    // Before v2 a group-level error can only be told per partition.
    const topics =
      ctx.apiVersion < 2 && result.errorCode !== ErrorCode.NONE
        ? (request.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => noOffset(p, result.errorCode)) }))
        : result.topics;
    return { response: createOffsetFetchResponse({ errorCode: result.errorCode, topics }) };
  },
};
