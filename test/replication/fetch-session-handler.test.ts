/**
 * The fetcher's side of a fetch session (FetchSessionHandler, what the replica fetcher uses)
 * against a real broker over the KafkaClient: the first request is full, the next ones name
 * only changed, added or dropped partitions with the epoch one higher; after the broker
 * drops the session (FETCH_SESSION_ID_NOT_FOUND) or a duplicate request
 * (INVALID_FETCH_SESSION_EPOCH) the next request is full again and gets a new session.
 * Source: KIP-227; Kafka clients FetchSessionHandler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/network/kafka-client.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type FetchResponse, createFetchRequest, createFetchRequestFetchPartition } from '../../src/protocol/generated/index.js';
import { FetchSessionHandler, type SessionPartition, type SessionRequest } from '../../src/replication/fetch-session-handler.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';

const FETCH = 1;
const TOPIC = 'handler';

describe('FetchSessionHandler against a broker', () => {
  let t: TestBroker;
  let client: KafkaClient;

  beforeAll(async () => {
    t = await startTestBroker();
    t.broker.logs.createTopic(TOPIC, 3);
    client = await KafkaClient.connect(t.bootstrap);
  });
  afterAll(async () => {
    client.close();
    await t.stop();
  });

  const wanted = (offsets: Record<number, number>): SessionPartition[] =>
    Object.entries(offsets).map(([p, fetchOffset]) => ({ topic: TOPIC, data: createFetchRequestFetchPartition({ partition: Number(p), fetchOffset, partitionMaxBytes: 1 << 20 }) }));
  const send = async (session: SessionRequest): Promise<FetchResponse> =>
    (await client.request<FetchResponse>(FETCH, createFetchRequest({ replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, ...session }), 12)).response;
  const named = (session: SessionRequest) => session.topics.flatMap((x) => x.partitions.map((p) => p.partition));

  it('full first, then only what changed; recovers from a lost session and from a stale epoch', async () => {
    const h = new FetchSessionHandler();
    const first = h.build(wanted({ 0: 0, 1: 0, 2: 0 }));
    expect(first).toMatchObject({ sessionId: 0, sessionEpoch: 0 });
    expect(named(first)).toEqual([0, 1, 2]);
    expect(h.handleResponse(await send(first))).toBe(true);
    const id = h.id;
    expect(id).toBeGreaterThan(0);
    expect(t.broker.fetchSessions.get(id)).toBeDefined();

    const same = h.build(wanted({ 0: 0, 1: 0, 2: 0 }));
    expect(same).toMatchObject({ sessionId: id, sessionEpoch: 1, topics: [], forgottenTopicsData: [] });
    expect(h.handleResponse(await send(same))).toBe(true);

    const moved = h.build(wanted({ 0: 0, 1: 5 }));
    expect(moved.sessionEpoch).toBe(2);
    expect(named(moved)).toEqual([1]);
    expect(moved.forgottenTopicsData).toEqual([{ topic: TOPIC, topicId: '', partitions: [2] }]);
    expect(h.handleResponse(await send(moved))).toBe(true);
    expect([...t.broker.fetchSessions.get(id)!.partitions.values()].map((p) => p.partition).sort()).toEqual([0, 1]);

    // The broker loses the session: FETCH_SESSION_ID_NOT_FOUND, then a full fetch without id.
    t.broker.fetchSessions.remove(id);
    const lost = await send(h.build(wanted({ 0: 0, 1: 5 })));
    expect(lost.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    expect(h.handleResponse(lost)).toBe(false);
    const again = h.build(wanted({ 0: 0, 1: 5 }));
    expect(again).toMatchObject({ sessionId: 0, sessionEpoch: 0 });
    expect(named(again)).toEqual([0, 1]);
    expect(h.handleResponse(await send(again))).toBe(true);
    const second = h.id;
    expect(second).toBeGreaterThan(0);

    // The same incremental request twice: the second has a stale epoch.
    const request = h.build(wanted({ 0: 1, 1: 5 }));
    expect(h.handleResponse(await send(request))).toBe(true);
    const duplicate = await send(request);
    expect(duplicate.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect(h.handleResponse(duplicate)).toBe(false);
    // The next is full and names the old session, which the broker closes for a new one.
    const reopen = h.build(wanted({ 0: 1, 1: 5 }));
    expect(reopen).toMatchObject({ sessionId: second, sessionEpoch: 0 });
    expect(h.handleResponse(await send(reopen))).toBe(true);
    expect(h.id).not.toBe(second);
    expect(t.broker.fetchSessions.get(second)).toBeUndefined();
    expect(t.broker.fetchSessions.get(h.id)).toBeDefined();
  });
});
