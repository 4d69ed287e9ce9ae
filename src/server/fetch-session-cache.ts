/**
 * Incremental fetch sessions (KIP-227), Kafka's FetchSessionCache and FetchManager: a
 * fetcher that names many partitions sends them all once (a full fetch, session id 0, epoch
 * 0) and receives a session id; its next fetches (epoch 1, 2, …) name only the partitions
 * whose fetch parameters changed, plus `forgotten_topics_data` for those to drop, and the
 * answer holds only the partitions with records, a changed high watermark or log start
 * offset, or an error.
 *
 * A request's session fields pick its context:
 *  - epoch −1 (FINAL): sessionless full fetch, the request as it is, response session id 0
 *    (what KafkaJS, librdkafka ≤ 2.0 and every fetch below v7 send); a non-zero session id
 *    with it closes that session;
 *  - epoch 0 (INITIAL): full fetch; a non-zero session id closes that session; a new one is
 *    made if the cache has a slot or may evict one, else the response's session id is 0;
 *  - epoch > 0: incremental on session `session_id`: FETCH_SESSION_ID_NOT_FOUND if there is
 *    none, INVALID_FETCH_SESSION_EPOCH unless the epoch is the session's next,
 *    FETCH_SESSION_TOPIC_ID_ERROR if the session was made with topic ids (v13+) and this
 *    request has names (≤ v12) or the reverse. A session left with no partition is closed.
 *
 * The cache has `max.incremental.fetch.session.cache.slots` sessions at most. When full, a
 * new session may take the slot of (Kafka's FetchSessionCache.tryEvict):
 *  1. the least recently used session, if unused for `min.incremental.fetch.session.eviction.ms`;
 *  2. else the least valuable evictable session, valued by (privileged, partition count, id),
 *     if it is worth no more than the new one. A follower's session (privileged) may evict any
 *     consumer's session and any session older than the eviction time; a consumer's session
 *     only one older than the eviction time. So fresh sessions are never evicted by consumers,
 *     and a client that asks for a new session on every fetch (@platformatic/kafka) fills the
 *     free slots, then gets session id 0 and full fetches, without pushing out followers.
 *
 * Sessions are broker-wide (not tied to a connection), as in Kafka.
 * Source: KIP-227; Kafka core FetchSession.scala (FetchManager.newContext, CachedPartition,
 * FetchSessionCacheShard), protocol guide "Fetch".
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { type FetchRequest, createFetchRequestFetchTopic } from '../protocol/generated/fetch-request.js';
import { type FetchResponse, createFetchResponseFetchableTopicResponse } from '../protocol/generated/fetch-response.js';

/** Session id of "no session" (Kafka FetchMetadata.INVALID_SESSION_ID). */
export const INVALID_SESSION_ID = 0;
/** Epoch of a full fetch that opens a session (FetchMetadata.INITIAL_EPOCH). */
export const INITIAL_EPOCH = 0;
/** Epoch of a sessionless full fetch, or one closing its session (FetchMetadata.FINAL_EPOCH). */
export const FINAL_EPOCH = -1;

/** The epoch after `epoch`: 1 after INT32_MAX, FINAL stays FINAL (FetchMetadata.nextEpoch). */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  return epoch === 0x7fffffff ? 1 : epoch + 1;
}

type FetchTopic = FetchRequest['topics'][number];
type FetchPartition = FetchTopic['partitions'][number];
type TopicResponse = FetchResponse['responses'][number];
type PartitionResponse = TopicResponse['partitions'][number];

/** One partition of a session: the fetcher's last parameters and what it was last told. */
interface CachedPartition {
  topic: string;
  topicId: string;
  partition: number;
  request: FetchPartition;
  /** High watermark last sent (−1: send the partition next time). */
  highWatermark: number;
  /** This broker's log start offset last sent. */
  localLogStartOffset: number;
}

/** A fetch session (Kafka FetchSession). */
export class FetchSession {
  /** Partitions by key, in fetch order (partitions that returned records move to the end). */
  readonly partitions = new Map<string, CachedPartition>();
  lastUsedMs: number;
  /** The epoch the next incremental fetch must carry. */
  epoch = nextEpoch(INITIAL_EPOCH);
  /** Partition count when last touched (what the cache counts and evicts by). */
  cachedSize = 0;
  evictableByAll = false;
  evictableByPrivileged = false;

