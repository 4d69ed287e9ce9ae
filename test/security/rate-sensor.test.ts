/**
 * The quota rate as Kafka measures it (SampledStat/Rate with quota.window.num=11 windows of
 * 1 s) and Kafka's throttle time, on hand-computed figures.
 */
import { describe, expect, it } from 'vitest';
import { RateSensor, throttleTimeMs } from '../../src/security/quotas/rate-sensor.js';

describe('RateSensor', () => {
  it('pads a young sensor to (samples − 1) windows, so a first burst reads as a low rate', () => {
    const s = new RateSensor(11, 1000);
    expect(s.record(10_000_000, 0)).toBeCloseTo(1_000_000); // 10 MB over the padded 10 s
    expect(s.windowSizeMs(500)).toBe(10_500);
    expect(s.windowSizeMs(2_300)).toBe(10_300); // 2 full windows: padded by 8
    expect(s.windowSizeMs(15_000)).toBe(10_000); // every window expired: restarted at now
  });

  it('rolls windows and forgets ones older than samples × window', () => {
    const s = new RateSensor(3, 1000);
    s.record(3000, 0);
    s.record(3000, 1000); // second window
    expect(s.rate(1500)).toBeCloseTo(6000 / 2.5);
    s.record(3000, 2000);
    s.record(3000, 3000); // the ring wraps: the first window is reused
    expect(s.rate(3000)).toBeCloseTo(9000 / 2);
    expect(s.rate(4999)).toBeCloseTo(6000 / 2.999);
  });

  it('throttles by the over-quota share of the window (KIP-13)', () => {
    expect(throttleTimeMs(1_100_000, 1_000_000, 10_000)).toBe(1000);
    expect(throttleTimeMs(1_000_000, 1_000_000, 10_000)).toBe(0);
    expect(throttleTimeMs(3_000_000, 1_000_000, 11_000)).toBe(22_000);
  });
});
