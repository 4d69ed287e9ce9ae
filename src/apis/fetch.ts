/**
 * Fetch (key 1, v0-17): reads whole record batches from each partition, from the batch
 * holding the fetch offset (a view of shared memory for the newest bytes, a file read
 * otherwise). Long poll: with fewer than `min_bytes` ready, the fetch parks in the
 * purgatory until an append to one of its partitions or `max_wait_ms` passes.
 * Sizes: `max_bytes` for the response and `partition_max_bytes` per partition, except that
 * the first batch of the first non-empty partition is returned whole (KIP-74).
 * Fetch sessions (KIP-227, v7+): the session fields pick a context from the broker's
 * FetchSessionCache (server/fetch-session-cache.ts): epoch −1 is a sessionless full fetch
 * (session id 0 back), epoch 0 a full fetch that opens a session when there is a slot, a
 * later epoch an incremental fetch that reads every partition of the session and answers
 * only those that changed. Session errors (top level, no partitions):
 * FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR.
 * Isolation (KIP-98, v4+): a read_committed consumer (isolation_level 1) reads only below the
 * last stable offset (no record of an undecided transaction) and gets the aborted
 * transactions overlapping what it reads (from the segments' `.txnindex`), so it can skip their
 * records; read_uncommitted reads up to the high watermark. Every answer reports the LSO.
 * Errors per partition: OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID.
 * A follower's fetch (replica id ≥ 0) is also answered, without records if there are none,
 * once the high watermark of one of its partitions is above where it stood when the fetch
 * arrived — its own fetch offset may be what moved it — so a follower learns the high
 * watermark in the response to the fetch that advanced it, not `replica.fetch.wait.max.ms`
 * or the next append later.
 * Fetch from follower (KIP-392, v11+): with `replica.selector.class` set, the leader answers a
 * consumer whose `rack_id` names a rack holding an in-sync follower (and not the leader) with
 * that follower as `preferred_read_replica` and no records; a follower serves consumers (v11+)
 * up to its own high watermark (beyond it: no records; beyond its log end: OFFSET_OUT_OF_RANGE).
 * A consumer's `current_leader_epoch` (v9+) older than the replica's is FENCED_LEADER_EPOCH,
 * newer UNKNOWN_LEADER_EPOCH; a follower asked by a consumer below v11 is NOT_LEADER_OR_FOLLOWER.
 * Replication throttle (KIP-73, replication-quota.ts): a follower outside the ISR fetching a
 * replica in `leader.replication.throttled.replicas` gets no records while the leader's
 * `leader.replication.throttled.rate` is exceeded; every throttled partition's bytes are recorded.
 * Source: protocol guide "Fetch"; Kafka ReplicaManager.fetchMessages, DelayedFetch.
 */
import type { BrokerServices } from '../broker-services.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { FetchRequest } from '../protocol/generated/fetch-request.js';
import { type FetchResponse, createFetchResponse, createFetchResponseFetchableTopicResponse, createFetchResponsePartitionData } from '../protocol/generated/fetch-response.js';
import { EMPTY_BYTES } from '../protocol/primitives.js';
import type { PartitionLog } from '../storage/log.js';
import { wholeBatches } from '../storage/batch-header.js';

/** IsolationLevel.READ_COMMITTED (Fetch and ListOffsets `isolation_level`). */
export const READ_COMMITTED = 1;
import { clusterPermitted, topicPermitted } from './authorize.js';
import { AclOperation } from '../security/authorizer.js';
import type { ApiHandler, HandlerResult } from './api.js';

type TopicResponse = FetchResponse['responses'][number];
type PartitionResponse = TopicResponse['partitions'][number];

interface Pass {
  response: FetchResponse;
  bytes: number;
  releases: Array<() => void>;
  logs: PartitionLog[];
  hasError: boolean;
  /** A follower's fetch: a partition's high watermark is above where it stood when the fetch arrived. */
  highWatermarkMoved: boolean;
  /** A follower's fetch: bytes of leader-throttled partitions read (recorded against the leader's replication quota). */
  throttledBytes: number;
  /** A consumer's fetch: a partition was pointed to a preferred read replica (answered at once, as Kafka does). */
  redirected: boolean;
  /** A consumer's fetch: record bytes this broker served as a follower (KIP-392). */
  followerServedBytes: number;
}

function emptyPartition(partitionIndex: number, errorCode: number, log?: PartitionLog): PartitionResponse {
  return createFetchResponsePartitionData({
    partitionIndex,
    errorCode,
    highWatermark: log ? log.highWatermark : -1,
    lastStableOffset: log ? log.lastStableOffset : -1,
    logStartOffset: log ? log.logStartOffset : -1,
    abortedTransactions: null,
    records: EMPTY_BYTES,
  });
}