  constructor(
    readonly id: number,
    /** Made by a follower (replica id ≥ 0). */
    readonly privileged: boolean,
    /** Made by a v13+ fetch: partitions keyed by topic id, else by topic name. */
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
  ) {
    this.lastUsedMs = creationMs;
  }
}

function partitionKey(usesTopicIds: boolean, topic: FetchTopic | { topic: string; topicId: string }, partition: number): string {
  return `${usesTopicIds ? topic.topicId : topic.topic}\u0000${partition}`;
}

/**
 * Whether a partition must be in an incremental response (Kafka
 * CachedPartition.maybeUpdateResponseData): records, a changed high watermark or log start
 * offset, or an error. With `update`, the cached values become the response's (an error
 * resets the high watermark to −1 so the partition is sent again once the error is gone).
 */
function mustRespond(cached: CachedPartition, p: PartitionResponse, update: boolean): boolean {
  let must = p.records !== null && p.records.byteLength > 0;
  if (cached.highWatermark !== p.highWatermark) {
    must = true;
    if (update) cached.highWatermark = p.highWatermark;
  }
  if (cached.localLogStartOffset !== p.logStartOffset) {
    must = true;
    if (update) cached.localLogStartOffset = p.logStartOffset;
  }
  if (p.preferredReadReplica >= 0) must = true;
  if (p.divergingEpoch && p.divergingEpoch.epoch >= 0) must = true;
  if (p.errorCode !== ErrorCode.NONE) {
    must = true;
    if (update) cached.highWatermark = -1;
  }
  return must;
}

/**
 * What one Fetch request reads and how its response is shaped (Kafka's FetchContext):
 * `topics` are the partitions to read (the request's, or the whole session's for an
 * incremental fetch); `respond` sets the response's error and session id and, for an
 * incremental fetch, leaves out the partitions that did not change.
 */
export interface FetchContext {
  readonly kind: 'sessionless' | 'full' | 'incremental' | 'error';
  /** Non-zero for a session error (then `topics` is empty). */
  readonly errorCode: number;
  readonly topics: FetchTopic[];
  /** Completes `response` (read over `topics`) for this context; call once. */
  respond(response: FetchResponse): FetchResponse;
}

export interface FetchSessionCacheOptions {
  /** `max.incremental.fetch.session.cache.slots` (Kafka default 1000). */
  maxSlots: number;
  /** `min.incremental.fetch.session.eviction.ms` (Kafka default 120000). */
  evictionMs: number;
  /** Clock (ms); tests of eviction pass their own. */
  now?: () => number;
  /** Session ids (positive int32); tests pass their own. */
  randomId?: () => number;
}

/**
 * The broker's fetch sessions (Kafka FetchSessionCache + FetchManager), at most `maxSlots`.
 * See the file comment for the rules.
 */
export class FetchSessionCache {
  /** Sessions by id, least recently used first (touch moves a session to the end). */
  private readonly sessions = new Map<number, FetchSession>();
  private numPartitions = 0;
  private evictionCount = 0;
  private readonly now: () => number;
  private readonly randomId: () => number;

  constructor(private readonly options: FetchSessionCacheOptions) {
    this.now = options.now ?? Date.now;
    this.randomId = options.randomId ?? (() => 1 + Math.floor(Math.random() * 0x7ffffffe));
  }

  /** Sessions in the cache (Kafka NumIncrementalFetchSessions). */
  get size(): number {
    return this.sessions.size;
  }

  /** Partitions over all sessions (Kafka NumIncrementalFetchPartitionsCached). */
  get totalPartitions(): number {
    return this.numPartitions;
  }

  /** Sessions evicted so far (Kafka IncrementalFetchSessionEvictionsPerSec, as a count). */
  get evictions(): number {
    return this.evictionCount;
  }

