/**
 * The WebSocket protocol's frames (docs/websocket-protocol.md), shared by the gateway
 * (src/gateway/) and the client library (src/client/). Every frame is one binary WebSocket
 * message holding one MessagePack map (standard MessagePack: no msgpackr record extension,
 * so any MessagePack library can speak it).
 *
 * Client → server: requests `{ op, id, ...fields }` (id: a positive integer the client
 * picks, echoed in the answer) and notifications `{ op: 'credit', ... }` (no id, no answer).
 * Server → client: `hello` once on open; `result` / `error` answering a request id;
 * `records` pushes for subscriptions; `error` without id for a subscription that ended;
 * `goodbye` when the broker stops.
 *
 * Units: offsets are record offsets; timestamps ms since the epoch; sizes bytes. Integers
 * above 2^32 (offsets, timestamps) may travel as MessagePack float64 (what JavaScript
 * encoders write for them): decoders must accept integer and float formats.
 *
 * This file has no Node-only imports: it is bundled into the browser client.
 */
import { Packr, Unpackr } from 'msgpackr';

/** Version of this protocol, sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Offsets with special meanings (Kafka ListOffsets' LATEST / EARLIEST timestamps). */
export const LATEST_OFFSET = -1;
export const EARLIEST_OFFSET = -2;
/** ListOffsets: the record with the largest timestamp (KIP-734). */
export const MAX_TIMESTAMP = -3;

/** A record as the `records` form of produce carries it (the broker encodes the batch). */
export interface WireRecord {
  key?: Uint8Array | string | null;
  value?: Uint8Array | string | null;
  /** Header values may be null; keys are UTF-8 strings. */
  headers?: Array<[string, Uint8Array | string | null]> | Record<string, Uint8Array | string | null> | null;
  /** ms since the epoch (CreateTime); default: the broker's clock. */
  timestamp?: number;
}

export interface MetadataRequest {
  op: 'metadata';
  id: number;
  /** Topic names; null or absent: every topic. */
  topics?: string[] | null;
  /** Create unknown topics named in `topics` when `auto.create.topics.enable` (default true). */
  allowAutoCreate?: boolean;
}

export interface CreateTopicRequest {
  op: 'createTopic';
  id: number;
  topic: string;
  /** Partition count; -1 or absent: `num.partitions`. */
  partitions?: number;
  /** Topic configs by Kafka name (e.g. `cleanup.policy`). */
  configs?: Record<string, string>;
}

export interface DeleteTopicRequest {
  op: 'deleteTopic';
  id: number;
  topic: string;
}

export interface ProduceRequest {
  op: 'produce';
  id: number;
  topic: string;
  /** -1 or absent: the broker chooses (see the protocol doc). */
  partition?: number;
  /** 0 (no result frame on success), 1 or -1 (all; the default). */
  acks?: number;
  /** One record batch v2 (magic 2), encoded by the client: appended as it is. */
  batch?: Uint8Array;
  /** Or plain records, encoded into a batch by the broker. */
  records?: WireRecord[];
}

export interface FetchRequest {
  op: 'fetch';
  id: number;
  topic: string;
  partition: number;
  /** >= 0, or -1 latest / -2 earliest. */
  offset: number;
  /** Default 1 MiB; at least one whole batch is returned (KIP-74). */
  maxBytes?: number;
  /** Long poll: wait up to this long (ms) for `minBytes` (default 0). */
  maxWaitMs?: number;
  /** Default 1. */
  minBytes?: number;
}

export interface ListOffsetsRequest {
  op: 'listOffsets';
  id: number;
  topic: string;
  partition: number;
  /** ms since the epoch, or -1 latest / -2 earliest / -3 max timestamp. */
  timestamp: number;
}

export interface SubscribeRequest {
  op: 'subscribe';
  id: number;
  topic: string;
  partition: number;
  /** >= 0, or -1 latest / -2 earliest. */
  offset: number;
  /** Bytes the server may push before the client grants more (credit-based flow control). */
  credit: number;
}

export interface UnsubscribeRequest {
  op: 'unsubscribe';
  id: number;
  topic: string;
  partition: number;
}

export interface SeekRequest {
  op: 'seek';
  id: number;
  topic: string;
  partition: number;
  /** >= 0, or -1 latest / -2 earliest. */
  offset: number;
}

/** A notification (no id, no answer): the client grants `bytes` more of push credit. */
export interface CreditNotification {
  op: 'credit';
  topic: string;
  partition: number;
  bytes: number;
}

// ─── consumer groups (the broker's group coordinator, shared with Kafka clients) ──────────

/** Where a group's coordinator is (its Kafka listener and WebSocket port). */
export interface FindCoordinatorRequest {
  op: 'findCoordinator';
  id: number;
  groupId: string;
}

