/**
 * Reading one partition on behalf of a client that does not speak the Kafka protocol (the
 * WebSocket gateway, the REST proxy): a Fetch (v12) of one partition through the Kafka Fetch
 * handler, so limits, long polling, isolation and authorization (READ on the topic) are
 * Kafka's: up to `maxBytes` but at least one whole batch (KIP-74); with fewer than `minBytes`
 * ready, waits up to `maxWaitMs` for an append.
 * Errors (KafkaError): UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (another broker
 * leads the partition), OFFSET_OUT_OF_RANGE, TOPIC_AUTHORIZATION_FAILED.
 * Source: protocol guide "Fetch" (apis/fetch.ts).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type FetchRequest, createFetchRequest } from '../protocol/generated/fetch-request.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import type { RequestContext } from './api.js';
import { fetchHandler } from './fetch.js';

export const FETCH_VERSION = 12;

export interface PartitionFetch {
  /** Whole record batches from the batch holding the fetch offset (may start before it). */
  batches: Uint8Array;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Ends leases on shared-memory views of `batches`; call once they are sent or copied. */
  release?: () => void;
}

export interface FetchLimits {
  /** Bytes (at least one whole batch is returned). */
  maxBytes: number;
  /** Long-poll time (ms). */
  maxWaitMs: number;
  /** Bytes to wait for (0: answer at once). */
  minBytes: number;
  /** 0 read_uncommitted (default), 1 read_committed (up to the last stable offset, KIP-98). */
  isolationLevel?: 0 | 1;
}

/** The Fetch request (v12 fields, consumer replica id -1) of `topic`-`partition` from `offset` with `limits`. */
export function fetchRequestFor(topic: string, partition: number, offset: number, limits: FetchLimits): FetchRequest {
  return createFetchRequest({
    replicaId: -1,
    maxWaitMs: limits.maxWaitMs,
    minBytes: limits.minBytes,
    maxBytes: limits.maxBytes,
    isolationLevel: limits.isolationLevel ?? 0,
    topics: [
      {
        topic,
        topicId: ZERO_UUID,
        partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: limits.maxBytes, replicaDirectoryId: ZERO_UUID }],
      },
    ],
  });
}

/** The one partition a Fetch `response` of fetchRequestFor answers; throws KafkaError with its error (after `release`). */
export function partitionFetchOf(response: FetchResponse, topic: string, partition: number, offset: number, release?: () => void): PartitionFetch {
  const data = response.responses[0]?.partitions[0];
  if (!data || data.errorCode !== ErrorCode.NONE) {
    release?.();
    throw new KafkaError(data?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `fetch from ${topic}-${partition} at offset ${offset} failed`);
  }
  return {
    batches: data.records ?? new Uint8Array(0),
    highWatermark: Number(data.highWatermark),
    lastStableOffset: Number(data.lastStableOffset),
    logStartOffset: Number(data.logStartOffset),
    release,
  };
}

/** Fetches `topic`-`partition` from `offset` (a real offset) with `limits` on this broker; throws KafkaError. */
export async function fetchPartition(ctx: RequestContext, topic: string, partition: number, offset: number, limits: FetchLimits): Promise<PartitionFetch> {
  const result = await fetchHandler.handle(fetchRequestFor(topic, partition, offset, limits), ctx);
  return partitionFetchOf(result!.response, topic, partition, offset, result!.release);
}
