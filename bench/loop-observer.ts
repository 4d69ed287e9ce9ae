/**
 * Preloaded into a broker process by bench/ingest-profile.ts (`node --import
 * dist/bench/loop-observer.js …`) to attribute latency outliers: perf_hooks'
 * `monitorEventLoopDelay` (resolution 1 ms), every GC (PerformanceObserver 'gc': start, ms,
 * kind), every event-loop stall above 3 ms seen by a 1 ms interval timer (when it ended
 * and how long it was), and every `fs.writeSync` / `fs.fsyncSync` call over 3 ms. At exit, writes them as JSON to the file named by
 * `GREGOR_LOOP_OBSERVER_FILE`. Only for benchmarks: the timer costs CPU of its own.
 */
import fs, { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** What the observer writes: times are performance.now() ms in the broker process. */
export interface LoopObservation {
  loopDelayMs: { p50: number; p99: number; p999: number; max: number; mean: number };
  gcs: Array<{ at: number; ms: number; kind: number }>;
  stalls: Array<{ end: number; ms: number }>;
  /** fs.writeSync / fsyncSync calls over 3 ms (page-cache writes throttled by the kernel's dirty-page limits, disk flushes). */
  slowIo: Array<{ end: number; ms: number; call: string }>;
}

const file = process.env.GREGOR_LOOP_OBSERVER_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const gcs: LoopObservation['gcs'] = [];
  const stalls: LoopObservation['stalls'] = [];
  const slowIo: LoopObservation['slowIo'] = [];
  // Time the broker's synchronous file calls (its modules import them by name from node:fs:
  // syncBuiltinESMExports makes those bindings see the wrappers).
  for (const call of ['writeSync', 'fsyncSync'] as const) {
    const original = fs[call] as (...args: unknown[]) => unknown;
    (fs as unknown as Record<string, unknown>)[call] = (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return original(...args);
      } finally {
        const t1 = performance.now();
        if (t1 - t0 > 3) slowIo.push({ end: t1, ms: t1 - t0, call });
      }
    };
  }
  syncBuiltinESMExports();
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
      slowIo,
    };
    writeFileSync(file, JSON.stringify(out));
  });
}
