/**
 * SyncGroup (key 14, v0-5): the leader sends the assignment, every member gets its own.
 * Errors: see GroupCoordinator.sync. v5+ checks protocol type and name (KIP-559).
 * Source: protocol guide "SyncGroup".
 */
import type { SyncGroupRequest } from '../protocol/generated/sync-group-request.js';
import { type SyncGroupResponse, createSyncGroupResponse } from '../protocol/generated/sync-group-response.js';
import type { ApiHandler } from './api.js';

export const syncGroupHandler: ApiHandler<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle(request, { broker, apiVersion }) {
    const result = await broker.groups.sync({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: apiVersion >= 3 ? request.groupInstanceId : null,
      protocolType: apiVersion >= 5 ? request.protocolType : null,
      protocolName: apiVersion >= 5 ? request.protocolName : null,
      assignments: request.assignments,
    });
    return { response: createSyncGroupResponse(result) };
  },
};
