/**
 * The client's typed error: a Kafka error code and name, as the broker's error frames carry
 * them (`{ code, name, message }`), plus whether Kafka considers the error retriable.
 * Network failures are NETWORK_EXCEPTION (13), time-outs REQUEST_TIMED_OUT (7).
 * Source: Kafka `Errors.java` (names, codes) and its RetriableException subclasses.
 */
import { ErrorCode, type ErrorName, errorName } from '../protocol/error-codes.js';

export { ErrorCode, type ErrorName } from '../protocol/error-codes.js';

/** Codes whose exceptions extend Kafka's RetriableException. */
const RETRIABLE = new Set<number>([
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
  ErrorCode.INVALID_FETCH_SESSION_EPOCH,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
  ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
  ErrorCode.UNSTABLE_OFFSET_COMMIT,
  ErrorCode.THROTTLING_QUOTA_EXCEEDED,
]);

export class GregorError extends Error {
  /** Kafka error code, e.g. 3. */
  readonly code: number;
  /** Kafka error name, e.g. UNKNOWN_TOPIC_OR_PARTITION (`name` stays "GregorError"). */
  readonly type: string;
  /** Whether retrying the same request may succeed (Kafka's RetriableException). */
  readonly retriable: boolean;
  /** The partition concerned, when there is one. */
  readonly topic?: string;
  readonly partition?: number;
  /** joinGroup's MEMBER_ID_REQUIRED: the member id to join with (KIP-394). */
  readonly memberId?: string;

  constructor(code: number, message: string, where: { topic?: string; partition?: number; memberId?: string } = {}) {
    const type = errorName(code);
    super(`${type}: ${message}`);
    this.name = 'GregorError';
    this.code = code;
    this.type = type;
    this.retriable = RETRIABLE.has(code);
    if (where.topic !== undefined) this.topic = where.topic;
    if (where.partition !== undefined) this.partition = where.partition;
    if (where.memberId !== undefined) this.memberId = where.memberId;
  }

  /** True if this error has the given Kafka name. */
  is(name: ErrorName): boolean {
    return this.type === name;
  }
}
