/** bench/rolling-restart.ts's measure: the longest stretch without an acknowledgement that overlaps a restart. */
import { describe, expect, it } from 'vitest';
import { longestGapOverlapping } from '../../bench/rolling-restart.js';

describe('longestGapOverlapping', () => {
  it('takes the gaps that overlap the window, including one still open at its end', () => {
    expect(longestGapOverlapping([0, 100, 4_100, 4_200], 1_000, 2_000)).toBe(4_000);
    expect(longestGapOverlapping([0, 500, 900, 1_600, 1_700], 1_000, 2_000)).toBe(700);
    expect(longestGapOverlapping([0, 9_000], 1_000, 2_000)).toBe(9_000);
    expect(longestGapOverlapping([0, 500], 1_000, 2_000)).toBe(1_500);
    expect(longestGapOverlapping([3_000, 3_100], 1_000, 2_000)).toBe(0);
  });
});
