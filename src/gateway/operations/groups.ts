/**
 * Group membership over WebSocket — `joinGroup`, `syncGroup`, `heartbeat`, `leaveGroup` —
 * answered by the Kafka JoinGroup (v9), SyncGroup (v5), Heartbeat (v4) and LeaveGroup (v5)
 * handlers, so a WebSocket member and a Kafka-protocol member (KafkaJS, librdkafka, Java) are
 * members of one group in one coordinator, with the same rules: KIP-394 (a new member first
 * gets MEMBER_ID_REQUIRED with its id), KIP-345 static membership, rebalance and session
 * timeouts. The broker stays assignor-agnostic: `protocols[].metadata` and the
 * assignments are opaque bytes (for protocol type "consumer": Kafka's
 * ConsumerProtocolSubscription / ConsumerProtocolAssignment).
 *
 * Errors are error frames with Kafka's names: INVALID_GROUP_ID, NOT_COORDINATOR (cluster
 * mode: another broker leads the group's `__consumer_offsets` partition — see
 * findCoordinator), COORDINATOR_NOT_AVAILABLE, INVALID_SESSION_TIMEOUT,
 * INCONSISTENT_GROUP_PROTOCOL, MEMBER_ID_REQUIRED (the frame carries `memberId`),
 * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID,
 * GROUP_MAX_SIZE_REACHED; INVALID_REQUEST for ill-typed fields.
 * Source: protocol guide "JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup";
 * design.html "Consumer groups"; apis/join-group.ts and siblings.
 */
import { heartbeatHandler } from '../../apis/heartbeat.js';
import { joinGroupHandler } from '../../apis/join-group.js';
import { leaveGroupHandler } from '../../apis/leave-group.js';
import { syncGroupHandler } from '../../apis/sync-group.js';
import { ErrorCode, KafkaError, errorName } from '../../protocol/error-codes.js';
import { createHeartbeatRequest } from '../../protocol/generated/heartbeat-request.js';
import { createJoinGroupRequest } from '../../protocol/generated/join-group-request.js';
import { createLeaveGroupRequest } from '../../protocol/generated/leave-group-request.js';
import { createSyncGroupRequest } from '../../protocol/generated/sync-group-request.js';
import { bytesField, intField, mapsField, nullableStringField, optionalStringField, stringField } from '../fields.js';
import { type Operation, OperationError, WEBSOCKET_CLIENT_ID, kafkaContext, registered } from '../operation.js';

const JOIN_GROUP_VERSION = 9;
const SYNC_GROUP_VERSION = 5;
const HEARTBEAT_VERSION = 4;
const LEAVE_GROUP_VERSION = 5;
const INT32_MAX = 0x7fffffff;
/** Kafka's session.timeout.ms default (3.0+), ms. */
const DEFAULT_SESSION_TIMEOUT_MS = 45_000;

/**
 * A copy of a binary field: decoded fields are views of the incoming uWS message, valid only
 * while its handler runs, but the coordinator keeps metadata and assignments for the
 * group's lifetime.
 */
function ownBytes(view: Uint8Array | undefined): Uint8Array {
  return view ? view.slice() : new Uint8Array(0);
}

/** Throws the error frame for a Kafka error code (nothing when NONE). */
export function check(errorCode: number, what: string, fields: Record<string, unknown> = {}): void {
  if (errorCode === ErrorCode.NONE) return;
  const message = `${what}: ${errorName(errorCode)}`;
  throw Object.keys(fields).length > 0 ? new OperationError(errorCode, message, fields) : new KafkaError(errorCode, message);
}

/**
 * `joinGroup { groupId, memberId = "", groupInstanceId = nil, sessionTimeoutMs = 45000,
 * rebalanceTimeoutMs = sessionTimeoutMs, protocolType, protocols: [{ name, metadata: bin }],
 * clientId = "gregor-websocket", reason = nil }` → `{ generationId, protocolType,
 * protocolName, leader, memberId, skipAssignment, members: [{ memberId, groupInstanceId,
 * metadata }] }` (members: the leader only). Parks until the rebalance's join phase ends
 * (up to the group's rebalance timeout).
 */
