/**
 * Heartbeat (key 12, v0-4): keeps a member's session alive; REBALANCE_IN_PROGRESS tells it
 * to rejoin. Errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID, ...
 * Source: protocol guide "Heartbeat"; KIP-62.
 */
import type { HeartbeatRequest } from '../protocol/generated/heartbeat-request.js';
import { type HeartbeatResponse, createHeartbeatResponse } from '../protocol/generated/heartbeat-response.js';
import type { ApiHandler } from './api.js';

export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  handle(request, { broker, apiVersion }) {
    const errorCode = broker.groups.heartbeat(request.groupId, request.generationId, {
      memberId: request.memberId,
      groupInstanceId: apiVersion >= 3 ? request.groupInstanceId : null,
    });
    return { response: createHeartbeatResponse({ errorCode }) };
  },
};
