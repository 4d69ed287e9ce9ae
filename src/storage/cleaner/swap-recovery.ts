/**
 * Start-up recovery of a cleaner swap that a crash interrupted (Kafka LogLoader's handling of
 * `.cleaned` and `.swap` files). The cleaner's order of work (PartitionLog.replaceSegments):
 *
 *   write `<base>.log|index|timeindex.cleaned`, fsync   ← crash: drop the `.cleaned` files
 *   rename `.cleaned` → `.swap` (indexes, then `.log`)   ← crash mid-way: `.log` still `.cleaned`,
 *                                                          so drop it and orphan `.swap` indexes
 *   old segments → `.deleted`                            ← crash: complete the swap: delete the
 *   rename `.swap` → live (indexes, then `.log`)            live segments the `.swap` segment
 *                                                          covers, then make it live
 *
 * The old segments are intact until the `.log.swap` exists, and the `.log.swap` is complete
 * once it exists, so every crash point recovers to a valid log: either the old segments or the
 * cleaned one (which holds a subset of their records at the same offsets). A live segment is
 * covered when its base offset lies in [swap base, swap next offset) — or equals the swap base
 * for an empty cleaned segment; an old segment outside that range may survive a crash, which
 * leaves the log valid, only less compacted (the next pass cleans it).
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LogSegment, type SegmentOptions } from '../log-segment.js';
import { asOffset } from '../offset.js';
import { unlinkQuietly } from '../atomic-file.js';

const LIVE_FILE = /^(\d{20})\.(log|index|timeindex|txnindex)$/;
const SWAP_LOG = /^(\d{20})\.log\.swap$/;

/**
 * Completes or rolls back interrupted swaps in a partition directory, before its segments
 * are opened. Errors: fs errors.
 */
export function recoverInterruptedSwaps(dir: string, options: SegmentOptions, logger: Logger): void {
  let names = readdirSync(dir);
  for (const name of names) if (name.endsWith('.cleaned')) unlinkQuietly(join(dir, name));
  names = readdirSync(dir);
  const swapBases = names.map((n) => SWAP_LOG.exec(n)?.[1]).filter((b): b is string => b !== undefined);
  for (const name of names) {
    // Index files renamed to `.swap` whose `.log` never was: the cleaned segment was dropped.
    if (name.endsWith('.swap') && !name.endsWith('.log.swap') && !swapBases.includes(name.slice(0, 20))) unlinkQuietly(join(dir, name));
  }
  for (const baseText of swapBases.sort()) {
    const base = asOffset(Number(baseText));
    const swap = LogSegment.create(dir, base, options, '.swap');
    swap.recover();
    const end = Math.max(swap.nextOffset, base + 1);
    const replaced = new Set<string>();
    for (const name of readdirSync(dir)) {
      const m = LIVE_FILE.exec(name);
      if (m && Number(m[1]) >= base && Number(m[1]) < end) {
        unlinkQuietly(join(dir, name));
        replaced.add(m[1]!);
      }
    }
    swap.renameFiles('');
    swap.close();
    logger.warn({ dir, base, nextOffset: swap.nextOffset, replaced: [...replaced] }, 'completed a log cleaner swap interrupted by a crash');
  }
}
