/**
 * One partition replica as this broker holds it (Kafka's Partition), and the replication
 * settings: the shapes ReplicaManager, the fetchers and the DeleteRecords purgatory share.
 */
import type { PartitionLog } from '../storage/log.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';

export interface ReplicationConfig {
  /** `replica.lag.time.max.ms` */
  replicaLagTimeMaxMs: number;
  /** `min.insync.replicas` (broker default; topics may override) */
  minInsyncReplicas: number;
  /** `replica.fetch.wait.max.ms` */
  replicaFetchWaitMaxMs: number;
  /** `replica.fetch.max.bytes`: per partition and fetch */
  replicaFetchMaxBytes: number;
  /** `replica.fetch.response.max.bytes`: a whole fetch response (Kafka: 10 MiB) */
  replicaFetchResponseMaxBytes: number;
  /**
   * `replica.selector.class` = Kafka's RackAwareReplicaSelector (KIP-392): the leader points
   * consumers that send a `rack_id` to an in-sync replica in their rack. Absent/false: consumers
   * read from leaders only.
   */
  rackAwareReplicaSelector?: boolean;
  /**
   * Replication throttles (replication-quota.ts), read live: `leader.replication.throttled.rate`,
   * `follower.replication.throttled.rate` (bytes/s), and the quota's sampling windows.
   * Absent: no throttling.
   */
  throttle?: {
    leaderRate(): number;
    followerRate(): number;
    /** `replication.quota.window.num` */
    windowNum: number;
    /** `replication.quota.window.size.seconds`, in ms */
    windowSizeMs: number;
  };
}

export interface FollowerState {
  /** The follower's log end offset, as its last fetch offset says; -1 before its first fetch. */
  logEndOffset: number;
  /** ms when it last fetched at or past the leader's log end offset (KIP-… lag by time). */
  lastCaughtUpMs: number;
  /** The follower's log start offset, as its last fetch says; -1 before its first fetch. */
  logStartOffset: number;
}

export interface Replica {
  topic: string;
  partition: number;
  log: PartitionLog;
  epochs: LeaderEpochCache;
  role: 'leader' | 'follower' | 'offline';
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  zkVersion: number;
  followers: Map<number, FollowerState>;
}