export const joinGroup: Operation = async (request, session, ctx) => {
  const groupId = stringField(request, 'groupId');
  const memberId = optionalStringField(request, 'memberId', '');
  const sessionTimeoutMs = intField(request, 'sessionTimeoutMs', 0, INT32_MAX, DEFAULT_SESSION_TIMEOUT_MS);
  const kafkaRequest = createJoinGroupRequest({
    groupId,
    memberId,
    groupInstanceId: nullableStringField(request, 'groupInstanceId'),
    sessionTimeoutMs,
    rebalanceTimeoutMs: intField(request, 'rebalanceTimeoutMs', 0, INT32_MAX, sessionTimeoutMs),
    protocolType: stringField(request, 'protocolType'),
    protocols: mapsField(request, 'protocols', (p) => ({ name: stringField(p, 'name'), metadata: ownBytes(bytesField(p, 'metadata')) }))!,
    reason: nullableStringField(request, 'reason'),
  });
  const clientId = optionalStringField(request, 'clientId', WEBSOCKET_CLIENT_ID);
  const result = await registered(joinGroupHandler).handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), JOIN_GROUP_VERSION, clientId));
  const r = result!.response;
  // KIP-394: the new member's id comes with MEMBER_ID_REQUIRED; join again with it.
  check(r.errorCode, `cannot join group "${groupId}"`, r.errorCode === ErrorCode.MEMBER_ID_REQUIRED ? { memberId: r.memberId } : {});
  return {
    fields: {
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: r.protocolName,
      leader: r.leader,
      memberId: r.memberId,
      skipAssignment: r.skipAssignment,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    },
  };
};

/**
 * `syncGroup { groupId, generationId, memberId, groupInstanceId = nil, protocolType = nil,
 * protocolName = nil, assignments = [] }` → `{ protocolType, protocolName, assignment: bin }`.
 * The leader sends `assignments: [{ memberId, assignment: bin }]`; every member gets its
 * own once the leader's arrived.
 */
export const syncGroup: Operation = async (request, session, ctx) => {
  const groupId = stringField(request, 'groupId');
  const kafkaRequest = createSyncGroupRequest({
    groupId,
    generationId: intField(request, 'generationId', -1, INT32_MAX),
    memberId: stringField(request, 'memberId'),
    groupInstanceId: nullableStringField(request, 'groupInstanceId'),
    protocolType: nullableStringField(request, 'protocolType'),
    protocolName: nullableStringField(request, 'protocolName'),
    assignments: mapsField(request, 'assignments', (a) => ({ memberId: stringField(a, 'memberId'), assignment: ownBytes(bytesField(a, 'assignment')) }), true) ?? [],
  });
  const result = await registered(syncGroupHandler).handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), SYNC_GROUP_VERSION));
  const r = result!.response;
  check(r.errorCode, `cannot sync group "${groupId}"`);
  return { fields: { protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment } };
};

/**
 * `heartbeat { groupId, generationId, memberId, groupInstanceId = nil }` → `{}`.
 * REBALANCE_IN_PROGRESS (an error frame) tells the member to join again.
 */
export const heartbeat: Operation = async (request, session, ctx) => {
  const groupId = stringField(request, 'groupId');
  const kafkaRequest = createHeartbeatRequest({
    groupId,
    generationId: intField(request, 'generationId', -1, INT32_MAX),
    memberId: stringField(request, 'memberId'),
    groupInstanceId: nullableStringField(request, 'groupInstanceId'),
  });
  const result = await registered(heartbeatHandler).handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), HEARTBEAT_VERSION));
  check(result!.response.errorCode, `heartbeat for group "${groupId}"`);
  return { fields: {} };
};

/**
 * `leaveGroup { groupId, memberId = "", groupInstanceId = nil, reason = nil }` → `{}`.
 * A static member may leave by `groupInstanceId` alone (KIP-345).
 */
export const leaveGroup: Operation = async (request, session, ctx) => {
  const groupId = stringField(request, 'groupId');
  const member = {
    memberId: optionalStringField(request, 'memberId', ''),
    groupInstanceId: nullableStringField(request, 'groupInstanceId'),
    reason: nullableStringField(request, 'reason'),
  };
  const kafkaRequest = createLeaveGroupRequest({ groupId, members: [member] });
  const result = await registered(leaveGroupHandler).handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), LEAVE_GROUP_VERSION));
  const r = result!.response;
  check(r.errorCode, `cannot leave group "${groupId}"`);
  check(r.members[0]?.errorCode ?? ErrorCode.NONE, `member "${member.memberId || member.groupInstanceId}" cannot leave group "${groupId}"`);
  return { fields: {} };
};
