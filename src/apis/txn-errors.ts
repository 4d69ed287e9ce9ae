/**
 * PRODUCER_FENCED (KIP-588) is new in each transactional API's version that introduced it;
 * older clients get INVALID_PRODUCER_EPOCH instead, as Kafka's KafkaApis answers them.
 */
import { ErrorCode } from '../protocol/error-codes.js';

/** `errorCode`, with PRODUCER_FENCED as INVALID_PRODUCER_EPOCH when `apiVersion` < `sinceVersion`. */
export function fencedForVersion(errorCode: number, apiVersion: number, sinceVersion: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < sinceVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
