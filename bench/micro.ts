/**
 * Micro-benchmarks of the engine hot path, JS twin vs WASM core in one run (tinybench):
 *   - CRC-32C at 128 B / 4 KiB / 1 MiB, plus @node-rs/crc32 (SSE4.2 crc32 instruction) as the
 *     hardware reference, all over the same SharedMemory bytes;
 *   - validateBatch over an uncompressed batch of 100 records × 100-byte values, also with the
 *     audit's runs table filled by the same walk (issue 15; every record its own timestamp);
 *   - encodeRecordBatch of the same 100 records;
 *   - offsetIndexLookup / timeIndexLookup on 1 MiB indexes, random targets;
 *   - stampBatch;
 *   - segment append: LogSegment.append of ~1 MB batches (copy into the tail buffer, validate,
 *     stamp, index, write to the file), W1 and W2 records (bench/micro-append.ts);
 * and, last, the worker pool's hand-off cost: piscina's per-task round trip, µs per hand-off
 * at 1/16/256 hand-offs per task, inline vs one-worker-pool append MB/s (bench/handoff-cost.ts).
 * Inputs come from a fixed seed. Each tinybench sample runs an inner loop of `reps` operations
 * (so samples are well above timer resolution); figures are per operation, from the median
 * sample, with the relative margin of error of the mean (±%, 95%).
 *
 * Run: npm run bench:micro   (or: npx tsc -p tsconfig.build.json && node --expose-gc dist/bench/micro.js)
 * Options: BENCH_TIME_MS (per task, default 600).
 */
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { crc32c as hardwareCrc32c } from '@node-rs/crc32';
import { AuditTable, createEngine, newBatchInfo, SharedMemory, type Engine } from '../src/engine/index.js';
import { OFFSET_INDEX_ENTRY_SIZE, TIME_INDEX_ENTRY_SIZE } from '../src/engine/layout.js';
import type { RecordInput } from '../src/engine/engine.js';
import { segmentAppendCases } from './micro-append.js';
import { measureHandoffs } from './handoff-cost.js';

const TIME_MS = Number(process.env['BENCH_TIME_MS'] ?? 600);

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(0x6e6567);

const memory = new SharedMemory({ initialPages: 256 });
const engines: Record<'js' | 'wasm', Engine> = { js: createEngine('js', memory), wasm: createEngine('wasm', memory) };

// ─── inputs ──────────────────────────────────────────────────────────────────────────────────

const MiB = 1024 * 1024;
const crcData = memory.alloc(MiB + 64);
for (let i = 0; i < MiB + 64; i++) memory.bytes[crcData + i] = (rnd() * 256) | 0;

const RECORDS = 100;
const VALUE_BYTES = 100;
const records: RecordInput[] = Array.from({ length: RECORDS }, (_, i) => ({
  key: Buffer.from(`key-${String(i).padStart(12, '0')}`),
  value: Buffer.from(Array.from({ length: VALUE_BYTES }, () => (rnd() * 256) | 0)),
  timestamp: 1_700_000_000_000 + i * 3,
}));
const batch = engines.js.encodeRecordBatch(records, { baseOffset: 1000, producerId: 7, producerEpoch: 0, baseSequence: 0 });
const batchPtr = memory.alloc(batch.length);
memory.write(batch, batchPtr);

const OFFSET_ENTRIES = MiB / OFFSET_INDEX_ENTRY_SIZE;
const offsetIndex = memory.alloc(OFFSET_ENTRIES * OFFSET_INDEX_ENTRY_SIZE);
for (let i = 0, rel = 0; i < OFFSET_ENTRIES; i++) {
  rel += 1 + ((rnd() * 40) | 0);
  memory.dataView.setInt32(offsetIndex + i * 8, rel);
  memory.dataView.setInt32(offsetIndex + i * 8 + 4, i * 4096);
}
const maxRelative = memory.dataView.getInt32(offsetIndex + (OFFSET_ENTRIES - 1) * 8);
const TIME_ENTRIES = Math.floor(MiB / TIME_INDEX_ENTRY_SIZE);
const timeIndex = memory.alloc(TIME_ENTRIES * TIME_INDEX_ENTRY_SIZE);
for (let i = 0, ts = 1_700_000_000_000; i < TIME_ENTRIES; i++) {
  ts += 1 + ((rnd() * 1000) | 0);
  memory.dataView.setBigInt64(timeIndex + i * 12, BigInt(ts));
  memory.dataView.setInt32(timeIndex + i * 12 + 8, i);
}
const maxTs = Number(memory.dataView.getBigInt64(timeIndex + (TIME_ENTRIES - 1) * 12));
const TARGETS = 4096;
const offsetTargets = Int32Array.from({ length: TARGETS }, () => (rnd() * maxRelative) | 0);
const timeTargets = Float64Array.from({ length: TARGETS }, () => 1_700_000_000_000 + Math.floor(rnd() * (maxTs - 1_700_000_000_000)));

