/**
 * OffsetDelete (key 47, v0): deletes a group's committed offsets for partitions it no longer
 * subscribes to. Errors: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP; per partition
 * GROUP_SUBSCRIBED_TO_TOPIC, UNKNOWN_TOPIC_OR_PARTITION; answered once the tombstones are on
 * the in-sync replicas (else COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR).
 * Source: protocol guide "OffsetDelete"; KIP-496.
 */
import type { OffsetDeleteRequest } from '../protocol/generated/offset-delete-request.js';
import { type OffsetDeleteResponse, createOffsetDeleteResponse } from '../protocol/generated/offset-delete-response.js';
import type { ApiHandler } from './api.js';

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  async handle(request, { broker }) {
    const result = await broker.groups.deleteOffsets(
      request.groupId,
      request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    return { response: createOffsetDeleteResponse(result) };
  },
};
