/**
 * Summarises V8 CPU profiles (`node --cpu-prof` writes `*.cpuprofile`, Chrome DevTools'
 * JSON: a call tree of `nodes` with `callFrame`s, plus the node of each sample, `samples`).
 *
 *   node dist/bench/profile-summary.js FILE.cpuprofile… [--top N] [--total] [--json]
 *
 * Prints the top N functions by self time (time the function itself was on the CPU, summed
 * over every node of the tree with the same name and source position) with their share of
 * the busy time (all samples except `(idle)`), and with `--total` the top N by inclusive time
 * (the function and everything it called, each sample counted once per function). Several
 * files are summed (e.g. the main thread and the worker threads of one run). A `window.json`
 * ({ startUs, endUs }, CLOCK_MONOTONIC µs as V8 stamps samples) beside a profile limits it to
 * that span (bench/ingest-profile.ts writes the produce's). `--json` prints
 * the same as one JSON object instead of tables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Part of a profile to count, in the profile's clock (µs, CLOCK_MONOTONIC on Linux). */
export interface Window {
  startUs: number;
  endUs: number;
}

/** Time per function, µs. */
export interface FunctionTime {
  name: string;
  selfUs: number;
  totalUs: number;
}

export interface ProfileSummary {
  /** Sampled time, µs, without `(idle)`. */
  busyUs: number;
  idleUs: number;
  functions: FunctionTime[];
}

function label(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  const file = f.url.replace(/^file:\/\//, '').replace(/.*\/(dist|node_modules)\//, '$1/');
  return `${name} ${file}:${f.lineNumber + 1}`;
}

/** Self and inclusive time per function over `profiles`, from their samples. */
export function summarize(profiles: CpuProfile[], windows: Array<Window | null> = []): ProfileSummary {
  const byName = new Map<string, FunctionTime>();
  let busyUs = 0;
  let idleUs = 0;
  for (const [index, p] of profiles.entries()) {
    const window = windows[index] ?? null;
    const nodes = new Map<number, ProfileNode>();
    const parent = new Map<number, number>();
    for (const n of p.nodes) {
      nodes.set(n.id, n);
      for (const c of n.children ?? []) parent.set(c, n.id);
    }
    const labels = new Map<number, string>();
    for (const n of p.nodes) labels.set(n.id, label(n.callFrame));
    // Every sample weighs the mean interval: on a busy machine a thread that waits for a core
    // gets one late sample for a long wall-clock gap (timeDeltas), which is not CPU time.
    const mean = (p.endTime - p.startTime) / Math.max(1, p.samples.length);
    let at = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      at += p.timeDeltas[i] ?? 0;
      if (window && (at < window.startUs || at > window.endUs)) continue;
      const us = mean;
      const id = p.samples[i]!;
      const leaf = labels.get(id)!;
      if (leaf === '(idle)') {
        idleUs += us;
        continue;
      }
      busyUs += us;
      const self = byName.get(leaf) ?? { name: leaf, selfUs: 0, totalUs: 0 };
      self.selfUs += us;
      byName.set(leaf, self);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const l = labels.get(at)!;
        if (seen.has(l)) continue;
        seen.add(l);
        const f = byName.get(l) ?? { name: l, selfUs: 0, totalUs: 0 };
        f.totalUs += us;
        byName.set(l, f);
      }
    }
  }
  return { busyUs, idleUs, functions: [...byName.values()] };
}

function table(title: string, rows: FunctionTime[], key: 'selfUs' | 'totalUs', busyUs: number, top: number): string {
  const lines = [`${title}`, '| # | ms | % of busy | function |', '| ---: | ---: | ---: | --- |'];
  rows
    .filter((r) => r.name !== '(root)')
    .sort((a, b) => b[key] - a[key])
    .slice(0, top)
    .forEach((r, i) => lines.push(`| ${i + 1} | ${(r[key] / 1000).toFixed(1)} | ${((100 * r[key]) / busyUs).toFixed(1)} | \`${r.name}\` |`));
  return lines.join('\n');
}

function main(argv: string[]): void {
  const files: string[] = [];
  let top = 25;
  let total = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--total') total = true;
    else if (argv[i] === '--json') json = true;
    else files.push(argv[i]!);
  }
  if (files.length === 0) throw new Error('usage: profile-summary FILE.cpuprofile… [--top N] [--total] [--json]');
  const windows = files.map((f) => {
    const w = join(dirname(f), 'window.json');
    return existsSync(w) ? (JSON.parse(readFileSync(w, 'utf8')) as Window) : null;
  });
  const s = summarize(
    files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile),
    windows,
  );
  if (windows.some((w) => w)) process.stdout.write('(samples inside window.json only: the produce, without start-up and shutdown)\n');
  if (json) {
    const sorted = s.functions.sort((a, b) => b.selfUs - a.selfUs).slice(0, top);
    process.stdout.write(`${JSON.stringify({ busyMs: s.busyUs / 1000, idleMs: s.idleUs / 1000, top: sorted })}\n`);
    return;
  }
  process.stdout.write(`${files.length} profile(s): busy ${(s.busyUs / 1000).toFixed(0)} ms, idle ${(s.idleUs / 1000).toFixed(0)} ms\n\n`);
  process.stdout.write(`${table('Self time', s.functions, 'selfUs', s.busyUs, top)}\n\n`);
  if (total) process.stdout.write(`${table('Inclusive time', s.functions, 'totalUs', s.busyUs, top)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
