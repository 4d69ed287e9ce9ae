/**
 * Are slow `writeSync` calls the page cache's doing (dirty-page throttling, page allocation)
 * or the machine's (the process waits for a core)? Alternates a `writeSync` of `--bytes` to
 * a file in `--dir` (appending, as a segment does) with a CPU-only control of the same median
 * duration (copies between two warm buffers), and compares their outliers: if the control
 * stalls as often and as long, a stall is preemption, which moving the write elsewhere would
 * not remove.
 *
 *   node dist/bench/write-stall-probe.js [--dir /tmp] [--bytes 65536] [--mb 512] [--max-s 60]
 *
 * Prints, per kind: calls, median µs, p99 / p999 / max ms, calls over 3 ms, ms spent in calls
 * over 3 ms; then the kernel's Dirty/Writeback at the end and the load average. Bounded by
 * `--mb` written and `--max-s` seconds; the file is removed.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { percentile } from './e2e/records.js';

interface Args { dir: string; bytes: number; mb: number; maxS: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { dir: '/tmp', bytes: 65_536, mb: 512, maxS: 60 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--dir': a.dir = v!; i++; break;
      case '--bytes': a.bytes = Number(v); i++; break;
      case '--mb': a.mb = Number(v); i++; break;
      case '--max-s': a.maxS = Number(v); i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!(a.bytes > 0 && a.mb > 0 && a.maxS > 0)) throw new Error('--bytes, --mb and --max-s must be positive');
  return a;
}

function summary(name: string, ms: number[]): string {
  const sorted = [...ms].sort((x, y) => x - y);
  const slow = sorted.filter((x) => x > 3);
  const f = (x: number) => x.toFixed(2);
  return `${name.padEnd(10)} calls ${sorted.length}  median ${(percentile(sorted, 50) * 1000).toFixed(1)} µs  p99 ${f(percentile(sorted, 99))}  p999 ${f(percentile(sorted, 99.9))}  max ${f(sorted.at(-1) ?? 0)} ms  >3 ms: ${slow.length} calls, ${f(slow.reduce((s, x) => s + x, 0))} ms`;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(args.dir, 'write-stall-probe-'));
  const fd = openSync(join(dir, '00000000000000000000.log'), 'w');
  const data = Buffer.alloc(args.bytes, 7);
  const src = Buffer.alloc(args.bytes, 3);
  const dst = Buffer.alloc(args.bytes);
  const copy = (times: number) => {
    for (let i = 0; i < times; i++) src.copy(dst, 0, 0, args.bytes);
  };
  let position = 0;
  const write = () => {
    writeSync(fd, data, 0, args.bytes, position);
    position += args.bytes;
  };
  const time = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  // Calibrate the control to the write's median duration (these writes count in the file too).
  const w: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < 1200; i++) {
    const wMs = time(write);
    const cMs = time(() => copy(1));
    if (i >= 200) { // the first calls warm up the code and the buffers
      w.push(wMs);
      c.push(cMs);
    }
  }
  const ratio = Math.max(1, Math.round(percentile(w.sort((x, y) => x - y), 50) / Math.max(1e-6, percentile(c.sort((x, y) => x - y), 50))));
  const writes: number[] = [];
  const controls: number[] = [];
  const deadline = Date.now() + args.maxS * 1000;
  const total = args.mb * 1024 * 1024;
  try {
    while (position < total && Date.now() < deadline) {
      writes.push(time(write));
      controls.push(time(() => copy(ratio)));
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  const meminfo = readFileSync('/proc/meminfo', 'utf8').split('\n').filter((l) => /^(Dirty|Writeback):/.test(l)).map((l) => l.replace(/\s+/g, ' ')).join(', ');
  console.log(`${args.bytes} B per call, ${(position / 1024 / 1024).toFixed(0)} MB written, control = ${ratio} copies of ${args.bytes} B`);
  console.log(summary('writeSync', writes));
  console.log(summary('control', controls));
  console.log(`${meminfo}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main();