/**
 * The error for a partition this broker has no log of: one that exists in the cluster
 * (on another broker) is NOT_LEADER_OR_FOLLOWER (the client refreshes metadata); otherwise the topic
 * is unknown (by id from v13: UNKNOWN_TOPIC_ID).
 */
function missingPartitionCode(broker: BrokerServices, apiVersion: number, t: FetchRequest['topics'][number], partition: number, topicIsLocal: boolean): number {
  const name = apiVersion >= 13 ? broker.metadata.topicById(t.topicId)?.name : t.topic;
  if (name !== undefined && broker.metadata.partition(name, partition)) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  return apiVersion >= 13 && !topicIsLocal ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}

/**
 * One read over every partition in `topics` (the request's, or its session's). For a
 * follower's fetch, `arrivalHighWatermarks` keeps each partition's high watermark from before
 * the request's first pass recorded its fetch offset (filled on that pass).
 */
function readOnce(broker: BrokerServices, request: FetchRequest, topics: FetchRequest['topics'], apiVersion: number, readable: (topic: string) => boolean, arrivalHighWatermarks: Map<PartitionLog, number>): Pass {
  const pass: Pass = { response: null as unknown as FetchResponse, bytes: 0, releases: [], logs: [], hasError: false, highWatermarkMoved: false, throttledBytes: 0, redirected: false, followerServedBytes: 0 };
  let remaining = apiVersion >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  // A follower's fetch carries its broker id (v15+: in ReplicaState); consumers send -1.
  const replicaId = apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId;
  const replicas = broker.replicas;
  const responses: TopicResponse[] = topics.map((fetchTopic) => {
    const topic = apiVersion >= 13 ? broker.logs.topicById(fetchTopic.topicId) : broker.logs.topic(fetchTopic.topic);
    // READ is checked before existence: a topic named but not readable is TOPIC_AUTHORIZATION_FAILED.
    const name = apiVersion >= 13 ? topic?.name : fetchTopic.topic;
    const denied = name !== undefined && !readable(name);
    const partitions = fetchTopic.partitions.map((p): PartitionResponse => {
      if (denied) {
        pass.hasError = true;
        return emptyPartition(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      }
      let log = topic?.partitions[p.partition];
      if (!log) {
        pass.hasError = true;
        return emptyPartition(p.partition, missingPartitionCode(broker, apiVersion, fetchTopic, p.partition, topic !== undefined));
      }
      if (replicaId >= 0 && !arrivalHighWatermarks.has(log)) arrivalHighWatermarks.set(log, log.highWatermark);
      let asFollower = false;
      try {
        if (replicaId >= 0) {
          // A follower's fetch offset is its log end offset.
          log = replicas.onFollowerFetch(log.topic, p.partition, replicaId, p.fetchOffset, p.logStartOffset);
        } else {
          // KIP-392 (v11+): the leader may point a consumer with a rack to a follower in it.
          const preferred = apiVersion >= 11 ? replicas.preferredReadReplica(log.topic, p.partition, request.rackId, p.fetchOffset) : -1;
          if (preferred >= 0) {
            pass.redirected = true;
            return { ...emptyPartition(p.partition, ErrorCode.NONE, log), preferredReadReplica: preferred };
          }
          // Only the leader serves, and from v11 a follower too (up to its own high watermark).
          ({ log, asFollower } = replicas.consumerLog(log.topic, p.partition, apiVersion >= 9 ? p.currentLeaderEpoch : -1, apiVersion >= 11));
        }
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        pass.hasError = true;
        return emptyPartition(p.partition, err.code, log);
      }
      pass.logs.push(log);
      try {
        const minOneBatch = pass.bytes === 0;
        const maxBytes = Math.min(p.partitionMaxBytes, remaining);
        if (maxBytes <= 0 && !minOneBatch) return emptyPartition(p.partition, ErrorCode.NONE, log);
        // Leader throttle (KIP-73): an out-of-sync follower of a throttled replica gets no records
        // while leader.replication.throttled.rate is exceeded; they do not count toward min_bytes.
        if (replicaId >= 0 && replicas.shouldLeaderThrottle(log.topic, p.partition, replicaId)) return emptyPartition(p.partition, ErrorCode.NONE, log);
        // Consumers read only committed records (below the high watermark; read_committed
        // ones below the last stable offset); followers all.
        const readCommitted = replicaId < 0 && apiVersion >= 4 && request.isolationLevel === READ_COMMITTED;
        // The records only go to the socket, released after the write (forSocket).
        const read = log.read(p.fetchOffset, maxBytes, replicaId >= 0 ? undefined : readCommitted ? log.lastStableOffset : log.highWatermark, true);
        const out = emptyPartition(p.partition, ErrorCode.NONE, log);
        out.highWatermark = read.highWatermark;
        out.lastStableOffset = read.lastStableOffset;
        out.logStartOffset = read.logStartOffset;
        if (replicaId >= 0 && read.highWatermark > (arrivalHighWatermarks.get(log) ?? read.highWatermark)) pass.highWatermarkMoved = true;
        if (read.slice) {
          if (!minOneBatch && read.slice.bytes.byteLength > maxBytes) {
            read.slice.release?.();
            return out;
          }
          out.records = read.slice.bytes;
          if (readCommitted) out.abortedTransactions = log.abortedTransactions(p.fetchOffset, endOffsetOf(read.slice.bytes, p.fetchOffset));
          if (read.slice.release) pass.releases.push(read.slice.release);
          pass.bytes += read.slice.bytes.byteLength;
          remaining -= read.slice.bytes.byteLength;
          if (replicaId >= 0 && replicas.leaderQuota.isThrottled(log.topic, p.partition)) pass.throttledBytes += read.slice.bytes.byteLength;
          if (asFollower) pass.followerServedBytes += read.slice.bytes.byteLength;
        }
        return out;
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        pass.hasError = true;
        return emptyPartition(p.partition, err.code, log);
      }
    });
    return createFetchResponseFetchableTopicResponse({ topic: fetchTopic.topic, topicId: fetchTopic.topicId, partitions });
  });
  pass.response = createFetchResponse({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses });
  return pass;
}

/** The offset after the last whole batch of `bytes` (`from` when there is none). */
function endOffsetOf(bytes: Uint8Array, from: number): number {
  let end = from;
  for (const header of wholeBatches(bytes)) end = header.lastOffset + 1;
  return end;
}

function releaseAll(releases: Array<() => void>): () => void {
  return () => {
    for (const release of releases) release();
  };
}

export const fetchHandler: ApiHandler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 0,
  maxVersion: 17,
  async handle(request, ctx): Promise<HandlerResult<FetchResponse>> {
    const { broker, apiVersion, session, clientId } = ctx;
    // A consumer under consumer_byte_rate gets at most a quota window's worth (Kafka's fetch cap).
    // A follower's fetch is replication, not a client: no client quota applies (quotaExempt).
    const follower = (apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId) >= 0;
    // A follower's fetch reads uncommitted records: it needs CLUSTER_ACTION (CVE-2018-1288).
    if (follower && !clusterPermitted(ctx, AclOperation.CLUSTER_ACTION)) {
      return { response: createFetchResponse({ throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, sessionId: 0, responses: [] }) };
    }
    const readable = (topic: string) => follower || topicPermitted(ctx, AclOperation.READ, topic);
    const quotaMaxBytes = follower ? Infinity : broker.clientQuotas?.maxFetchBytes(session, clientId ?? '') ?? Infinity;
    if (quotaMaxBytes < request.maxBytes) request.maxBytes = quotaMaxBytes;
    const context = broker.fetchSessions.newContext(request, apiVersion, follower);
    broker.metrics.fetchRequest(context.kind);
    if (context.errorCode !== ErrorCode.NONE) {
      return { response: context.respond(createFetchResponse({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: [] })), quotaExempt: follower };
    }
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    const arrivalHighWatermarks = new Map<PartitionLog, number>();
    for (;;) {
      const pass = readOnce(broker, request, context.topics, apiVersion, readable, arrivalHighWatermarks);
      const waitMs = deadline - Date.now();
      if (pass.bytes >= request.minBytes || pass.hasError || pass.highWatermarkMoved || pass.redirected || waitMs <= 0 || pass.logs.length === 0) {
        // Every throttled partition's bytes count, in-sync followers' too (Kafka sizeOfThrottledPartitions).
        if (follower) broker.replicas.leaderQuota.record(pass.throttledBytes);
        if (pass.followerServedBytes > 0) broker.metrics.followerConsumerFetch(pass.followerServedBytes);
        return { response: context.respond(pass.response), release: releaseAll(pass.releases), quotaExempt: follower };
      }
      releaseAll(pass.releases)();
      const reason = await broker.fetchPurgatory.wait(pass.logs, waitMs);
      if (reason === 'closed') {
        // The broker is stopping: answer with what the last pass saw, without its records.
        for (const t of pass.response.responses) for (const p of t.partitions) p.records = EMPTY_BYTES;
        return { response: context.respond(pass.response), quotaExempt: follower };
      }
    }
  },
};
