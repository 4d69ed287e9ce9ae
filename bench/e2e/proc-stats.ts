/**
 * CPU time and memory of a process, from Linux /proc: utime + stime of /proc/<pid>/stat
 * (clock ticks, 100 per second on Linux), VmHWM of /proc/<pid>/status (the resident set's
 * high-water mark, kB) and its current resident set (VmRSS = RssAnon + RssFile + RssShmem).
 * Other systems: NaN.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces), from ") ": state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Minor page faults of the process so far (field minflt of /proc/<pid>/stat): pages the kernel mapped in on first touch. */
export function minorFaults(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return Number.NaN;
  }
}

/** Peak resident set size so far, in MB (10^6 bytes). */
export function peakRssMB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (Number(m[1]) * 1024) / 1e6 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The current resident set, in MiB: total (VmRSS), anonymous (heaps, stacks) and file-backed (the node binary, shared libraries). */
export function residentMiB(pid: number): { rss: number; anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
    return { rss: kB('VmRSS'), anon: kB('RssAnon'), file: kB('RssFile') };
  } catch {
    return { rss: Number.NaN, anon: Number.NaN, file: Number.NaN };
  }
}
