/**
 * Kafka's offset checkpoint files in a log dir (`log-start-offset-checkpoint`,
 * `cleaner-offset-checkpoint`; CheckpointFile.java), one offset per partition:
 *
 *   0                      version
 *   2                      number of entries
 *   orders 0 1500          topic partition offset
 *   orders 1 0
 *
 * Written atomically (tmp + fsync + rename); a missing or malformed file reads as empty.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';

/** `topic-partition` → offset. */
export type Checkpoint = Map<string, number>;

export const partitionKey = (topic: string, partition: number) => `${topic} ${partition}`;

/** Reads a checkpoint file; empty if absent or not in the format above. */
export function readCheckpoint(path: string): Checkpoint {
  const out: Checkpoint = new Map();
  if (!existsSync(path)) return out;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  if (lines[0] !== '0' || Number(lines[1]) !== lines.length - 2) return out;
  for (const line of lines.slice(2)) {
    const m = /^(\S+) (\d+) (\d+)$/.exec(line);
    if (!m) return new Map();
    out.set(partitionKey(m[1]!, Number(m[2])), Number(m[3]));
  }
  return out;
}

/** Writes `entries` (sorted, for stable files). Errors: fs errors (the old file then stays). */
export function writeCheckpoint(path: string, entries: Checkpoint): void {
  const lines = [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, offset]) => `${key} ${offset}`);
  writeFileAtomic(path, `0\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`);
}
