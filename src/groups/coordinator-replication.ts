/**
 * How the group coordinator learns that its writes to `__consumer_offsets` are safe: an append
 * returns where it landed (LogPosition); the operation that answers a client waits until the
 * partition's high watermark reaches that position (AwaitReplication, injected: the replica
 * manager's wait in a cluster, complete at once on a single broker), and a failed wait becomes
 * the error Kafka gives the client (appendErrorToResponseError).
 * Source: Kafka GroupMetadataManager.appendGroupMetadataErrorToResponseError (group-coordinator
 * module); design.html "Consumer Offset Tracking" (the coordinator writes with acks=all).
 */
import { ErrorCode } from '../protocol/error-codes.js';

/** Where an append to `__consumer_offsets` landed: its partition, the batch's base offset and the log end offset after it. */
export interface LogPosition {
  partition: number;
  baseOffset?: number;
  endOffset: number;
}

/**
 * Resolves once the high watermark of `__consumer_offsets` partition `partition` reaches
 * `endOffset` (the write is on every in-sync replica), with NONE; or with REQUEST_TIMED_OUT
 * after `timeoutMs`, NOT_LEADER_OR_FOLLOWER if this broker no longer leads it, or another
 * append error code.
 */
export type AwaitReplication = (partition: number, endOffset: number, timeoutMs: number) => Promise<number>;

/** A single broker: a write is complete once it is in the local log. */
export const REPLICATED_AT_ONCE: AwaitReplication = () => Promise.resolve(ErrorCode.NONE);

/**
 * The error a client gets when a coordinator write failed with `appendError` (as Kafka's
 * appendGroupMetadataErrorToResponseError): UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS(_AFTER_APPEND)
 * and REQUEST_TIMED_OUT → COORDINATOR_NOT_AVAILABLE; NOT_LEADER_OR_FOLLOWER and KAFKA_STORAGE_ERROR
 * → NOT_COORDINATOR; MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE →
 * UNKNOWN_SERVER_ERROR; anything else (NONE included) as it is.
 */
export function appendErrorToResponseError(appendError: number): number {
  switch (appendError) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return appendError;
  }
}

/**
 * The error an OffsetCommit gets when its write failed with `appendError`: a batch too large
 * (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE) is INVALID_COMMIT_OFFSET_SIZE
 * (Kafka GroupMetadataManager.storeOffsets); the rest as appendErrorToResponseError.
 */
export function offsetCommitErrorToResponseError(appendError: number): number {
  switch (appendError) {
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return appendErrorToResponseError(appendError);
  }
}
