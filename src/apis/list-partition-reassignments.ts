/**
 * ListPartitionReassignments (key 46, v0; KIP-455): the reassignments in progress — each
 * partition's replicas during the move and the replicas being added and removed — of the
 * named partitions, or of all (topics null). Answered by the controller; elsewhere
 * NOT_CONTROLLER. Authorization: DESCRIBE on the cluster.
 * Source: protocol guide "ListPartitionReassignments"; KIP-455.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { ListPartitionReassignmentsRequest } from '../protocol/generated/list-partition-reassignments-request.js';
import { type ListPartitionReassignmentsResponse, createListPartitionReassignmentsResponse } from '../protocol/generated/list-partition-reassignments-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

export const listPartitionReassignmentsHandler: ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse> = {
  apiKey: 46,
  name: 'ListPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  handle(request, ctx) {
    const { controller } = ctx.broker;
    const refuse = (errorCode: number, errorMessage: string) => ({ response: createListPartitionReassignmentsResponse({ errorCode, errorMessage, topics: [] }) });
    if (!clusterPermitted(ctx, AclOperation.DESCRIBE)) return refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'not authorized to describe the cluster');
    if (!controller.isActive) return refuse(ErrorCode.NOT_CONTROLLER, 'this broker is not the controller');
    const wanted = request.topics?.flatMap((t) => t.partitionIndexes.map((p): [string, number] => [t.name, p])) ?? null;
    const byTopic = new Map<string, ListPartitionReassignmentsResponse['topics'][number]>();
    for (const r of controller.listPartitionReassignments(wanted)) {
      let t = byTopic.get(r.topic);
      if (!t) byTopic.set(r.topic, (t = { name: r.topic, partitions: [] }));
      t.partitions.push({ partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.adding, removingReplicas: r.removing });
    }
    return { response: createListPartitionReassignmentsResponse({ errorCode: ErrorCode.NONE, topics: [...byTopic.values()] }) };
  },
};
