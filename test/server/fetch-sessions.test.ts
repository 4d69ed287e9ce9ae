/**
 * Incremental fetch sessions (KIP-227) over a real socket, raw Fetch v12 (topic names) and
 * v13 (topic ids) against an in-process broker:
 *  - a full fetch (session 0, epoch 0) opens a session; incremental fetches (epoch 1, 2, …)
 *    name only what changed and are answered only with partitions that have records, a
 *    changed high watermark or an error; forgotten partitions are no longer read; a
 *    partition added incrementally is answered;
 *  - session errors: unknown id (FETCH_SESSION_ID_NOT_FOUND), wrong epoch
 *    (INVALID_FETCH_SESSION_EPOCH), names on a topic-id session (FETCH_SESSION_TOPIC_ID_ERROR);
 *    a full fetch naming a session closes it;
 *  - epoch −1 (KafkaJS, librdkafka) and Fetch v4 stay sessionless full fetches;
 *  - `max.incremental.fetch.session.cache.slots=2`: a third client gets session id 0 and its
 *    records all the same, and the cache holds 2 sessions (gregor_fetch_sessions).
 * Source: KIP-227; Kafka FetchSession.scala.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type FetchResponse, createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic, createProduceRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

const PRODUCE = 0;
const FETCH = 1;
const TOPIC = 'sessions';
const OTHER = 'sessions-other';

interface Part {
  partition: number;
  fetchOffset: number;
}
interface Fetch {
  sessionId: number;
  sessionEpoch: number;
  topics?: Array<{ topic: string; parts: Part[] }>;
  forget?: Array<{ topic: string; partitions: number[] }>;
  maxWaitMs?: number;
}

/** What a response holds: topic → partition → record count (batches of one record each here). */
function summary(res: FetchResponse): Record<string, Record<number, { hw: number; error: number; bytes: number }>> {
  const out: Record<string, Record<number, { hw: number; error: number; bytes: number }>> = {};
  for (const t of res.responses) {
    for (const p of t.partitions) {
      (out[t.topic || t.topicId] ??= {})[p.partitionIndex] = { hw: Number(p.highWatermark), error: p.errorCode, bytes: p.records?.byteLength ?? 0 };
    }
  }
  return out;
}

