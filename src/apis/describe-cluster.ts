/**
 * DescribeCluster (key 60, v0-1; KIP-700): the cluster id, the controller and the live
 * brokers with their endpoints on the client's listener and racks; v1 endpoint type 1
 * (brokers) only — 2 (controllers) is UNSUPPORTED_ENDPOINT_TYPE on a broker, as in Kafka.
 * The caller's cluster operations on request (KIP-430).
 * Source: protocol guide "DescribeCluster"; KIP-700, KIP-919.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { DescribeClusterRequest } from '../protocol/generated/describe-cluster-request.js';
import { type DescribeClusterResponse, createDescribeClusterResponse } from '../protocol/generated/describe-cluster-response.js';
import { CLUSTER_RESOURCE } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { authorizedOperations } from './authorize.js';
import { liveBrokerEndpoints } from './broker-endpoints.js';

const ENDPOINT_TYPE_BROKERS = 1;

export const describeClusterHandler: ApiHandler<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const { broker } = ctx;
    const endpointType = ctx.apiVersion >= 1 ? request.endpointType : ENDPOINT_TYPE_BROKERS;
    if (endpointType !== ENDPOINT_TYPE_BROKERS) {
      return { response: createDescribeClusterResponse({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `endpoint type ${endpointType} is not served by a broker`, endpointType, clusterId: broker.clusterId }) };
    }
    return {
      response: createDescribeClusterResponse({
        errorCode: ErrorCode.NONE,
        endpointType,
        clusterId: broker.clusterId,
        controllerId: broker.metadata.controllerId,
        brokers: liveBrokerEndpoints(broker, ctx.session.listenerName).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
        clusterAuthorizedOperations: authorizedOperations(ctx, CLUSTER_RESOURCE, request.includeClusterAuthorizedOperations),
      }),
    };
  },
};
