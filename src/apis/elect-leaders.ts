/**
 * ElectLeaders (key 43, v0-2; KIP-183, KIP-460): asks the controller for a preferred
 * (election_type 0; v0 is always preferred) or unclean (1) leader election on the named
 * partitions, or on every partition when `topic_partitions` is null. Answered by the
 * controller once the new states are written; elsewhere every partition is NOT_CONTROLLER
 * (admin clients send it to the controller). On a single broker every partition is led by
 * its only replica: ELECTION_NOT_NEEDED.
 * Authorization: ALTER on the cluster; denied, every named partition is
 * CLUSTER_AUTHORIZATION_FAILED (and the top-level error with all partitions asked for).
 * Errors per partition: ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
 * ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, NOT_CONTROLLER; top level
 * (v1+) INVALID_REQUEST for an unknown election type.
 * Source: protocol guide "ElectLeaders"; Kafka KafkaApis.handleElectLeaders.
 */
import { ELECTION_TYPES } from '../cluster/leader-election.js';
import type { ElectionResult } from '../cluster/controller.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ElectLeadersRequest } from '../protocol/generated/elect-leaders-request.js';
import { type ElectLeadersResponse, createElectLeadersResponse } from '../protocol/generated/elect-leaders-response.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

/** Results grouped by topic, in the response's shape. */
function byTopic(results: readonly ElectionResult[]): ElectLeadersResponse['replicaElectionResults'] {
  const topics = new Map<string, ElectLeadersResponse['replicaElectionResults'][number]>();
  for (const r of results) {
    let t = topics.get(r.topic);
    if (!t) topics.set(r.topic, (t = { topic: r.topic, partitionResult: [] }));
    t.partitionResult.push({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.message });
  }
  return [...topics.values()];
}

export const electLeadersHandler: ApiHandler<ElectLeadersRequest, ElectLeadersResponse> = {
  apiKey: 43,
  name: 'ElectLeaders',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx) {
    const wanted = request.topicPartitions?.flatMap((t) => t.partitions.map((p): [string, number] => [t.topic, p])) ?? null;
    const failAll = (errorCode: number, message: string) =>
      createElectLeadersResponse({ errorCode, replicaElectionResults: byTopic((wanted ?? []).map(([topic, partition]) => ({ topic, partition, errorCode, message }))) });
    if (!clusterPermitted(ctx, AclOperation.ALTER)) return { response: failAll(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'not authorized to elect leaders') };
    const type = ELECTION_TYPES[ctx.apiVersion >= 1 ? request.electionType : 0];
    if (!type) return { response: failAll(ErrorCode.INVALID_REQUEST, `unknown election type ${request.electionType}`) };
    const results = await ctx.broker.controller.electLeaders(wanted, type);
    return { response: createElectLeadersResponse({ errorCode: ErrorCode.NONE, replicaElectionResults: byTopic(results) }) };
  },
};
