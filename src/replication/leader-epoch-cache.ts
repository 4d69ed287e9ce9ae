/**
 * A partition's leader epoch history (Kafka LeaderEpochFileCache, KIP-101 / KIP-279): for
 * each leader epoch, the first offset written in it. Kept in the partition directory as
 * `leader-epoch-checkpoint`, Kafka's format, written atomically:
 *
 *   0            version
 *   2            number of entries
 *   0 0          epoch startOffset
 *   3 1500
 *
 * It answers OffsetForLeaderEpoch: "where does epoch E end?" — the start offset of the first
 * epoch after E (or the log end offset if E is the latest), which a follower or a returning
 * leader truncates to before fetching, so replicas never disagree below the high watermark.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, LEADER_EPOCH_CHECKPOINT);
    this.entries = readEntries(this.path);
  }

  get latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  /**
   * Records that `epoch` starts at `startOffset` (a leader at its first append in a new epoch,
   * a follower on seeing a batch with a new partitionLeaderEpoch). Ignored unless the epoch is
   * newer than the latest; entries at or after `startOffset` of older epochs are dropped.
   */
  assign(epoch: number, startOffset: number): void {
    if (epoch <= this.latestEpoch) return;
    this.entries = this.entries.filter((e) => e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `requestedEpoch` and the offset where it ends
   * (the next epoch's start, or `logEndOffset` for the latest epoch).
   * Returns UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET if the requested epoch predates the cache.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (requestedEpoch === UNDEFINED_EPOCH || this.entries.length === 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === this.latestEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const nextIndex = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    if (nextIndex === 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (nextIndex === -1) return { epoch: this.latestEpoch, endOffset: logEndOffset };
    return { epoch: this.entries[nextIndex - 1]!.epoch, endOffset: this.entries[nextIndex]!.startOffset };
  }

  /** The log was truncated to `endOffset`: epochs starting at or after it are gone. */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flush();
  }

  /** The log start moved to `startOffset`: older epochs collapse into the one covering it. */
  truncateFromStart(startOffset: number): void {
    const before = this.entries.filter((e) => e.startOffset <= startOffset);
    if (before.length <= 1 && (before[0]?.startOffset ?? startOffset) === startOffset) return;
    const covering = before.at(-1);
    this.entries = this.entries.filter((e) => e.startOffset > startOffset);
    if (covering) this.entries.unshift({ epoch: covering.epoch, startOffset });
    this.flush();
  }

  private flush(): void {
    writeFileAtomic(this.path, `0\n${this.entries.length}\n${this.entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join('')}`);
  }
}

function readEntries(path: string): EpochEntry[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  if (lines[0] !== '0' || Number(lines[1]) !== lines.length - 2) return [];
  const out: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const m = /^(\d+) (\d+)$/.exec(line);
    if (!m) return [];
    out.push({ epoch: Number(m[1]), startOffset: Number(m[2]) });
  }
  return out;
}
