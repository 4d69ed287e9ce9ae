/**
 * LeaveGroup (key 13, v0-5): members leave at once instead of waiting for their session to
 * expire; v3+ leaves several members (by id or group.instance.id) in one request (KIP-345).
 * Source: protocol guide "LeaveGroup".
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { LeaveGroupRequest } from '../protocol/generated/leave-group-request.js';
import { type LeaveGroupResponse, createLeaveGroupResponse } from '../protocol/generated/leave-group-response.js';
import type { ApiHandler } from './api.js';

export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  handle(request, { broker, apiVersion }) {
    const identities = apiVersion >= 3 ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: request.memberId, groupInstanceId: null }];
    const result = broker.groups.leave(request.groupId, identities);
    if (apiVersion < 3) {
      const errorCode = result.errorCode !== ErrorCode.NONE ? result.errorCode : (result.members[0]?.errorCode ?? ErrorCode.NONE);
      return { response: createLeaveGroupResponse({ errorCode }) };
    }
    return { response: createLeaveGroupResponse({ errorCode: result.errorCode, members: result.members }) };
  },
};
