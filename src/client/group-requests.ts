/**
 * Typed calls of the gateway's group operations (docs/websocket-protocol.md, "Consumer
 * groups"): each sends one request and returns its result, or rejects with the GregorError
 * of the error frame (Kafka's code and name, e.g. ILLEGAL_GENERATION).
 */
import type { FetchOffsetsResult, FindCoordinatorResult, JoinGroupRequest, JoinGroupResult, SyncGroupResult } from '../gateway/protocol.js';
import { GregorError } from './errors.js';
import type { TopicPartition, TopicPartitionOffset } from './records.js';

/** Sends a request frame (without id) and resolves with its result frame. */
export type Requester = <T>(frame: Record<string, unknown>, timeoutMs?: number) => Promise<T>;

/** Who commits: a member of a generation, or nobody (generation -1: a group without members). */
export interface CommitIdentity {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const NO_MEMBER: CommitIdentity = { generationId: -1, memberId: '', groupInstanceId: null };

/** The coordinator of `groupId`. Errors: COORDINATOR_NOT_AVAILABLE. */
export function findCoordinator(request: Requester, groupId: string): Promise<FindCoordinatorResult> {
  return request<FindCoordinatorResult>({ op: 'findCoordinator', groupId });
}

/** JoinGroup; `timeoutMs` should cover the rebalance timeout. Errors: see the protocol doc. */
export function joinGroup(request: Requester, fields: Omit<JoinGroupRequest, 'op' | 'id'>, timeoutMs: number): Promise<JoinGroupResult> {
  return request<JoinGroupResult>({ op: 'joinGroup', ...fields }, timeoutMs);
}

/** SyncGroup: the leader passes `assignments`; resolves with this member's assignment bytes. */
export async function syncGroup(
  request: Requester,
  fields: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null; protocolType: string; protocolName: string | null; assignments: Array<{ memberId: string; assignment: Uint8Array }> },
  timeoutMs: number,
): Promise<Uint8Array> {
  const r = await request<SyncGroupResult>({ op: 'syncGroup', ...fields }, timeoutMs);
  return r.assignment;
}

/** Heartbeat. Errors: REBALANCE_IN_PROGRESS (join again), ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID. */
export async function heartbeat(request: Requester, groupId: string, who: CommitIdentity, timeoutMs?: number): Promise<void> {
  await request({ op: 'heartbeat', groupId, generationId: who.generationId, memberId: who.memberId, groupInstanceId: who.groupInstanceId }, timeoutMs);
}

/** LeaveGroup. Errors: UNKNOWN_MEMBER_ID. */
export async function leaveGroup(request: Requester, groupId: string, memberId: string, groupInstanceId: string | null, reason: string | null = null): Promise<void> {
  await request({ op: 'leaveGroup', groupId, memberId, groupInstanceId, reason });
}

/**
 * Commits positions (the next offset to read per partition). Rejects with the first
 * partition's error if any partition was not committed (the others were).
 */
export async function commitOffsets(request: Requester, groupId: string, offsets: TopicPartitionOffset[], who: CommitIdentity = NO_MEMBER): Promise<void> {
  if (offsets.length === 0) return;
  const r = await request<{ partitions: Array<TopicPartition & { error?: { code: number; message: string } }> }>({
    op: 'commitOffsets',
    groupId,
    generationId: who.generationId,
    memberId: who.memberId,
    groupInstanceId: who.groupInstanceId,
    offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
  });
  const failed = r.partitions.find((p) => p.error);
  if (failed) throw new GregorError(failed.error!.code, failed.error!.message, { topic: failed.topic, partition: failed.partition });
}

/** Committed offsets (offset -1: none) of these partitions, or of every partition the group committed (null). */
export async function fetchOffsets(request: Requester, groupId: string, partitions: TopicPartition[] | null): Promise<TopicPartitionOffset[]> {
  const r = await request<FetchOffsetsResult>({ op: 'fetchOffsets', groupId, partitions: partitions?.map(({ topic, partition }) => ({ topic, partition })) ?? null });
  const failed = r.offsets.find((o) => o.error);
  if (failed) throw new GregorError(failed.error!.code, failed.error!.message, { topic: failed.topic, partition: failed.partition });
  return r.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
}
