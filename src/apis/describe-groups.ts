/**
 * DescribeGroups (key 15, v0-5): state, protocol and members of groups; member metadata
 * and assignments only while Stable (as Kafka). An unknown group is reported Dead.
 * Source: protocol guide "DescribeGroups".
 */
import { type DescribeGroupsRequest, type DescribeGroupsResponse, createDescribeGroupsResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(request, { broker }) {
    const groups = request.groups.map((id) => ({ ...broker.groups.describe(id), authorizedOperations: -2147483648 }));
    return { response: createDescribeGroupsResponse({ groups }) };
  },
};
