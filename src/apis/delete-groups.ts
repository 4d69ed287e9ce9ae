/**
 * DeleteGroups (key 42, v0-2): deletes empty groups and their committed offsets.
 * Errors per group: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, INVALID_GROUP_ID; answered once the
 * tombstones are on the in-sync replicas (else COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR).
 * Source: protocol guide "DeleteGroups"; KIP-229.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DeleteGroupsRequest } from '../protocol/generated/delete-groups-request.js';
import { type DeleteGroupsResponse, createDeleteGroupsResponse } from '../protocol/generated/delete-groups-response.js';
import { groupPermitted, topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx) {
    const { broker } = ctx;
    const results = await Promise.all(
      request.groupsNames.map(async (groupId) => ({
        groupId,
        errorCode: groupPermitted(ctx, AclOperation.DELETE, groupId) ? await broker.groups.deleteGroup(groupId) : ErrorCode.GROUP_AUTHORIZATION_FAILED,
      })),
    );
    return { response: createDeleteGroupsResponse({ results }) };
  },
};
