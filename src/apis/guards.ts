/**
 * Request-level authorization for APIs whose whole request acts on one resource (a group,
 * the cluster, a transactional id): the table of docs/security.html "Operations and
 * Resources on Protocols", applied in one place around the handlers in index.ts. A denied
 * request is answered with the API's own error response; the handler never runs.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { createControlledShutdownResponse } from '../protocol/generated/controlled-shutdown-response.js';
import { createOffsetDeleteResponse } from '../protocol/generated/offset-delete-response.js';
import { createOffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch-response.js';
import { createHeartbeatResponse } from '../protocol/generated/heartbeat-response.js';
import { createInitProducerIdResponse } from '../protocol/generated/init-producer-id-response.js';
import { createJoinGroupResponse } from '../protocol/generated/join-group-response.js';
import { createLeaveGroupResponse } from '../protocol/generated/leave-group-response.js';
import { createOffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import { createSyncGroupResponse } from '../protocol/generated/sync-group-response.js';
import { AclOperation, ResourceType } from '../security/authorizer.js';
import type { ApiHandler, RequestContext } from './api.js';
import { clusterPermitted, groupPermitted, topicPermitted, transactionalIdPermitted } from './authorize.js';

type Guard = (request: any, ctx: RequestContext) => unknown | null;

const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;

/** API key → the check; it returns null to let the request through, else the error response. */
const GUARDS = new Map<number, Guard>([
  // JoinGroup, SyncGroup, Heartbeat, LeaveGroup: READ on the group.
  [11, (r, ctx) => (groupPermitted(ctx, AclOperation.READ, r.groupId) ? null : createJoinGroupResponse({ errorCode: GROUP_DENIED, memberId: r.memberId ?? '', generationId: -1 }))],
  [14, (r, ctx) => (groupPermitted(ctx, AclOperation.READ, r.groupId) ? null : createSyncGroupResponse({ errorCode: GROUP_DENIED }))],
  [12, (r, ctx) => (groupPermitted(ctx, AclOperation.READ, r.groupId) ? null : createHeartbeatResponse({ errorCode: GROUP_DENIED }))],
  [13, (r, ctx) => (groupPermitted(ctx, AclOperation.READ, r.groupId) ? null : createLeaveGroupResponse({ errorCode: GROUP_DENIED }))],
  // OffsetCommit: READ on the group (every partition GROUP_AUTHORIZATION_FAILED), and READ on each topic.
  [8, (r, ctx) => {
    const group = groupPermitted(ctx, AclOperation.READ, r.groupId);
    const denied = (t: { name: string }) => !group || !topicPermitted(ctx, AclOperation.READ, t.name);
    if (!r.topics.some(denied)) return null;
    if (group) return partialOffsetCommit(r, ctx, denied);
    return createOffsetCommitResponse({
      topics: r.topics.map((t: any) => ({ name: t.name, partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: GROUP_DENIED })) })),
    });
  }],
  // OffsetDelete: DELETE on the group.
  [47, (r, ctx) => (groupPermitted(ctx, AclOperation.DELETE, r.groupId) ? null : createOffsetDeleteResponse({ errorCode: GROUP_DENIED, topics: [] }))],
  // OffsetForLeaderEpoch: a follower (replicaId >= 0) needs CLUSTER_ACTION.
  [23, (r, ctx) => ((r.replicaId ?? -1) < 0 || clusterPermitted(ctx, AclOperation.CLUSTER_ACTION) ? null : createOffsetForLeaderEpochResponse({
    topics: r.topics.map((t: any) => ({ topic: t.topic, partitions: t.partitions.map((p: any) => ({ partition: p.partition, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, leaderEpoch: -1, endOffset: -1 })) })),
  }))],
  // ControlledShutdown: CLUSTER_ACTION (brokers only).
  [7, (_r, ctx) => (clusterPermitted(ctx, AclOperation.CLUSTER_ACTION) ? null : createControlledShutdownResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, remainingPartitions: [] }))],
  // InitProducerId: WRITE on the transactional id; without one, IDEMPOTENT_WRITE on the
  // cluster or WRITE on some topic (KIP-679).
  [22, (r, ctx) => {
    if (r.transactionalId !== null && r.transactionalId !== undefined) {
      return transactionalIdPermitted(ctx, AclOperation.WRITE, r.transactionalId) ? null : createInitProducerIdResponse({ errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 });
    }
    const authorizer = ctx.broker.authorizer;
    const ok = clusterPermitted(ctx, AclOperation.IDEMPOTENT_WRITE) || (authorizer.authorizeAnyOfType?.(ctx.session, AclOperation.WRITE, ResourceType.TOPIC) ?? false);
    return ok ? null : createInitProducerIdResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 });
  }],
]);

/** OffsetCommit with some topics denied: commits the rest, answers the denied TOPIC_AUTHORIZATION_FAILED. */
async function partialOffsetCommit(r: any, ctx: RequestContext, denied: (t: { name: string }) => boolean): Promise<unknown> {
  const handler = UNGUARDED.get(8)!;
  const allowed = r.topics.filter((t: any) => !denied(t));
  const result = allowed.length > 0 ? await handler.handle({ ...r, topics: allowed }, ctx) : null;
  const deniedTopics = r.topics.filter(denied).map((t: any) => ({ name: t.name, partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) }));
  return createOffsetCommitResponse({ throttleTimeMs: 0, topics: [...((result?.response as any)?.topics ?? []), ...deniedTopics] });
}

const UNGUARDED = new Map<number, ApiHandler>();

/** `handler` with its request-level check (if the API has one). */
export function guarded(handler: ApiHandler): ApiHandler {
  const guard = GUARDS.get(handler.apiKey);
  if (!guard) return handler;
  UNGUARDED.set(handler.apiKey, handler);
  return {
    ...handler,
    handle(request, ctx) {
      if (!ctx.broker.authorizer.enabled) return handler.handle(request, ctx);
      const denied = guard(request, ctx);
      if (denied === null) return handler.handle(request, ctx);
      return denied instanceof Promise ? denied.then((response) => ({ response })) : { response: denied };
    },
  };
}
