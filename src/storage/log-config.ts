/**
 * The settings a partition log runs with, by their Kafka topic / broker property names
 * (docs/configuration.html "Topic Configs"), and the options of its opening. The log manager
 * builds one LogConfig per topic from its settings and shares it, live, with the topic's logs.
 */
import type { SegmentOptions } from './log-segment.js';

export interface LogConfig extends SegmentOptions {
  /** `log.segment.bytes` */
  segmentBytes: number;
  /** `log.roll.ms` */
  rollMs: number;
  /** `message.max.bytes` */
  maxBatchBytes: number;
  /** `log.flush.interval.messages` */
  flushIntervalMessages: number;
  /** cleanup.policy has `compact`: every record must have a key (Kafka LogValidator). */
  compacted?: boolean;
}

export interface PartitionLogOptions {
  /** The log start offset from the checkpoint (clamped to [first segment base, LEO]). */
  logStartOffset?: number;
}
