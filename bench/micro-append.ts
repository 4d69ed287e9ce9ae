/**
 * The "segment append" cases of `npm run bench:micro`: the broker's append path as the
 * Produce handler runs it inline — LogSegment.append copies a produce request's batch from
 * a Node Buffer (as the socket gave it) into the segment's tail buffer in shared memory,
 * validates it there (CRC-32C, every record), stamps offsets, updates the offset and time
 * indexes, and writes it to the `.log` file (page cache) from a view of the same bytes.
 * MB/s of batches appended, JS twin vs WASM core; the file is cut back to empty every 64 MiB.
 *
 * Workloads as in `npm run bench`: W1 = 100-byte values with 8-byte keys, W2 = 1 KiB values;
 * one batch of about 1 MiB per request, as kcat sends them (batch.size 1,000,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine, RecordInput } from '../src/engine/engine.js';
import { LogSegment } from '../src/storage/log-segment.js';
import { asOffset } from '../src/storage/offset.js';

/** One tinybench case: `run()` appends `reps` batches of `bytes` bytes. */
export interface AppendCase {
  group: string;
  bytes: number;
  reps: number;
  impls: Record<'js' | 'wasm', () => void>;
}

const BATCH_TARGET_BYTES = 1_000_000;
const CUT_EVERY_BYTES = 64 * 1024 * 1024;

/** A batch of about 1 MB: `valueBytes`-byte values with 8-byte keys. */
export function workloadBatch(encoder: Engine, valueBytes: number): Buffer {
  const perRecord = valueBytes + 8 + 10;
  const count = Math.floor(BATCH_TARGET_BYTES / perRecord);
  const now = 1_767_225_600_000;
  const records: RecordInput[] = Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(String(i).padStart(8, '0')),
    value: Buffer.alloc(valueBytes, 0x61 + (i % 26)),
    timestamp: now + i,
  }));
  return Buffer.from(encoder.encodeRecordBatch(records, { baseTimestamp: now }));
}

/** The cases, and a function that removes their temporary files. */
export function segmentAppendCases(engines: Record<'js' | 'wasm', Engine>): { cases: AppendCase[]; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-micro-append-'));
  const segments: LogSegment[] = [];
  const cases: AppendCase[] = [];
  for (const [label, valueBytes] of [
    ['W1 100 B values', 100],
    ['W2 1 KiB values', 1024],
  ] as const) {
    const batch = workloadBatch(engines.js, valueBytes);
    const reps = 4;
    const impls = {} as Record<'js' | 'wasm', () => void>;
    for (const kind of ['js', 'wasm'] as const) {
      const segmentDir = mkdtempSync(join(dir, `${kind}-`));
      const segment = LogSegment.create(segmentDir, asOffset(0), { engine: engines[kind], indexIntervalBytes: 4096, tailCapacity: 2 * 1024 * 1024 });
      segments.push(segment);
      impls[kind] = () => {
        for (let i = 0; i < reps; i++) {
          if (segment.size + batch.length > CUT_EVERY_BYTES) segment.truncateTo(0);
          segment.append(batch, 0, 2 * 1024 * 1024);
        }
      };
    }
    cases.push({ group: `segment append ${label} (${(batch.length / 1e6).toFixed(2)} MB batches)`, bytes: batch.length, reps, impls });
  }
  return {
    cases,
    cleanup: () => {
      for (const s of segments) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