/**
 * Join (or rejoin) a group: Kafka JoinGroup. A new member sends memberId "" and gets
 * MEMBER_ID_REQUIRED with its id in the error frame's `memberId` (KIP-394): join again with it.
 */
export interface JoinGroupRequest {
  op: 'joinGroup';
  id: number;
  groupId: string;
  /** "" for a new member. */
  memberId?: string;
  /** Static membership (KIP-345): group.instance.id. */
  groupInstanceId?: string | null;
  /** ms without heartbeat after which the member is removed (default 45000). */
  sessionTimeoutMs?: number;
  /** ms the coordinator waits for every member to rejoin in a rebalance (default: sessionTimeoutMs). */
  rebalanceTimeoutMs?: number;
  /** "consumer" for consumers (Kafka's embedded consumer protocol). */
  protocolType: string;
  /** Assignors in order of preference, with their metadata (a ConsumerProtocolSubscription for "consumer"). */
  protocols: Array<{ name: string; metadata: Uint8Array }>;
  /** Kafka client.id (member ids start with it; default "gregor-websocket"). */
  clientId?: string;
  reason?: string | null;
}

export interface SyncGroupRequest {
  op: 'syncGroup';
  id: number;
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  protocolType?: string | null;
  protocolName?: string | null;
  /** The leader's assignment (a ConsumerProtocolAssignment per member for "consumer"); others send none. */
  assignments?: Array<{ memberId: string; assignment: Uint8Array }>;
}

