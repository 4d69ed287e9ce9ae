/** What both entry points (node.ts, browser.ts) export besides `connect`. */
export { GregorClient, type ClientOptions, type FetchOptions, type FetchedRecords, type Metadata, type ReconnectOptions } from './client.js';
export { Producer, type ProducerOptions } from './producer.js';
export { Consumer, type ConsumerOptions, type RecordBatch, type RunOptions } from './consumer.js';
export { ManualAssignment, TopicAssignment, type AssignedPartition, type AssignmentListener, type AssignmentSource } from './assignment.js';
export { GroupAssignment, type GroupMembership, type GroupSettings } from './group-assignment.js';
export { rangeAssignor, roundRobinAssigner, DEFAULT_ASSIGNORS, type Assignor, type GroupMember } from './assignors.js';
export { encodeSubscription, decodeSubscription, encodeAssignment, decodeAssignment, type Subscription, type Assignment } from './consumer-protocol.js';
export { GregorError, ErrorCode, type ErrorName } from './errors.js';
export { murmur2, partitionForKey, toPositive, StickyPartitionCache } from './partitioner.js';
export { decodeBatches, type Codecs, type CompressionName } from './decode.js';
export type { BatchEncoder, EncoderKind } from './encoder.js';
export { utf8, type ConsumerRecord, type HeadersInit, type ProducerRecord, type RecordHeader, type RecordMetadata, type TopicPartition, type TopicPartitionOffset } from './records.js';
export { EARLIEST_OFFSET, LATEST_OFFSET, MAX_TIMESTAMP, PROTOCOL_VERSION } from '../gateway/protocol.js';
export { ClientAuditTier, type ClientAuditOptions } from '../audit/client-tier.js';
export type { AuditOption } from './audit.js';
