/**
 * The fetcher's side of an incremental fetch session (KIP-227; Kafka's client
 * FetchSessionHandler): the first fetch names every partition (session 0, epoch 0); once the
 * leader gives a session id, each fetch names only the partitions added or whose parameters
 * (fetch offset, log start offset, leader epochs, max bytes) changed since the previous one,
 * and lists the dropped ones in `forgotten_topics_data`, with the epoch one higher each time.
 *
 * Recovery, as Kafka's: FETCH_SESSION_ID_NOT_FOUND → a new full fetch without a session id;
 * any other top-level error (INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR …) or
 * a failed connection → a full fetch naming the old session (which closes it) at epoch 0; a
 * response with session id 0 (the leader's cache is full, or it closed the session) → full
 * fetches at epoch 0 again, each one asking for a session.
 * Topic names (Fetch ≤ v12): the replica fetcher speaks v12.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { type FetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../protocol/generated/fetch-request.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';

type FetchTopic = FetchRequest['topics'][number];
export type FetchPartition = FetchTopic['partitions'][number];
type ForgottenTopic = FetchRequest['forgottenTopicsData'][number];

/** One partition to fetch, with its topic. */
export interface SessionPartition {
  topic: string;
  data: FetchPartition;
}

/** The session part of a Fetch request. */
export interface SessionRequest {
  sessionId: number;
  sessionEpoch: number;
  topics: FetchTopic[];
  forgottenTopicsData: ForgottenTopic[];
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

function sameParameters(a: FetchPartition, b: FetchPartition): boolean {
  return (
    a.fetchOffset === b.fetchOffset &&
    a.logStartOffset === b.logStartOffset &&
    a.partitionMaxBytes === b.partitionMaxBytes &&
    a.currentLeaderEpoch === b.currentLeaderEpoch &&
    a.lastFetchedEpoch === b.lastFetchedEpoch
  );
}

/** Groups partitions into FetchTopics, one per topic, in first-seen order. */
function byTopic<T>(items: Iterable<{ topic: string; value: T }>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const { topic, value } of items) {
    const list = out.get(topic);
    if (list) list.push(value);
    else out.set(topic, [value]);
  }
  return out;
}

/** One fetcher's session with one broker (see the file comment); not shared between connections' fetchers. */
export class FetchSessionHandler {
  /** The session the next request names (0: none). */
  private sessionId = 0;
  /** The epoch the next request carries (0: full fetch). */
  private epoch = 0;
  /** The partitions and parameters the leader's session holds, as of the last request built. */
  private session = new Map<string, SessionPartition>();

  /** The session id in use (0: none yet), for logs and tests. */
  get id(): number {
    return this.sessionId;
  }

  /** True when the next request is incremental. */
  get incremental(): boolean {
    return this.sessionId !== 0 && this.epoch > 0;
  }

  /**
   * The session fields and partitions of the next Fetch for `wanted` (every partition the
   * fetcher wants now, with current parameters): all of them on a full fetch, else only the
   * added and changed ones plus the forgotten ones.
   */
  build(wanted: SessionPartition[]): SessionRequest {
    const next = new Map<string, SessionPartition>();
    for (const p of wanted) next.set(key(p.topic, p.data.partition), p);
    const previous = this.session;
    this.session = next;
    const full = !this.incremental;
    const send = full ? wanted : wanted.filter((p) => {
      const before = previous.get(key(p.topic, p.data.partition));
      return !before || !sameParameters(before.data, p.data);
    });
    const forgotten = full ? [] : [...previous.values()].filter((p) => !next.has(key(p.topic, p.data.partition)));
    return {
      sessionId: this.sessionId,
      sessionEpoch: this.epoch,
      topics: [...byTopic(send.map((p) => ({ topic: p.topic, value: p.data })))].map(([topic, partitions]) =>
        createFetchRequestFetchTopic({ topic, partitions: partitions.map((d) => createFetchRequestFetchPartition({ ...d })) }),
      ),
      forgottenTopicsData: [...byTopic(forgotten.map((p) => ({ topic: p.topic, value: p.data.partition })))].map(([topic, partitions]) => ({ topic, topicId: '', partitions }) as ForgottenTopic),
    };
  }

  /**
   * Moves the session on after a response to the last request built. Returns false on a
   * top-level error (the response holds no partitions then).
   */
  handleResponse(response: FetchResponse): boolean {
    if (response.errorCode !== ErrorCode.NONE) {
      if (response.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND) this.sessionId = 0;
      this.epoch = 0;
      return false;
    }
    if (response.sessionId === 0) {
      this.sessionId = 0;
      this.epoch = 0;
    } else if (!this.incremental) {
      this.sessionId = response.sessionId;
      this.epoch = 1;
    } else {
      this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1;
    }
    return true;
  }

  /** After a failed request (connection lost): the next fetch is full and closes the old session. */
  handleError(): void {
    this.epoch = 0;
  }
}
