/**
 * ListGroups (key 16, v0-5): every group, optionally filtered by state (v4+, KIP-518) and
 * type (v5+, KIP-848; all groups here are "classic").
 * Source: protocol guide "ListGroups".
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { ListGroupsRequest } from '../protocol/generated/list-groups-request.js';
import { type ListGroupsResponse, createListGroupsResponse } from '../protocol/generated/list-groups-response.js';
import { clusterPermitted, groupPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';

export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(request, ctx) {
    const { broker, apiVersion } = ctx;
    const all = broker.groups.list(apiVersion >= 4 ? request.statesFilter : [], apiVersion >= 5 ? request.typesFilter : []);
    // DESCRIBE on the cluster lists every group; otherwise the groups the caller may DESCRIBE.
    const groups = clusterPermitted(ctx, AclOperation.DESCRIBE) ? all : all.filter((g) => groupPermitted(ctx, AclOperation.DESCRIBE, g.groupId));
    return { response: createListGroupsResponse({ errorCode: ErrorCode.NONE, groups }) };
  },
};
