/**
 * Preloaded into a broker process by bench/ingest-profile.ts (`node --import
 * dist/bench/loop-observer.js …`) to attribute latency outliers: perf_hooks'
 * `monitorEventLoopDelay` (resolution 1 ms), every GC (PerformanceObserver 'gc': start, ms,
 * kind), and every event-loop stall above 3 ms seen by a 1 ms interval timer (when it ended
 * and how long it was). At exit, writes them as JSON to the file named by
 * `GREGOR_LOOP_OBSERVER_FILE`. Only for benchmarks: the timer costs CPU of its own.
 */
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** What the observer writes: times are performance.now() ms in the broker process. */
export interface LoopObservation {
  loopDelayMs: { p50: number; p99: number; p999: number; max: number; mean: number };
  gcs: Array<{ at: number; ms: number; kind: number }>;
  stalls: Array<{ end: number; ms: number }>;
}

const file = process.env.GREGOR_LOOP_OBSERVER_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const gcs: LoopObservation['gcs'] = [];
  const stalls: LoopObservation['stalls'] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ at: e.startTime, ms: e.duration, kind: ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) });
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > 4) stalls.push({ end: now, ms: now - last - 1 });
    last = now;
  }, 1).unref();
  process.on('exit', () => {
    const ms = (ns: number) => ns / 1e6;
    const out: LoopObservation = {
      loopDelayMs: {
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        p999: ms(histogram.percentile(99.9)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
      },
      gcs,
      stalls,
    };
    writeFileSync(file, JSON.stringify(out));
  });
}
