/**
 * Committed offsets over WebSocket — `commitOffsets` and `fetchOffsets` — answered by the
 * Kafka OffsetCommit (v8) and OffsetFetch (v7) handlers: the same `__consumer_offsets`,
 * the same checks (membership, generation, metadata size), so offsets committed here are
 * what KafkaJS or kcat resume from, and the other way round.
 *
 * A commit the coordinator rejects as a whole — every partition with the same error:
 * ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID,
 * INVALID_GROUP_ID, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, REQUEST_TIMED_OUT, or a
 * lone partition's UNKNOWN_TOPIC_OR_PARTITION / OFFSET_METADATA_TOO_LARGE — is an error
 * frame and moved nothing. When only some partitions fail, the others are committed and
 * the result lists each partition with an `error` where it failed (as metadata does for
 * topics).
 * Source: protocol guide "OffsetCommit", "OffsetFetch"; apis/offset-commit.ts, offset-fetch.ts.
 */
import { offsetCommitHandler } from '../../apis/offset-commit.js';
import { offsetFetchHandler } from '../../apis/offset-fetch.js';
import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import { createOffsetCommitRequest } from '../../protocol/generated/offset-commit-request.js';
import { createOffsetFetchRequest } from '../../protocol/generated/offset-fetch-request.js';
import { boolField, intField, mapsField, nullableStringField, optionalStringField, stringField } from '../fields.js';
import { type Operation, kafkaContext, registered } from '../operation.js';
import { check } from './groups.js';

const OFFSET_COMMIT_VERSION = 8;
const OFFSET_FETCH_VERSION = 7;
const INT32_MAX = 0x7fffffff;

type PartitionError = { code: number; name: string; message: string };

function partitionError(code: number, topic: string, partition: number): PartitionError {
  return { code, name: errorName(code), message: `${errorName(code)} for ${topic}-${partition}` };
}

/** Groups a flat list by topic, keeping first-seen order. */
function byTopic<T extends { topic: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.topic, [...(out.get(item.topic) ?? []), item]);
  return out;
}

/**
 * `commitOffsets { groupId, generationId = -1, memberId = "", groupInstanceId = nil,
 * offsets: [{ topic, partition, offset, leaderEpoch = -1, metadata = nil }] }` →
 * `{ partitions: [{ topic, partition, error? }] }`. `offset` is the next record to read
 * (a position). Generation -1 without member id commits for a group with no members
 * (manual assignment), as Kafka allows.
 */
export const commitOffsets: Operation = async (request, session, ctx) => {
  const groupId = stringField(request, 'groupId');
  const offsets = mapsField(request, 'offsets', (o) => ({
    topic: stringField(o, 'topic'),
    partition: intField(o, 'partition', 0, INT32_MAX),
    offset: intField(o, 'offset', -1, Number.MAX_SAFE_INTEGER),
    leaderEpoch: intField(o, 'leaderEpoch', -1, INT32_MAX, -1),
    metadata: nullableStringField(o, 'metadata'),
  }))!;
  const kafkaRequest = createOffsetCommitRequest({
    groupId,
    generationIdOrMemberEpoch: intField(request, 'generationId', -1, INT32_MAX, -1),
    memberId: optionalStringField(request, 'memberId', ''),
    groupInstanceId: nullableStringField(request, 'groupInstanceId'),
    topics: [...byTopic(offsets)].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, commitTimestamp: -1, committedMetadata: o.metadata })),
    })),
  });
  const result = await registered(offsetCommitHandler).handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), OFFSET_COMMIT_VERSION));
  const partitions = result!.response.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
  const codes = new Set(partitions.map((p) => p.errorCode));
  if (codes.size === 1 && !codes.has(ErrorCode.NONE)) {
    const [code] = codes;
    check(code!, partitions.length === 1 ? `cannot commit ${partitions[0]!.topic}-${partitions[0]!.partition} for group "${groupId}"` : `cannot commit offsets for group "${groupId}"`);
  }
  return {
    fields: {
      partitions: partitions.map(({ topic, partition, errorCode }) => (errorCode === ErrorCode.NONE ? { topic, partition } : { topic, partition, error: partitionError(errorCode, topic, partition) })),
    },
  };
};

/**
 * `fetchOffsets { groupId, partitions = nil: [{ topic, partition }], requireStable = false }`
 * → `{ offsets: [{ topic, partition, offset, leaderEpoch, metadata, error? }] }`; offset -1
 * where nothing is committed; nil `partitions`: every partition the group committed.
 */
export const fetchOffsets: Operation = async (request, session, ctx) => {
  const groupId = stringField(request, 'groupId');
  const partitions = mapsField(request, 'partitions', (p) => ({ topic: stringField(p, 'topic'), partition: intField(p, 'partition', 0, INT32_MAX) }), true);
  const kafkaRequest = createOffsetFetchRequest({
    groupId,
    topics: partitions === null ? null : [...byTopic(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((p) => p.partition) })),
    requireStable: boolField(request, 'requireStable', false),
  });
  const result = await registered(offsetFetchHandler).handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), OFFSET_FETCH_VERSION));
  const r = result!.response;
  check(r.errorCode, `cannot fetch offsets of group "${groupId}"`);
  return {
    fields: {
      offsets: r.topics.flatMap((t) =>
        t.partitions.map((p) => {
          const entry: Record<string, unknown> = { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata ?? '' };
          if (p.errorCode !== ErrorCode.NONE) entry['error'] = partitionError(p.errorCode, t.name, p.partitionIndex);
          return entry;
        }),
      ),
    },
  };
};
