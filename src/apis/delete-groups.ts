/**
 * DeleteGroups (key 42, v0-2): deletes empty groups and their committed offsets.
 * Errors per group: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, INVALID_GROUP_ID.
 * Source: protocol guide "DeleteGroups"; KIP-229.
 */
import { type DeleteGroupsRequest, type DeleteGroupsResponse, createDeleteGroupsResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  handle(request, { broker }) {
    const results = request.groupsNames.map((groupId) => ({ groupId, errorCode: broker.groups.deleteGroup(groupId) }));
    return { response: createDeleteGroupsResponse({ results }) };
  },
};
