/**
 * The fetch session cache's eviction rules (Kafka FetchSessionCacheShard.tryEvict), on the
 * real FetchSessionCache with its clock in the test's hands (no waiting 120 s):
 *  - when full, a consumer's new session takes no slot from a session younger than
 *    `min.incremental.fetch.session.eviction.ms`; a follower's takes a consumer's;
 *  - a session unused for the eviction time is evicted by anyone;
 *  - among sessions older than the eviction time, the one with fewer partitions goes first,
 *    and a new session with fewer partitions than every candidate evicts none;
 *  - a client opening a new session on every fetch (@platformatic/kafka) cannot push a
 *    follower out.
 */
import { describe, expect, it } from 'vitest';
import { FetchSessionCache } from '../../src/server/fetch-session-cache.js';
import { createFetchRequest, createFetchResponse } from '../../src/protocol/generated/index.js';

const EVICTION_MS = 120_000;

function cacheAt(slots: number) {
  const clock = { now: 1_000_000 };
  let nextId = 1;
  const cache = new FetchSessionCache({ maxSlots: slots, evictionMs: EVICTION_MS, now: () => clock.now, randomId: () => nextId++ });
  /** A full fetch (epoch 0) of `partitions` partitions of topic `t`; returns the session id given (0: none). */
  const open = (partitions: number, follower = false, t = 'topic') => {
    const parts = Array.from({ length: partitions }, (_, partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1024 }));
    const request = createFetchRequest({ replicaId: follower ? 2 : -1, sessionId: 0, sessionEpoch: 0, topics: [{ topic: t, partitions: parts }] as never });
    const context = cache.newContext(request, 12, follower);
    const response = createFetchResponse({
      responses: [{ topic: t, partitions: parts.map((p) => ({ partitionIndex: p.partition, highWatermark: 0, logStartOffset: 0 })) }] as never,
    });
    return context.respond(response).sessionId;
  };
  /** An incremental fetch naming nothing on session `id` at `epoch` (touches it). */
  const use = (id: number, epoch: number) => cache.newContext(createFetchRequest({ sessionId: id, sessionEpoch: epoch }), 12, false).errorCode;
  return { cache, clock, open, use };
}

describe('FetchSessionCache eviction (Kafka tryEvict)', () => {
  it('fresh sessions keep their slots against consumers; a follower takes a consumer slot', () => {
    const { cache, open } = cacheAt(2);
    const a = open(5);
    const b = open(3);
    expect([a, b].every((id) => id > 0)).toBe(true);
    expect(open(100)).toBe(0);
    expect(cache.evictions).toBe(0);
    const follower = open(1, true);
    expect(follower).toBeGreaterThan(0);
    // The least valuable consumer session (3 partitions) went.
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(a)).toBeDefined();
    expect(cache.evictions).toBe(1);
    // A fresh follower session is not evictable by another follower.
    const follower2 = open(1, true);
    expect(follower2).toBeGreaterThan(0);
    expect(cache.get(a)).toBeUndefined();
    expect(open(1, true)).toBe(0);
    expect(cache.privilegedCount).toBe(2);
  });

  it('a session unused for the eviction time goes first, whoever asks', () => {
    const { cache, clock, open, use } = cacheAt(2);
    const idle = open(50, true);
    const busy = open(1);
    clock.now += EVICTION_MS - 1;
    expect(use(busy, 1)).toBe(0);
    clock.now += 2;
    const small = open(1);
    expect(small).toBeGreaterThan(0);
    expect(cache.get(idle)).toBeUndefined();
    expect(cache.get(busy)).toBeDefined();
  });

  it('among old sessions in use, more partitions win; a new consumer session that is smaller evicts none', () => {
    const { cache, clock, open, use } = cacheAt(2);
    const five = open(5);
    const ten = open(10);
    clock.now += EVICTION_MS + 1;
    expect(use(five, 1)).toBe(0);
    expect(use(ten, 1)).toBe(0);
    expect(open(4)).toBe(0);
    const eight = open(8);
    expect(eight).toBeGreaterThan(0);
    expect(cache.get(five)).toBeUndefined();
    expect(cache.get(ten)).toBeDefined();
    expect(cache.totalPartitions).toBe(18);
  });

  it('a client asking for a new session on every fetch never displaces a follower', () => {
    const { cache, open } = cacheAt(3);
    const follower = open(2, true);
    for (let i = 0; i < 50; i++) open(1000);
    expect(cache.get(follower)).toBeDefined();
    expect(cache.size).toBe(3);
  });
});