// ─── tasks ───────────────────────────────────────────────────────────────────────────────────

type Impl = 'js' | 'wasm' | 'hardware';
interface Case {
  group: string;
  unit: 'MB/s' | 'records/s' | 'ops/s';
  /** bytes (MB/s) or records (records/s) or 1 (ops/s) per operation */
  perOp: number;
  reps: number;
  impls: Partial<Record<Impl, () => void>>;
}

let sink = 0;
const info = newBatchInfo();
const cases: Case[] = [];

for (const [label, size, reps] of [
  ['128 B', 128, 2000],
  ['4 KiB', 4096, 100],
  ['1 MiB', MiB, 1],
] as const) {
  const view = memory.view(crcData + 1, size); // odd address: unaligned on purpose
  cases.push({
    group: `crc32c ${label}`,
    unit: 'MB/s',
    perOp: size,
    reps,
    impls: {
      js: () => {
        for (let i = 0; i < reps; i++) sink ^= engines.js.crc32c(crcData + 1, size);
      },
      wasm: () => {
        for (let i = 0; i < reps; i++) sink ^= engines.wasm.crc32c(crcData + 1, size);
      },
      hardware: () => {
        for (let i = 0; i < reps; i++) sink ^= hardwareCrc32c(view);
      },
    },
  });
}

cases.push({
  group: `validateBatch ${RECORDS}×${VALUE_BYTES} B (${batch.length} B)`,
  unit: 'MB/s',
  perOp: batch.length,
  reps: 20,
  impls: Object.fromEntries(
    (['js', 'wasm'] as const).map((k) => [
      k,
      () => {
        for (let i = 0; i < 20; i++) sink ^= engines[k].validateBatch(batchPtr, batch.length, info);
      },
    ]),
  ),
});

const auditTables = { js: new AuditTable(memory), wasm: new AuditTable(memory) };
cases.push({
  group: `validateBatch + audit runs ${RECORDS}×${VALUE_BYTES} B (${batch.length} B)`,
  unit: 'MB/s',
  perOp: batch.length,
  reps: 20,
  impls: Object.fromEntries(
    (['js', 'wasm'] as const).map((k) => [
      k,
      () => {
        for (let i = 0; i < 20; i++) sink ^= engines[k].validateBatch(batchPtr, batch.length, info, auditTables[k]);
      },
    ]),
  ),
});

cases.push({
  group: `encodeRecordBatch ${RECORDS}×${VALUE_BYTES} B`,
  unit: 'records/s',
  perOp: RECORDS,
  reps: 5,
  impls: Object.fromEntries(
    (['js', 'wasm'] as const).map((k) => [
      k,
      () => {
        for (let i = 0; i < 5; i++) sink ^= engines[k].encodeRecordBatch(records, { baseOffset: 1000 }).length;
      },
    ]),
  ),
});

cases.push({
  group: `offsetIndexLookup (${OFFSET_ENTRIES} entries)`,
  unit: 'ops/s',
  perOp: 1,
  reps: TARGETS,
  impls: Object.fromEntries(
    (['js', 'wasm'] as const).map((k) => [
      k,
      () => {
        for (let i = 0; i < TARGETS; i++) sink ^= engines[k].offsetIndexLookup(offsetIndex, OFFSET_ENTRIES, offsetTargets[i]!);
      },
    ]),
  ),
});

cases.push({
  group: `timeIndexLookup (${TIME_ENTRIES} entries)`,
  unit: 'ops/s',
  perOp: 1,
  reps: TARGETS,
  impls: Object.fromEntries(
    (['js', 'wasm'] as const).map((k) => [
      k,
      () => {
        for (let i = 0; i < TARGETS; i++) sink ^= engines[k].timeIndexLookup(timeIndex, TIME_ENTRIES, timeTargets[i]!);
      },
    ]),
  ),
});

cases.push({
  group: 'stampBatch',
  unit: 'ops/s',
  perOp: 1,
  reps: 2000,
  impls: Object.fromEntries(
    (['js', 'wasm'] as const).map((k) => [
      k,
      () => {
        for (let i = 0; i < 2000; i++) engines[k].stampBatch(batchPtr, 1000 + i, 5);
      },
    ]),
  ),
});

const appendCases = segmentAppendCases(engines);
for (const c of appendCases.cases) cases.push({ group: c.group, unit: 'MB/s', perOp: c.bytes, reps: c.reps, impls: c.impls });