export interface HeartbeatRequest {
  op: 'heartbeat';
  id: number;
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

export interface LeaveGroupRequest {
  op: 'leaveGroup';
  id: number;
  groupId: string;
  memberId?: string;
  groupInstanceId?: string | null;
  reason?: string | null;
}

export interface CommitOffsetsRequest {
  op: 'commitOffsets';
  id: number;
  groupId: string;
  /** -1 (and memberId "") commits outside group management: only for a group without members. */
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  /** `offset`: the next record to read (the position). */
  offsets: Array<{ topic: string; partition: number; offset: number; leaderEpoch?: number; metadata?: string | null }>;
}

export interface FetchOffsetsRequest {
  op: 'fetchOffsets';
  id: number;
  groupId: string;
  /** nil: every partition the group committed. */
  partitions?: Array<{ topic: string; partition: number }> | null;
  requireStable?: boolean;
}

export type Request =
  | MetadataRequest
  | CreateTopicRequest
  | DeleteTopicRequest
  | ProduceRequest
  | FetchRequest
  | ListOffsetsRequest
  | SubscribeRequest
  | UnsubscribeRequest
  | SeekRequest
  | FindCoordinatorRequest
  | JoinGroupRequest
  | SyncGroupRequest
  | HeartbeatRequest
  | LeaveGroupRequest
  | CommitOffsetsRequest
  | FetchOffsetsRequest;

export type ClientFrame = Request | CreditNotification;

/** The group operations (same coordinator as Kafka clients). */
export const GROUP_OPERATIONS = ['findCoordinator', 'joinGroup', 'syncGroup', 'heartbeat', 'leaveGroup', 'commitOffsets', 'fetchOffsets'] as const;

// ─── server → client ────────────────────────────────────────────────────────────────────────

export interface HelloFrame {
  type: 'hello';
  protocol: number;
  nodeId: number;
  clusterId: string;
  /** Largest frame the gateway accepts (bytes); larger ones are answered MESSAGE_TOO_LARGE. */
  maxFrameBytes: number;
  /** Largest record batch the broker appends (`message.max.bytes`). */
  maxBatchBytes: number;
  /**
   * Present when the gateway requires authentication; the client's first frames must then be
   * `authenticate` (gateway-authenticator.ts):
   * - 'jwt': `{op: 'authenticate', id, token: <JWT>}`, answered `{type: 'result', id, complete:
   *   true, principal, expiresAtMs}`; the same frame with a fresh token before `expiresAtMs`
   *   refreshes the session.
   * - 'sasl': a SASL exchange: `{op: 'authenticate', id, mechanism, token: <bytes>}`, then
   *   `{op: 'authenticate', id, token: <bytes>}` while the result says `complete: false`
   *   (each result carries the server's `token`). A bare JWT string also works when
   *   OAUTHBEARER is among `saslMechanisms`.
   * Anything else first, a failed exchange, or no authentication within
   * `gregor.authentication.timeout.ms` closes the socket (code 1008). Absent: none needed.
   */
  authentication?: 'jwt' | 'sasl';
  /** The SASL mechanisms offered (with `authentication`), e.g. ['SCRAM-SHA-256', 'SCRAM-SHA-512']. */
  saslMechanisms?: string[];
}

export interface ErrorFrame {
  type: 'error';
  /** The request answered; absent when the frame had no readable id, or for a subscription. */
  id?: number;
  /** Kafka error code and name (e.g. 3, UNKNOWN_TOPIC_OR_PARTITION). */
  code: number;
  name: string;
  message: string;
  /** For a subscription that ended. */
  topic?: string;
  partition?: number;
  /** joinGroup's MEMBER_ID_REQUIRED: the member id to join with (KIP-394). */
  memberId?: string;
}

export interface PartitionMetadata {
  partition: number;
  leader: number;
  logStartOffset: number;
  highWatermark: number;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  partitions: PartitionMetadata[];
  /** Set when the topic could not be described (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
  error?: { code: number; name: string; message: string };
}

export interface MetadataResult {
  type: 'result';
  id: number;
  clusterId: string;
  controllerId: number;
  brokers: Array<{ nodeId: number; host: string; port: number; websocketPort: number }>;
  topics: TopicMetadata[];
}

export interface CreateTopicResult {
  type: 'result';
  id: number;
  topic: string;
  topicId: string;
  partitions: number;
}

export interface DeleteTopicResult {
  type: 'result';
  id: number;
  topic: string;
}

export interface ProduceResult {
  type: 'result';
  id: number;
  topic: string;
  /** One entry per partition appended to (one for the `batch` form). */
  partitions: Array<{ partition: number; baseOffset: number; recordCount: number; logStartOffset: number }>;
}

export interface FetchResult {
  type: 'result';
  id: number;
  topic: string;
  partition: number;
  /** The fetch offset (resolved from -1 / -2). */
  offset: number;
  highWatermark: number;
  logStartOffset: number;
  /** Whole record batches v2, concatenated, as stored (possibly compressed); may be empty. */
  batches: Uint8Array;
}

export interface ListOffsetsResult {
  type: 'result';
  id: number;
  /** -1 when no record matches the timestamp. */
  offset: number;
  timestamp: number;
}

export interface SubscribeResult {
  type: 'result';
  id: number;
  topic: string;
  partition: number;
  /** The offset pushes start at (resolved from -1 / -2). */
  offset: number;
  epoch: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface SeekResult {
  type: 'result';
  id: number;
  offset: number;
  epoch: number;
}

export interface FindCoordinatorResult {
  type: 'result';
  id: number;
  nodeId: number;
  /** Kafka listener. */
  host: string;
  port: number;
  websocketPort: number;
}

export interface JoinGroupResult {
  type: 'result';
  id: number;
  generationId: number;
  protocolType: string | null;
  /** The assignor the group chose (the most voted among those every member offers). */
  protocolName: string | null;
  /** The leader's member id: the leader assigns. */
  leader: string;
  memberId: string;
  /** A rejoining static leader keeps the current assignment (KIP-345). */
  skipAssignment: boolean;
  /** The members with their metadata — for the leader only (empty for others). */
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Uint8Array }>;
}

export interface SyncGroupResult {
  type: 'result';
  id: number;
  protocolType: string | null;
  protocolName: string | null;
  /** This member's assignment (a ConsumerProtocolAssignment for "consumer"; may be empty). */
  assignment: Uint8Array;
}

export interface CommitOffsetsResult {
  type: 'result';
  id: number;
  /** Every partition of the request; `error` where it was not committed. */
  partitions: Array<{ topic: string; partition: number; error?: { code: number; name: string; message: string } }>;
}

export interface FetchOffsetsResult {
  type: 'result';
  id: number;
  /** offset -1: nothing committed. */
  offsets: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string; error?: { code: number; name: string; message: string } }>;
}

export interface RecordsPush {
  type: 'records';
  topic: string;
  partition: number;
  /** The subscription's epoch: bumped by each seek; pushes of older epochs are stale. */
  epoch: number;
  highWatermark: number;
  /** Whole record batches; the first may start before the subscription's position. */
  batches: Uint8Array;
}

/** The broker is stopping: close the connection now (the server closes it shortly after). */
export interface GoodbyeFrame {
  type: 'goodbye';
  reason: string;
}

export type ServerFrame = HelloFrame | GoodbyeFrame | ErrorFrame | RecordsPush | { type: 'result'; id: number; [field: string]: unknown };

/** MessagePack encoder/decoder with this protocol's options (standard maps, no records). */
export interface FrameCodec {
  pack(frame: unknown): Uint8Array;
  unpack(bytes: Uint8Array): unknown;
}

/**
 * A codec for frames. Binary fields decode as views of the input (no copy): the caller
 * uses them before the input buffer is reused.
 */
export function createFrameCodec(): FrameCodec {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
  return {
    pack: (frame) => packr.pack(frame),
    unpack: (bytes) => unpackr.unpack(bytes),
  };
}
