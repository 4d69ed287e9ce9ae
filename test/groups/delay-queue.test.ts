/**
 * The coordinator's delay queue against a model, on a controlled clock: timers fire in
 * deadline order, once; rescheduling replaces; cancelling removes; thousands of reschedules
 * (a heartbeat each) leave one live entry per key, with one armed Node timer.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DelayQueue } from '../../src/groups/delay-queue.js';

describe('DelayQueue', () => {
  afterEach(() => vi.useRealTimers());

  it('fires like a model: latest schedule per key wins, cancels remove, deadline order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ op: fc.constant('schedule' as const), key: fc.integer({ min: 0, max: 20 }), delay: fc.integer({ min: 0, max: 1000 }) }), fc.record({ op: fc.constant('cancel' as const), key: fc.integer({ min: 0, max: 20 }) })), { maxLength: 200 }),
        (ops) => {
          vi.useFakeTimers({ now: 0 });
          const queue = new DelayQueue();
          const fired: Array<[number, number]> = [];
          const model = new Map<number, number>();
          for (const op of ops) {
            if (op.op === 'schedule') {
              queue.schedule(`k${op.key}`, op.delay, () => fired.push([op.key, Date.now()]));
              model.set(op.key, op.delay);
            } else {
              queue.cancel(`k${op.key}`);
              model.delete(op.key);
            }
          }
          expect(queue.size).toBe(model.size);
          vi.advanceTimersByTime(2000);
          const expected = [...model].sort((a, b) => a[1] - b[1]);
          expect(fired.map(([k]) => k).sort()).toEqual(expected.map(([k]) => k).sort());
          for (const [key, at] of fired) expect(at).toBe(model.get(key));
          for (let i = 1; i < fired.length; i++) expect(fired[i]![1]).toBeGreaterThanOrEqual(fired[i - 1]![1]);
          expect(queue.size).toBe(0);
          queue.close();
          vi.useRealTimers();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('1,000 members heartbeating 50 times each keep 1,000 live timers and one Node timer', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DelayQueue();
    let expired = 0;
    for (let beat = 0; beat < 50; beat++) {
      for (let m = 0; m < 1000; m++) queue.schedule(`member-${m}`, 10_000, () => expired++);
      vi.advanceTimersByTime(100);
    }
    expect(queue.size).toBe(1000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(9_899);
    expect(expired).toBe(0);
    vi.advanceTimersByTime(200);
    expect(expired).toBe(1000);
    queue.close();
  });
});
