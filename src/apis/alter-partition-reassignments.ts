/**
 * AlterPartitionReassignments (key 45, v0; KIP-455): starts moving partitions to new replica
 * sets, or cancels ongoing moves (replicas null). Answered by the controller once each move is
 * started: the new replicas catch up, join the ISR, and the old ones are dropped
 * (src/cluster/reassignment.ts); elsewhere NOT_CONTROLLER (top level). ListPartitionReassignments
 * shows the moves in progress.
 * Authorization: ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED, top level).
 * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT,
 * NO_REASSIGNMENT_IN_PROGRESS.
 * Source: protocol guide "AlterPartitionReassignments"; KIP-455.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { AlterPartitionReassignmentsRequest } from '../protocol/generated/alter-partition-reassignments-request.js';
import { type AlterPartitionReassignmentsResponse, createAlterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

export const alterPartitionReassignmentsHandler: ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse> = {
  apiKey: 45,
  name: 'AlterPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  async handle(request, ctx) {
    const { controller } = ctx.broker;
    const refuse = (errorCode: number, errorMessage: string) => ({ response: createAlterPartitionReassignmentsResponse({ errorCode, errorMessage, responses: [] }) });
    if (!clusterPermitted(ctx, AclOperation.ALTER)) return refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'not authorized to reassign partitions');
    if (!controller.isActive) return refuse(ErrorCode.NOT_CONTROLLER, 'this broker is not the controller');
    const changes = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })));
    const results = await controller.alterPartitionReassignments(changes);
    const responses = request.topics.map((t) => ({
      name: t.name,
      partitions: results.filter((r) => r.topic === t.name).map((r) => ({ partitionIndex: r.partition, errorCode: r.errorCode, errorMessage: r.message })),
    }));
    return { response: createAlterPartitionReassignmentsResponse({ errorCode: ErrorCode.NONE, responses }) };
  },
};
