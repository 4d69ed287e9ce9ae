/**
 * Node timers hold at most 2^31-1 ms (~24.8 days); a longer delay (a config of Long.MAX_VALUE,
 * "never") would fire at once with a TimeoutOverflowWarning. This clamps a delay to that
 * range. Units: ms.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function timerMs(ms: number): number {
  return Math.max(0, Math.min(ms, MAX_TIMER_MS));
}