describe('incremental fetch sessions (KIP-227)', () => {
  let t: TestBroker;
  let c: RawClient;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'max.incremental.fetch.session.cache.slots': 2 } });
    t.broker.logs.createTopic(TOPIC, 3);
    t.broker.logs.createTopic(OTHER, 1);
    c = await RawClient.connect(t.broker.port);
    for (const p of [0, 1, 2]) await produce(TOPIC, p, `first-${p}`);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });

  const produce = async (topic: string, partition: number, value: string) => {
    const records = t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.from(value), timestamp: Date.now() }]);
    const res = await c.request(PRODUCE, 9, createProduceRequest({ acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
  };
  const topicId = (name: string) => t.broker.logs.topic(name)!.topicId;
  const fetch = (f: Fetch, version = 12, client = c): Promise<FetchResponse> =>
    client.request<FetchResponse>(
      FETCH,
      version,
      createFetchRequest({
        replicaId: -1,
        maxWaitMs: f.maxWaitMs ?? 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        sessionId: f.sessionId,
        sessionEpoch: f.sessionEpoch,
        topics: (f.topics ?? []).map(({ topic, parts }) =>
          createFetchRequestFetchTopic({
            topic,
            topicId: version >= 13 ? topicId(topic) : undefined,
            partitions: parts.map((p) => createFetchRequestFetchPartition({ partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: 1 << 20 })),
          }),
        ),
        forgottenTopicsData: (f.forget ?? []).map((x) => ({ topic: x.topic, topicId: version >= 13 ? topicId(x.topic) : undefined, partitions: x.partitions })) as never,
      }),
    );
  const all = (offset: number): Part[] => [0, 1, 2].map((partition) => ({ partition, fetchOffset: offset }));
  const metric = async (line: RegExp): Promise<number> => {
    const { body } = await t.broker.metrics.render();
    const m = body.split('\n').find((l) => line.test(l));
    return m ? Number(m.split(' ').pop()) : Number.NaN;
  };

  it('full, then incremental: only changed partitions come back; forgotten ones are not read; added ones are', async () => {
    const full = await fetch({ sessionId: 0, sessionEpoch: 0, topics: [{ topic: TOPIC, parts: all(0) }] });
    expect(full.errorCode).toBe(ErrorCode.NONE);
    expect(full.sessionId).toBeGreaterThan(0);
    const id = full.sessionId;
    expect(Object.keys(summary(full)[TOPIC]!).map(Number)).toEqual([0, 1, 2]);
    for (const p of [0, 1, 2]) expect(summary(full)[TOPIC]![p]!.bytes).toBeGreaterThan(0);

    // Epoch 1: the fetcher moved every offset to 1; nothing new, nothing changed.
    const quiet = await fetch({ sessionId: id, sessionEpoch: 1, topics: [{ topic: TOPIC, parts: all(1) }], maxWaitMs: 50 });
    expect(quiet.errorCode).toBe(ErrorCode.NONE);
    expect(quiet.sessionId).toBe(id);
    expect(quiet.responses).toEqual([]);

    // A record on partition 1 only; epoch 2 names no partition (offsets unchanged).
    await produce(TOPIC, 1, 'second-1');
    const one = await fetch({ sessionId: id, sessionEpoch: 2 });
    expect(summary(one)).toEqual({ [TOPIC]: { 1: { hw: 2, error: 0, bytes: expect.any(Number) } } });
    expect(summary(one)[TOPIC]![1]!.bytes).toBeGreaterThan(0);

    // Epoch 3: partition 1 moved to 2; its high watermark was already sent: nothing.
    const none = await fetch({ sessionId: id, sessionEpoch: 3, topics: [{ topic: TOPIC, parts: [{ partition: 1, fetchOffset: 2 }] }], maxWaitMs: 50 });
    expect(none.responses).toEqual([]);

    // Epoch 4 forgets partition 0 and adds the other topic's partition 0 (always answered when added).
    await produce(TOPIC, 0, 'second-0');
    await produce(TOPIC, 2, 'second-2');
    const changed = await fetch({ sessionId: id, sessionEpoch: 4, topics: [{ topic: OTHER, parts: [{ partition: 0, fetchOffset: 0 }] }], forget: [{ topic: TOPIC, partitions: [0] }] });
    const s = summary(changed);
    expect(Object.keys(s).sort()).toEqual([OTHER, TOPIC].sort());
    expect(Object.keys(s[TOPIC]!).map(Number)).toEqual([2]);
    expect(s[OTHER]![0]).toEqual({ hw: 0, error: 0, bytes: 0 });
    expect(await metric(/^gregor_fetch_requests_total\{session="incremental"\}/)).toBeGreaterThanOrEqual(4);

    // The session's epoch is now 5: epoch 4 again is refused, and the session survives that.
    const stale = await fetch({ sessionId: id, sessionEpoch: 4 });
    expect(stale.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect(stale.responses).toEqual([]);
    const next = await fetch({ sessionId: id, sessionEpoch: 5, topics: [{ topic: TOPIC, parts: [{ partition: 2, fetchOffset: 2 }] }], maxWaitMs: 50 });
    expect(next.errorCode).toBe(ErrorCode.NONE);
    expect(next.sessionId).toBe(id);

    // A full fetch naming the session closes it (here sessionless, epoch −1).
    const closing = await fetch({ sessionId: id, sessionEpoch: -1, topics: [{ topic: TOPIC, parts: all(0) }] });
    expect(closing.sessionId).toBe(0);
    expect(Object.keys(summary(closing)[TOPIC]!)).toHaveLength(3);
    const gone = await fetch({ sessionId: id, sessionEpoch: 6 });
    expect(gone.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    expect(gone.sessionId).toBe(0);
  });

  it('an unknown session id is FETCH_SESSION_ID_NOT_FOUND; a v13 session refuses v12 (FETCH_SESSION_TOPIC_ID_ERROR)', async () => {
    const unknown = await fetch({ sessionId: 123_456, sessionEpoch: 1, topics: [{ topic: TOPIC, parts: all(0) }] });
    expect(unknown.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    expect(unknown.responses).toEqual([]);

    const full = await fetch({ sessionId: 0, sessionEpoch: 0, topics: [{ topic: TOPIC, parts: all(0) }] }, 13);
    expect(full.sessionId).toBeGreaterThan(0);
    expect(full.responses[0]!.topicId).toBe(topicId(TOPIC));
    await produce(TOPIC, 0, 'third-0');
    // The fetcher read everything: each offset moves to the high watermark it was given.
    const caughtUp = full.responses[0]!.partitions.map((p) => ({ partition: p.partitionIndex, fetchOffset: Number(p.highWatermark) }));
    const inc = await fetch({ sessionId: full.sessionId, sessionEpoch: 1, topics: [{ topic: TOPIC, parts: caughtUp }] }, 13);
    expect(inc.errorCode).toBe(ErrorCode.NONE);
    expect(inc.responses.map((r) => r.topicId)).toEqual([topicId(TOPIC)]);
    expect(inc.responses[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0]);
    const byName = await fetch({ sessionId: full.sessionId, sessionEpoch: 2 }, 12);
    expect(byName.errorCode).toBe(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    // Closed again so the next test starts from an empty cache.
    await fetch({ sessionId: full.sessionId, sessionEpoch: -1, topics: [{ topic: TOPIC, parts: all(0) }] }, 13);
  });

  it('epoch −1 and Fetch v4 stay sessionless full fetches and open no session', async () => {
    const before = t.broker.fetchSessions.size;
    const counted = await metric(/^gregor_fetch_requests_total\{session="sessionless"\}/);
    const sessionless = await fetch({ sessionId: 0, sessionEpoch: -1, topics: [{ topic: TOPIC, parts: all(0) }] });
    expect(sessionless.sessionId).toBe(0);
    expect(Object.keys(summary(sessionless)[TOPIC]!)).toHaveLength(3);
    const again = await fetch({ sessionId: 0, sessionEpoch: -1, topics: [{ topic: TOPIC, parts: all(1) }], maxWaitMs: 50 });
    // Full fetches answer every partition named, changed or not.
    expect(Object.keys(summary(again)[TOPIC]!)).toHaveLength(3);
    const v4 = await fetch({ sessionId: 0, sessionEpoch: -1, topics: [{ topic: TOPIC, parts: all(0) }] }, 4);
    expect(v4.responses[0]!.partitions).toHaveLength(3);
    expect(t.broker.fetchSessions.size).toBe(before);
    // Counted as sessionless fetches (the counter starts where the earlier tests left it).
    expect(await metric(/^gregor_fetch_requests_total\{session="sessionless"\}/)).toBe((Number.isNaN(counted) ? 0 : counted) + 3);
  });

  it('with 2 slots a third session is not made: session id 0, records all the same', async () => {
    expect(t.broker.fetchSessions.size).toBe(0);
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(t.broker.port)));
    try {
      const ids: number[] = [];
      for (const client of clients) {
        const res = await fetch({ sessionId: 0, sessionEpoch: 0, topics: [{ topic: TOPIC, parts: all(0) }] }, 12, client);
        expect(res.errorCode).toBe(ErrorCode.NONE);
        for (const p of [0, 1, 2]) expect(summary(res)[TOPIC]![p]!.bytes).toBeGreaterThan(0);
        ids.push(res.sessionId);
      }
      expect(ids[0]).toBeGreaterThan(0);
      expect(ids[1]).toBeGreaterThan(0);
      expect(ids[2]).toBe(0);
      expect(t.broker.fetchSessions.size).toBe(2);
      expect(await metric(/^gregor_fetch_sessions\{privileged="false"\}/)).toBe(2);
      expect(await metric(/^gregor_fetch_session_partitions /)).toBe(6);
      // The two sessions still work.
      const inc = await fetch({ sessionId: ids[1]!, sessionEpoch: 1, maxWaitMs: 10 }, 12, clients[1]);
      expect(inc.errorCode).toBe(ErrorCode.NONE);
      expect(inc.sessionId).toBe(ids[1]);
    } finally {
      for (const client of clients) client.close();
    }
  });
});
