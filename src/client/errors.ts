/**
 * The client's typed error: a Kafka error code and name, as the broker's error frames carry
 * them (`{ code, name, message }`), plus whether Kafka considers the error retriable.
 * Network failures are NETWORK_EXCEPTION (13), time-outs REQUEST_TIMED_OUT (7).
 * Source: Kafka `Errors.java` (names, codes) and its RetriableException subclasses.
 */
import { type ErrorName, errorName, isRetriable } from '../protocol/error-codes.js';

export { ErrorCode, type ErrorName } from '../protocol/error-codes.js';

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
    this.retriable = isRetriable(code);
    if (where.topic !== undefined) this.topic = where.topic;
    if (where.partition !== undefined) this.partition = where.partition;
    if (where.memberId !== undefined) this.memberId = where.memberId;
  }

  /** True if this error has the given Kafka name. */
  is(name: ErrorName): boolean {
    return this.type === name;
  }
}
