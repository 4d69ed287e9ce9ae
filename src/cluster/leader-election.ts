/**
 * Leader elections an operator asks for (ElectLeaders, KIP-460; and the controller's
 * automatic preferred-leader rebalance), as Kafka's PartitionLeaderElectionAlgorithms decide
 * them. Pure: the state a partition moves to, or why it does not.
 *
 *   preferred  the first assigned replica leads, if it is alive and in the ISR;
 *              ELECTION_NOT_NEEDED if it leads already, PREFERRED_LEADER_NOT_AVAILABLE if not
 *              alive or not in sync.
 *   unclean    only a partition without a live leader: the first live ISR member in
 *              assignment order, failing that any live replica (records may be lost);
 *              ELECTION_NOT_NEEDED with a live leader, ELIGIBLE_LEADERS_NOT_AVAILABLE
 *              with no live replica.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { PartitionState } from './zk-paths.js';

export type ElectionType = 'preferred' | 'unclean';

/** ElectLeaders' election_type codes (v1+). */
export const ELECTION_TYPES: Readonly<Record<number, ElectionType>> = { 0: 'preferred', 1: 'unclean' };

export type ElectionOutcome = { state: PartitionState } | { errorCode: number; message: string };

/**
 * Decides one partition's election. `replicas` in assignment order (the first is the
 * preferred leader); `live` the brokers that may lead; `controllerEpoch` stamps the new state.
 */
export function electLeader(type: ElectionType, current: PartitionState, replicas: readonly number[], live: ReadonlySet<number>, controllerEpoch: number): ElectionOutcome {
  if (type === 'preferred') {
    const preferred = replicas[0]!;
    if (current.leader === preferred) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `the preferred replica ${preferred} is already the leader` };
    if (!live.has(preferred) || !current.isr.includes(preferred)) {
      return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message: `the preferred replica ${preferred} is ${live.has(preferred) ? 'not in the ISR' : 'not alive'}` };
    }
    return { state: { controllerEpoch, leader: preferred, leaderEpoch: current.leaderEpoch + 1, isr: current.isr } };
  }
  if (current.leader !== -1 && live.has(current.leader)) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `broker ${current.leader} leads and is alive` };
  const inSync = replicas.find((r) => live.has(r) && current.isr.includes(r));
  if (inSync !== undefined) return { state: { controllerEpoch, leader: inSync, leaderEpoch: current.leaderEpoch + 1, isr: current.isr.filter((r) => live.has(r)) } };
  const any = replicas.find((r) => live.has(r));
  if (any === undefined) return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message: `no replica of [${replicas}] is alive` };
  return { state: { controllerEpoch, leader: any, leaderEpoch: current.leaderEpoch + 1, isr: [any] } };
}

/**
 * The partitions the automatic rebalance moves back to their preferred leader (Kafka's
 * checkAndTriggerAutoLeaderRebalance): for each broker, if more than `imbalancePercentage` %
 * of the partitions it is preferred for are led by another broker, those whose preferred
 * replica is alive and in sync. `states` yields [topic, partition, replicas, state].
 */
export function imbalancedPartitions(
  states: Iterable<[string, number, readonly number[], PartitionState]>,
  live: ReadonlySet<number>,
  imbalancePercentage: number,
): Array<[string, number]> {
  const byPreferred = new Map<number, { total: number; moved: Array<[string, number, readonly number[], PartitionState]> }>();
  for (const entry of states) {
    const preferred = entry[2][0]!;
    const b = byPreferred.get(preferred) ?? { total: 0, moved: [] };
    b.total++;
    if (entry[3].leader !== preferred) b.moved.push(entry);
    byPreferred.set(preferred, b);
  }
  const out: Array<[string, number]> = [];
  for (const [preferred, b] of byPreferred) {
    if (!live.has(preferred) || b.moved.length === 0 || (b.moved.length * 100) / b.total <= imbalancePercentage) continue;
    for (const [topic, partition, , state] of b.moved) if (state.isr.includes(preferred)) out.push([topic, partition]);
  }
  return out;
}
