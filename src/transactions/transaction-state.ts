/**
 * The states of a transactional id at its coordinator (KIP-98), with the ids Kafka writes in
 * `TransactionLogValue.TransactionStatus` and the names DescribeTransactions / ListTransactions
 * report. Per state, what it answers and where it goes next:
 *
 *   Empty (0)            no transaction; AddPartitions → Ongoing; InitProducerId → Empty
 *   Ongoing (1)          partitions added; EndTxn → PrepareCommit / PrepareAbort; timeout or a
 *                        new incarnation → PrepareAbort (or PrepareEpochFence)
 *   PrepareCommit (2)    logged commit decision; markers being written → CompleteCommit;
 *                        requests get CONCURRENT_TRANSACTIONS
 *   PrepareAbort (3)     likewise → CompleteAbort
 *   CompleteCommit (4)   markers written; as Empty for the next transaction
 *   CompleteAbort (5)    likewise
 *   Dead (6)             the transactional id expired (`transactional.id.expiration.ms`);
 *                        its record is a tombstone
 *   PrepareEpochFence (7) a timed-out transaction is being aborted with the epoch bumped, so
 *                        the producer that owned it is fenced → PrepareAbort
 *
 * Source: Kafka TransactionState.java (transaction-coordinator module), KIP-98, KIP-664.
 */

export enum TransactionState {
  Empty = 0,
  Ongoing = 1,
  PrepareCommit = 2,
  PrepareAbort = 3,
  CompleteCommit = 4,
  CompleteAbort = 5,
  Dead = 6,
  PrepareEpochFence = 7,
}

/** Kafka's state names, as DescribeTransactions and ListTransactions (KIP-664) report them. */
export const STATE_NAMES: Record<TransactionState, string> = {
  [TransactionState.Empty]: 'Empty',
  [TransactionState.Ongoing]: 'Ongoing',
  [TransactionState.PrepareCommit]: 'PrepareCommit',
  [TransactionState.PrepareAbort]: 'PrepareAbort',
  [TransactionState.CompleteCommit]: 'CompleteCommit',
  [TransactionState.CompleteAbort]: 'CompleteAbort',
  [TransactionState.Dead]: 'Dead',
  [TransactionState.PrepareEpochFence]: 'PrepareEpochFence',
};

const S = TransactionState;

/** For each state, the states it may be entered from (Kafka TransactionState.validPreviousStates). */
const VALID_PREVIOUS: Record<TransactionState, readonly TransactionState[]> = {
  [S.Empty]: [S.Empty, S.CompleteCommit, S.CompleteAbort],
  [S.Ongoing]: [S.Ongoing, S.Empty, S.CompleteCommit, S.CompleteAbort],
  [S.PrepareCommit]: [S.Ongoing],
  [S.PrepareAbort]: [S.Ongoing, S.PrepareEpochFence],
  [S.CompleteCommit]: [S.PrepareCommit],
  [S.CompleteAbort]: [S.PrepareAbort],
  [S.Dead]: [S.Empty, S.CompleteAbort, S.CompleteCommit],
  [S.PrepareEpochFence]: [S.Ongoing],
};

/** True if `from` → `to` is one of Kafka's legal transitions. */
export function isLegalTransition(from: TransactionState, to: TransactionState): boolean {
  return VALID_PREVIOUS[to].includes(from);
}

/** The state id of a name, case-insensitive (ListTransactions' state filter); undefined if unknown. */
export function stateOfName(name: string): TransactionState | undefined {
  const lower = name.toLowerCase();
  for (const [id, n] of Object.entries(STATE_NAMES)) if (n.toLowerCase() === lower) return Number(id) as TransactionState;
  return undefined;
}

/** Prepare* and PrepareEpochFence: markers are being written; requests get CONCURRENT_TRANSACTIONS. */
export function isCompleting(state: TransactionState): boolean {
  return state === S.PrepareCommit || state === S.PrepareAbort || state === S.PrepareEpochFence;
}
