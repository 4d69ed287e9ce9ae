/**
 * JoinGroup (key 11, v0-9): joins a classic group; parks until the rebalance completes.
 * v0 has no rebalance timeout (the session timeout serves); v4+ hands a new member its id
 * with MEMBER_ID_REQUIRED first (KIP-394); v5+ static membership (KIP-345).
 * Errors: see GroupCoordinator.join.
 * Source: protocol guide "JoinGroup"; design.html "Consumer groups".
 */
import type { JoinGroupRequest } from '../protocol/generated/join-group-request.js';
import { type JoinGroupResponse, createJoinGroupResponse } from '../protocol/generated/join-group-response.js';
import type { ApiHandler, RequestContext } from './api.js';

/** Kafka reports a member's host as "/<address>". */
export function clientHost(ctx: RequestContext): string {
  return `/${ctx.remote.slice(0, ctx.remote.lastIndexOf(':'))}`;
}

export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  async handle(request, ctx) {
    const v = ctx.apiVersion;
    const result = await ctx.broker.groups.join({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: v >= 5 ? request.groupInstanceId : null,
      clientId: ctx.clientId ?? '',
      clientHost: clientHost(ctx),
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: v >= 4,
    });
    return {
      response: createJoinGroupResponse({
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolType: result.protocolType,
        // Non-nullable before v7.
        protocolName: result.protocolName ?? (v >= 7 ? null : ''),
        leader: result.leader,
        skipAssignment: result.skipAssignment,
        memberId: result.memberId,
        members: result.members,
      }),
    };
  },
};
