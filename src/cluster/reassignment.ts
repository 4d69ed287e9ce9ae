/**
 * Partition reassignment as KIP-455 runs it (Kafka KafkaController.onPartitionReassignment):
 * with original replicas ORS and target replicas TRS, the partition is first assigned
 * RS = TRS + (ORS − TRS) with adding AR = TRS − ORS and removing RR = ORS − TRS, and its
 * leader epoch is bumped so every replica learns the set; the new replicas catch up as
 * followers; once all of TRS is in the ISR, the leader moves into TRS if it is not there, RR
 * leaves the ISR, and the assignment becomes TRS (RR's brokers delete their replicas).
 * Cancelling reverts to ORS = RS − AR. Pure: what to write, not the writing.
 */

export interface ReassignmentPlan {
  /** The assignment during the move: the target first, then the original's others. */
  replicas: number[];
  adding: number[];
  removing: number[];
}

/** The assignment while moving `original` to `target` (ORS, TRS above). */
export function planReassignment(original: readonly number[], target: readonly number[]): ReassignmentPlan {
  return {
    replicas: [...target, ...original.filter((r) => !target.includes(r))],
    adding: target.filter((r) => !original.includes(r)),
    removing: original.filter((r) => !target.includes(r)),
  };
}

/** The target of an ongoing reassignment: RS − RR. */
export function targetOf(replicas: readonly number[], removing: readonly number[]): number[] {
  return replicas.filter((r) => !removing.includes(r));
}

/** The original of an ongoing reassignment (what cancelling restores): RS − AR. */
export function originalOf(replicas: readonly number[], adding: readonly number[]): number[] {
  return replicas.filter((r) => !adding.includes(r));
}
