/**
 * The group coordinator's settings, by their Kafka broker property names (docs/
 * configuration.html "Broker Configs": group.*, offsets.*, offset.metadata.max.bytes), shared
 * by the modules of the coordinator (group-coordinator.ts and the managers it delegates to).
 * Units: ms unless said otherwise.
 */
export interface GroupCoordinatorConfig {
  /** `group.min.session.timeout.ms` */
  minSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms` */
  maxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms` */
  initialRebalanceDelayMs: number;
  /** `group.max.size` */
  maxSize: number;
  /** `offsets.topic.num.partitions` */
  offsetsTopicNumPartitions: number;
  /** `offsets.retention.minutes`, in ms */
  offsetsRetentionMs: number;
  /** `offsets.retention.check.interval.ms` */
  offsetsRetentionCheckIntervalMs: number;
  /** `offset.metadata.max.bytes` */
  offsetMetadataMaxBytes: number;
  /** `offsets.commit.timeout.ms`: how long a write waits for the in-sync replicas. */
  offsetsCommitTimeoutMs: number;
}
