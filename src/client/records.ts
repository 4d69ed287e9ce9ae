/** The records and positions the client library hands out and takes in. */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** Header values may be null; keys are strings (UTF-8 on the wire). */
export type HeadersInit = Record<string, string | Uint8Array | null> | Array<[string, string | Uint8Array | null]>;

/** A record to produce. Strings are sent as UTF-8. */
export interface ProducerRecord {
  key?: string | Uint8Array | null;
  value: string | Uint8Array | null;
  headers?: HeadersInit;
  /** ms since the epoch (CreateTime); default: the time of `send`. */
  timestamp?: number;
  /** Explicit partition; default: Kafka's default partitioner (murmur2 of the key, or sticky). */
  partition?: number;
}

/** Where a produced record was written. offset is -1 with acks 0 (unknown). */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  /** The record's timestamp (ms). */
  timestamp: number;
}

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/** A consumed record. key/value are views of the received frame (Buffers in Node). */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  /** ms since the epoch */
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

/** Decodes UTF-8 bytes (null stays null). */
export function utf8(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : new TextDecoder().decode(bytes);
}
