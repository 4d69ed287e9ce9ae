/**
 * ListGroups (key 16, v0-5): every group, optionally filtered by state (v4+, KIP-518) and
 * type (v5+, KIP-848; all groups here are "classic").
 * Source: protocol guide "ListGroups".
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { type ListGroupsRequest, type ListGroupsResponse, createListGroupsResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(request, { broker, apiVersion }) {
    const groups = broker.groups.list(apiVersion >= 4 ? request.statesFilter : [], apiVersion >= 5 ? request.typesFilter : []);
    return { response: createListGroupsResponse({ errorCode: ErrorCode.NONE, groups }) };
  },
};
