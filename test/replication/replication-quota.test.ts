/**
 * The pure parts of replication throttling (KIP-73): which replicas kafka-reassign-partitions.sh
 * throttles (docs/ops.html's example: replicas 101,102 moving to 102,103 → a leader throttle on
 * 101 and 102, a follower throttle on 103), how a throttled-replicas list reads for one broker,
 * and the sampled rate with its first-window allowance.
 */
import { describe, expect, it } from 'vitest';
import { reassignmentThrottles } from '../../src/cli/reassign-throttle.js';
import { ReplicationQuota, throttledPartitionsOf } from '../../src/replication/replication-quota.js';

describe('replication throttles', () => {
  it('throttles the moving partitions as kafka-reassign-partitions.sh does', () => {
    const current = [{ topic: 'my-topic', partition: 0, replicas: [101, 102] }, { topic: 'my-topic', partition: 1, replicas: [101, 102] }, { topic: 'other', partition: 0, replicas: [101] }];
    const target = [{ topic: 'my-topic', partition: 0, replicas: [102, 103] }, { topic: 'my-topic', partition: 1, replicas: [101, 102] }, { topic: 'other', partition: 0, replicas: [101] }];
    const t = reassignmentThrottles(current, target);
    expect([...t.topics]).toEqual([['my-topic', { leader: '0:101,0:102', follower: '0:103' }]]);
    expect(t.brokers).toEqual([101, 102, 103]);
  });

  it('reads a throttled-replicas list for one broker', () => {
    expect([...(throttledPartitionsOf('0:1,1:2,2:1', 1) as Set<number>)]).toEqual([0, 2]);
    expect(throttledPartitionsOf('*', 7)).toBe('*');
    expect([...(throttledPartitionsOf('', 1) as Set<number>)]).toEqual([]);
  });

  it('measures the rate over its samples, never over less than window.num − 1 windows', () => {
    let rate = 1000;
    const configs: Record<string, Record<string, string>> = { t: { 'leader.replication.throttled.replicas': '0:1' } };
    const q = new ReplicationQuota({ rate: () => rate, windowNum: 3, windowSizeMs: 1000 }, 1, 'leader.replication.throttled.replicas', (topic) => configs[topic]);
    expect(q.isThrottled('t', 0)).toBe(true);
    expect(q.isThrottled('t', 1)).toBe(false);
    expect(q.isThrottled('u', 0)).toBe(false);
    // 2 000 bytes at t=0: over the 2 s minimum that is 1 000 B/s, not above the limit.
    q.record(2000, 0);
    expect(q.measuredRate(0)).toBe(1000);
    expect(q.isQuotaExceeded(0)).toBe(false);
    q.record(1, 10);
    expect(q.isQuotaExceeded(10)).toBe(true);
    // 3 s later the samples have aged out.
    expect(q.isQuotaExceeded(3100)).toBe(false);
    expect(q.recordedBytes).toBe(2001);
    rate = Number.MAX_SAFE_INTEGER;
    q.record(1e9, 3200);
    expect(q.isQuotaExceeded(3200)).toBe(false);
  });
});
