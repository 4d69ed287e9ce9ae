/**
 * OffsetForLeaderEpoch (key 23, v0-4): where a leader epoch ends on this leader — the start
 * of the next epoch, or the log end offset for the current one — so a follower (or a
 * returning old leader) truncates divergent records before fetching (KIP-101, KIP-279) and
 * consumers can detect log truncation (KIP-320).
 * Errors per partition: NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH
 * (the caller's current leader epoch is older), UNKNOWN_LEADER_EPOCH (newer).
 * On a single broker (no replication) every epoch is 0 and ends at the log end offset.
 * Source: protocol guide "OffsetForLeaderEpoch".
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { OffsetForLeaderEpochRequest } from '../protocol/generated/offset-for-leader-epoch-request.js';
import { type OffsetForLeaderEpochResponse, createOffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch-response.js';
import type { ApiHandler } from './api.js';

export const offsetForLeaderEpochHandler: ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  handle(request, { broker }) {
    const replicas = broker.replicas;
    const topics = request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const fail = (errorCode: number) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 });
        try {
          const replica = replicas.replica(t.topic, p.partition);
          if (replica && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < replica.leaderEpoch) return fail(ErrorCode.FENCED_LEADER_EPOCH);
          if (replica && p.currentLeaderEpoch > replica.leaderEpoch) return fail(ErrorCode.UNKNOWN_LEADER_EPOCH);
          const { leaderEpoch, endOffset } = replicas.endOffsetForEpoch(t.topic, p.partition, p.leaderEpoch);
          return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch, endOffset };
        } catch (err) {
          if (err instanceof KafkaError) return fail(err.code);
          throw err;
        }
      }),
    }));
    return { response: createOffsetForLeaderEpochResponse({ topics }) };
  },
};
