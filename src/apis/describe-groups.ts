/**
 * DescribeGroups (key 15, v0-5): state, protocol and members of groups; member metadata
 * and assignments only while Stable (as Kafka). An unknown group is reported Dead.
 * v3+ reports the caller's authorized operations on the group on request (KIP-430).
 * Source: protocol guide "DescribeGroups"; KIP-430.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DescribeGroupsRequest } from '../protocol/generated/describe-groups-request.js';
import { type DescribeGroupsResponse, createDescribeGroupsResponse } from '../protocol/generated/describe-groups-response.js';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, groupPermitted } from './authorize.js';
import { AclOperation, groupResource } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(request, ctx) {
    const { broker } = ctx;
    const groups = request.groups.map((id) =>
      groupPermitted(ctx, AclOperation.DESCRIBE, id)
        ? { ...broker.groups.describe(id), authorizedOperations: authorizedOperations(ctx, groupResource(id), request.includeAuthorizedOperations) }
        : { ...broker.groups.describe(id), errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED });
    return { response: createDescribeGroupsResponse({ groups }) };
  },
};