// sanity: both engines agree on what is measured
for (const [a, b] of [
  [engines.js.crc32c(crcData + 1, MiB), engines.wasm.crc32c(crcData + 1, MiB)],
  [engines.js.crc32c(crcData + 1, MiB), hardwareCrc32c(memory.view(crcData + 1, MiB))],
  [engines.js.validateBatch(batchPtr, batch.length, info), engines.wasm.validateBatch(batchPtr, batch.length, info)],
  [engines.js.offsetIndexLookup(offsetIndex, OFFSET_ENTRIES, 12345), engines.wasm.offsetIndexLookup(offsetIndex, OFFSET_ENTRIES, 12345)],
]) {
  if (a !== b) throw new Error(`engines disagree: ${a} vs ${b}`);
}
if (engines.wasm.validateBatch(batchPtr, batch.length, info) !== batch.length) throw new Error('bench batch does not validate');

// ─── run ─────────────────────────────────────────────────────────────────────────────────────

interface Figure {
  value: number;
  rme: number;
}
const results = new Map<string, Partial<Record<Impl, Figure>>>();

const gc = (globalThis as { gc?: () => void }).gc;
const bench = new Bench({ time: TIME_MS, warmupTime: 150, setup: () => gc?.() });
const taskMeta = new Map<string, { c: Case; impl: Impl }>();
for (const c of cases) {
  for (const [impl, fn] of Object.entries(c.impls) as Array<[Impl, () => void]>) {
    const name = `${c.group} [${impl}]`;
    taskMeta.set(name, { c, impl });
    bench.add(name, fn);
  }
}

console.log(`gregor micro-benchmarks — node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${TIME_MS} ms per task`);
await bench.run();

for (const task of bench.tasks) {
  const meta = taskMeta.get(task.name)!;
  const r = task.result;
  if (r.state !== 'completed') {
    console.error(`${task.name}: ${r.state}${'error' in r ? ` ${String(r.error)}` : ''}`);
    continue;
  }
  const msPerOp = r.latency.p50 / meta.c.reps;
  const perSecond = 1000 / msPerOp;
  const value = meta.c.unit === 'MB/s' ? (perSecond * meta.c.perOp) / 1e6 : perSecond * meta.c.perOp;
  const row = results.get(meta.c.group) ?? {};
  row[meta.impl] = { value, rme: r.latency.rme };
  results.set(meta.c.group, row);
}

function fmt(f: Figure | undefined, unit: string): string {
  if (!f) return '—';
  const v = unit === 'MB/s' ? f.value.toFixed(0) : f.value >= 1e6 ? `${(f.value / 1e6).toFixed(2)} M` : `${(f.value / 1e3).toFixed(1)} k`;
  return `${v} ±${f.rme.toFixed(1)}%`;
}

const rows = cases.map((c) => {
  const r = results.get(c.group) ?? {};
  return {
    benchmark: c.group,
    unit: c.unit,
    JS: fmt(r.js, c.unit),
    WASM: fmt(r.wasm, c.unit),
    hardware: fmt(r.hardware, c.unit),
    'WASM÷JS': r.js && r.wasm ? `${(r.wasm.value / r.js.value).toFixed(2)}×` : '—',
  };
});
const columns = Object.keys(rows[0]!) as Array<keyof (typeof rows)[number]>;
const widths = columns.map((col) => Math.max(col.length, ...rows.map((row) => row[col].length)));
const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
console.log();
console.log(line(columns));
console.log(widths.map((w) => '─'.repeat(w)).join('  '));
for (const row of rows) console.log(line(columns.map((col) => row[col])));
console.log('\nmedian per-operation rate; ±: relative margin of error of the sample mean (95%)');
appendCases.cleanup();

console.log('\nworker pool hand-off (one worker thread; medians of 5 rounds)');
const handoffs = await measureHandoffs(memory);
const handoffRows = handoffs.map((h) => ({
  engine: h.engine,
  'empty task µs': h.emptyTaskUs.toFixed(1),
  'µs/hand-off ×1': h.perHandoffUs[1]!.toFixed(2),
  '×16': h.perHandoffUs[16]!.toFixed(2),
  '×256': h.perHandoffUs[256]!.toFixed(2),
  'inline MB/s': h.inlineMBps.toFixed(0),
  'pool MB/s': h.pooledMBps.toFixed(0),
  'pool÷inline': (h.pooledMBps / h.inlineMBps).toFixed(2),
}));
console.table(handoffRows);
const jsonOut = process.env['BENCH_JSON'];
if (jsonOut) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, timeMs: TIME_MS, rows, handoffs }, null, 2));
}
if (sink === 0.5) console.log(sink); // keep results observable