  /** Sessions made by followers. */
  get privilegedCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.privileged) n++;
    return n;
  }

  /** The ids of the sessions in the cache, least recently used first (for tests and tools). */
  sessionIds(): number[] {
    return [...this.sessions.keys()];
  }

  /** Session `sessionId`, if it is in the cache. */
  get(sessionId: number): FetchSession | undefined {
    return this.sessions.get(sessionId);
  }

  /**
   * The context of one Fetch request (Kafka FetchManager.newContext): sessionless, full
   * (maybe opening a session once answered), incremental on a session (whose parameters
   * take the request's partitions and drop `forgotten_topics_data`), or a session error:
   * FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR.
   * `follower`: the request's replica id is ≥ 0 (its session is privileged).
   */
  newContext(request: FetchRequest, apiVersion: number, follower: boolean): FetchContext {
    // Below v7 the fields are absent and decode as session 0, epoch −1: sessionless.
    const { sessionId, sessionEpoch } = request;
    const usesTopicIds = apiVersion >= 13;
    if (sessionEpoch === INITIAL_EPOCH || sessionEpoch === FINAL_EPOCH) {
      // Any session named by a full fetch is closed.
      if (sessionId !== INVALID_SESSION_ID) this.remove(sessionId);
      if (sessionEpoch === FINAL_EPOCH) return this.sessionless(request.topics);
      return this.full(request.topics, usesTopicIds, follower);
    }
    const session = this.sessions.get(sessionId);
    if (!session) return this.error(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, INVALID_SESSION_ID);
    if (session.epoch !== sessionEpoch) return this.error(ErrorCode.INVALID_FETCH_SESSION_EPOCH, INVALID_SESSION_ID);
    if (session.usesTopicIds !== usesTopicIds) return this.error(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR, INVALID_SESSION_ID);
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const key = partitionKey(usesTopicIds, t, p.partition);
        const cached = session.partitions.get(key);
        if (cached) cached.request = p;
        else session.partitions.set(key, { topic: t.topic, topicId: t.topicId, partition: p.partition, request: p, highWatermark: -1, localLogStartOffset: -1 });
      }
    }
    for (const f of request.forgottenTopicsData) {
      for (const partition of f.partitions) session.partitions.delete(partitionKey(usesTopicIds, f, partition));
    }
    if (session.partitions.size === 0) {
      this.remove(session.id);
      return this.sessionless(request.topics);
    }
    this.touch(session, this.now());
    session.epoch = nextEpoch(session.epoch);
    return this.incremental(session, sessionEpoch);
  }

  private sessionless(topics: FetchTopic[]): FetchContext {
    return {
      kind: 'sessionless',
      errorCode: ErrorCode.NONE,
      topics,
      respond: (response) => {
        response.sessionId = INVALID_SESSION_ID;
        return response;
      },
    };
  }

  private error(errorCode: number, sessionId: number): FetchContext {
    return {
      kind: 'error',
      errorCode,
      topics: [],
      respond: (response) => {
        response.errorCode = errorCode;
        response.sessionId = sessionId;
        response.responses = [];
        return response;
      },
    };
  }

  private full(topics: FetchTopic[], usesTopicIds: boolean, follower: boolean): FetchContext {
    return {
      kind: 'full',
      errorCode: ErrorCode.NONE,
      topics,
      respond: (response) => {
        let size = 0;
        for (const t of response.responses) size += t.partitions.length;
        const requested = new Map<string, FetchPartition>();
        for (const t of topics) for (const p of t.partitions) requested.set(partitionKey(usesTopicIds, t, p.partition), p);
        response.sessionId = this.maybeCreateSession(follower, size, usesTopicIds, (session) => {
          for (const t of response.responses) {
            for (const p of t.partitions) {
              const key = partitionKey(usesTopicIds, t, p.partitionIndex);
              const request = requested.get(key);
              if (!request) continue;
              session.partitions.set(key, { topic: t.topic, topicId: t.topicId, partition: p.partitionIndex, request, highWatermark: p.highWatermark, localLogStartOffset: p.logStartOffset });
            }
          }
        });
        return response;
      },
    };
  }

  private incremental(session: FetchSession, requestEpoch: number): FetchContext {
    // The session's partitions in order, one FetchTopic per run of the same topic.
    const topics: FetchTopic[] = [];
    for (const c of session.partitions.values()) {
      const last = topics[topics.length - 1];
      const same = last && (session.usesTopicIds ? last.topicId === c.topicId : last.topic === c.topic);
      // The cached request parameters as they are: the fetch only reads them.
      if (same) last.partitions.push(c.request);
      else topics.push(createFetchRequestFetchTopic({ topic: c.topic, topicId: c.topicId, partitions: [c.request] }));
    }
    return {
      kind: 'incremental',
      errorCode: ErrorCode.NONE,
      topics,
      respond: (response) => {
        response.sessionId = session.id;
        // Another fetch used the session meanwhile (a duplicate request): Kafka answers this.
        if (session.epoch !== nextEpoch(requestEpoch)) {
          response.errorCode = ErrorCode.INVALID_FETCH_SESSION_EPOCH;
          response.responses = [];
          return response;
        }
        const kept: TopicResponse[] = [];
        for (const t of response.responses) {
          const partitions: PartitionResponse[] = [];
          for (const p of t.partitions) {
            const key = partitionKey(session.usesTopicIds, t, p.partitionIndex);
            const cached = session.partitions.get(key);
            if (!cached || !mustRespond(cached, p, true)) continue;
            partitions.push(p);
            // Partitions that returned records go last next time (fairness under max_bytes).
            if (p.records && p.records.byteLength > 0) {
              session.partitions.delete(key);
              session.partitions.set(key, cached);
            }
          }
          if (partitions.length > 0) kept.push(createFetchResponseFetchableTopicResponse({ topic: t.topic, topicId: t.topicId, partitions }));
        }
        response.responses = kept;
        return response;
      },
    };
  }

  /**
   * Opens a session with `size` partitions if a slot is free or can be freed (tryEvict);
   * `fill` puts its partitions in. Returns its id, or INVALID_SESSION_ID (0).
   */
  private maybeCreateSession(privileged: boolean, size: number, usesTopicIds: boolean, fill: (session: FetchSession) => void): number {
    if (this.options.maxSlots <= 0) return INVALID_SESSION_ID;
    const now = this.now();
    if (this.sessions.size >= this.options.maxSlots && !this.tryEvict(privileged, size, now)) return INVALID_SESSION_ID;
    let id = this.randomId();
    while (id === INVALID_SESSION_ID || this.sessions.has(id)) id = this.randomId();
    const session = new FetchSession(id, privileged, usesTopicIds, now);
    fill(session);
    this.sessions.set(id, session);
    session.cachedSize = -1;
    this.touch(session, now);
    return id;
  }

  /** Kafka FetchSessionCacheShard.tryEvict: the stale LRU session, else a less valuable evictable one. */
  private tryEvict(privileged: boolean, size: number, now: number): boolean {
    const lru = this.sessions.values().next().value as FetchSession | undefined;
    if (!lru) return false;
    if (now - lru.lastUsedMs > this.options.evictionMs) {
      this.evict(lru);
      return true;
    }
    let victim: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (!(privileged ? s.evictableByPrivileged : s.evictableByAll)) continue;
      if (!victim || compareValue(s, victim) < 0) victim = s;
    }
    // The new session (id 0) must be worth at least the victim.
    if (!victim || compareValue({ privileged, cachedSize: size, id: 0 }, victim) < 0) return false;
    this.evict(victim);
    return true;
  }

  private evict(session: FetchSession): void {
    this.remove(session.id);
    this.evictionCount++;
  }

  /** Closes session `sessionId` if it exists. */
  remove(sessionId: number): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    this.sessions.delete(sessionId);
    this.numPartitions -= Math.max(0, session.cachedSize);
  }

  /** Kafka FetchSessionCacheShard.touch: last used now, size and evictability recomputed. */
  private touch(session: FetchSession, now: number): void {
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
    session.lastUsedMs = now;
    if (session.cachedSize >= 0) this.numPartitions -= session.cachedSize;
    session.cachedSize = session.partitions.size;
    this.numPartitions += session.cachedSize;
    const old = now - session.creationMs > this.options.evictionMs;
    session.evictableByPrivileged = !session.privileged || old;
    session.evictableByAll = old;
  }
}

/** Kafka's EvictableKey order: (privileged, partition count, id), the least valuable first. */
function compareValue(a: { privileged: boolean; cachedSize: number; id: number }, b: { privileged: boolean; cachedSize: number; id: number }): number {
  if (a.privileged !== b.privileged) return a.privileged ? 1 : -1;
  if (a.cachedSize !== b.cachedSize) return a.cachedSize - b.cachedSize;
  return a.id - b.id;
}
