/**
 * Crash safety of the cleaner's swap: a child process (test/fixtures/cleaner-crash-child.mjs,
 * on the built dist/) writes a compacted topic and kills itself with SIGKILL at one step of
 * the swap (.cleaned written, half renamed to .swap, .swap, old segments half and fully
 * .deleted, half live, done). A broker then opens the directory: the log must hold only
 * records at their original offsets, the latest value of every key (as before compaction),
 * no leftover .cleaned/.swap/.deleted files; and a full clean after recovery gives exactly
 * the compacted log.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recordsOf, recordsSection } from '../../src/storage/cleaner/batch-filter.js';
import { readBatchHeader } from '../../src/storage/batch-header.js';
import { startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const CHILD = fileURLToPath(new URL('../fixtures/cleaner-crash-child.mjs', import.meta.url));
const RECORDS = 3000;
const STEPS = ['cleaned', 'swap-partial', 'swapped', 'old-deleted-partial', 'old-deleted', 'live-partial', 'done'] as const;

/** The cleaner's files at each step's moment of death. */
const ON_DISK: Record<(typeof STEPS)[number], { cleanedLog: boolean; swapIndex: boolean; swapLog: boolean; deleted: boolean }> = {
  cleaned: { cleanedLog: true, swapIndex: false, swapLog: false, deleted: false },
  'swap-partial': { cleanedLog: true, swapIndex: true, swapLog: false, deleted: false },
  swapped: { cleanedLog: false, swapIndex: true, swapLog: true, deleted: false },
  'old-deleted-partial': { cleanedLog: false, swapIndex: true, swapLog: true, deleted: true },
  'old-deleted': { cleanedLog: false, swapIndex: true, swapLog: true, deleted: true },
  'live-partial': { cleanedLog: false, swapIndex: false, swapLog: true, deleted: true },
  done: { cleanedLog: false, swapIndex: false, swapLog: false, deleted: true },
};

/** What the child wrote at each offset. */
const model = Array.from({ length: RECORDS }, (_, j) => ({ key: `k${j % 97}`, value: j % 13 === 0 ? null : `v${j}` }));

function runChild(dir: string, step: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, step], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** Every record in the log from its start, decoded. */
function readAll(log: ReturnType<Awaited<ReturnType<typeof startTestBroker>>['broker']['logs']['partition']>) {
  const out: Array<{ offset: number; key: string; value: string | null }> = [];
  let offset = log!.logStartOffset as number;
  while (offset < log!.logEndOffset) {
    const { slice } = log!.read(offset, 1 << 20);
    if (!slice) break;
    const bytes = Buffer.from(slice.bytes);
    slice.release?.();
    let pos = 0;
    let next = offset;
    while (pos + 61 <= bytes.length) {
      const header = readBatchHeader(bytes, pos, pos);
      const batch = bytes.subarray(pos, pos + header.sizeInBytes);
      for (const r of recordsOf(recordsSection(batch, header), header)) {
        if (r.offset >= offset) out.push({ offset: r.offset, key: Buffer.from(r.key!).toString(), value: r.value ? Buffer.from(r.value).toString() : null });
      }
      next = header.lastOffset + 1;
      pos += header.sizeInBytes;
    }
    offset = next;
  }
  return out;
}

describe.each(STEPS)('kill -9 at cleaner step "%s"', (step) => {
  it('recovers to a valid log with every key\'s latest value, and cleans to the exact result after', async () => {
    const dir = makeTempDir();
    try {
      const child = await runChild(dir.path, step);
      expect(child.signal, child.stderr).toBe('SIGKILL');
      // The files show the process died where it was meant to.
      const files = readdirSync(join(dir.path, 'crashy-0'));
      const has = (re: RegExp) => files.some((f) => re.test(f));
      expect({ cleanedLog: has(/\.log\.cleaned$/), swapIndex: has(/\.index\.swap$/), swapLog: has(/\.log\.swap$/), deleted: has(/\.deleted$/) }).toEqual(ON_DISK[step]);

      const t = await startTestBroker({ logDirs: dir.path, properties: { 'log.cleaner.enable': false } });
      try {
        const log = t.broker.logs.partition('crashy', 0)!;
        expect(log.logEndOffset).toBe(RECORDS);
        const partitionDir = join(dir.path, 'crashy-0');
        expect(readdirSync(partitionDir).filter((f) => /\.(cleaned|swap|deleted)$/.test(f))).toEqual([]);

        const check = (records: ReturnType<typeof readAll>) => {
          let last = -1;
          for (const r of records) {
            expect(r.offset).toBeGreaterThan(last);
            last = r.offset;
            expect({ key: r.key, value: r.value }).toEqual(model[r.offset]);
          }
          // The latest record of every key is there (tombstones may have been removed).
          const latest = new Map<string, number>();
          model.forEach((m, offset) => latest.set(m.key, offset));
          const present = new Set(records.map((r) => r.offset));
          for (const [, offset] of latest) if (model[offset]!.value !== null || offset >= log.activeSegment.baseOffset) expect(present.has(offset)).toBe(true);
        };
        check(readAll(log));

        // A full clean after recovery gives exactly the compacted log.
        while ((await t.broker.logs.cleaner.cleanAll()).length > 0);
        const compacted = readAll(log);
        check(compacted);
        const activeBase = log.activeSegment.baseOffset;
        const latestBelow = new Map<string, number>();
        model.forEach((m, offset) => {
          if (offset < activeBase) latestBelow.set(m.key, offset);
        });
        const expected = [...latestBelow.values()].filter((o) => model[o]!.value !== null).sort((a, b) => a - b);
        expect(compacted.filter((r) => r.offset < activeBase).map((r) => r.offset)).toEqual(expected);
      } finally {
        await t.stop();
      }
    } finally {
      dir.remove();
    }
  });
});
