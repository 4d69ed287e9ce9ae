/**
 * The log the gateway reads a partition from: on a single broker its only log; in cluster
 * mode the log of a partition this broker leads (ReplicaManager.leaderLog), never a
 * follower's, as Kafka's Fetch serves consumers only from the leader.
 * Errors: UNKNOWN_TOPIC_OR_PARTITION (no such partition), NOT_LEADER_OR_FOLLOWER (cluster:
 * another broker leads it; the client refreshes metadata). Source: protocol guide "Fetch".
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { Broker } from '../broker.js';
import type { PartitionLog } from '../storage/log.js';

export function leaderLog(broker: Pick<Broker, 'logs' | 'replicas'>, topic: string, partition: number): PartitionLog {
  if (broker.replicas) return broker.replicas.leaderLog(topic, partition);
  const log = broker.logs.partition(topic, partition);
  if (!log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition} does not exist`);
  return log;
}
