/**
 * OffsetFetch (key 9, v0-9): a group's committed offsets (-1 where none). v2+ null topics
 * fetch every committed partition; v8+ asks for several groups at once (KIP-709).
 * Source: protocol guide "OffsetFetch".
 */
import { type OffsetFetchRequest, type OffsetFetchResponse, createOffsetFetchResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from './api.js';

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 9,
  handle(request, { broker, apiVersion }) {
    if (apiVersion >= 8) {
      const groups = request.groups.map((g) => {
        const result = broker.groups.fetchOffsets(g.groupId, g.topics);
        return { groupId: g.groupId, errorCode: result.errorCode, topics: result.topics };
      });
      return { response: createOffsetFetchResponse({ groups }) };
    }
    const result = broker.groups.fetchOffsets(request.groupId, request.topics);
    // Before v2 a group-level error can only be told per partition.
    const topics =
      apiVersion < 2 && result.errorCode !== 0
        ? (request.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: result.errorCode })) }))
        : result.topics;
    return { response: createOffsetFetchResponse({ errorCode: result.errorCode, topics }) };
  },
};
