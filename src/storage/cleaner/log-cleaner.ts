/**
 * The log cleaner (Kafka LogCleaner, KIP-58/KIP-354): compacts logs whose cleanup.policy has
 * `compact`, in the background, keeping the latest record per key in the non-active segments.
 *
 * One pass over a log:
 *   1. the dirty section [firstDirty, firstUncleanable): firstDirty from
 *      `<log.dir>/cleaner-offset-checkpoint` (or the log start), firstUncleanable the active
 *      segment or the first segment with a record younger than min.compaction.lag.ms, at most
 *      the last stable offset (an undecided transaction is not cleaned);
 *   2. cleanable when dirty bytes ÷ (clean + dirty bytes) >= min.cleanable.dirty.ratio, or
 *      when the oldest dirty record is older than max.compaction.lag.ms;
 *   3. key → latest offset over the dirty section (at most log.cleaner.dedupe.buffer.size ÷ 24
 *      keys; a larger section is cleaned in several passes);
 *   4. every segment below the cleaned end is rewritten, in groups of at most segment.bytes,
 *      into `.cleaned` segments keeping a record if it is the latest for its key (or its key is
 *      not in the map) and, for a tombstone, if its segment holds a record younger than
 *      delete.retention.ms; records without a key are dropped; offsets never change
 *      (batch-filter.ts); compressed batches are opened and closed with their codec;
 *      transactions (KIP-98): the batches of aborted transactions (the segments' `.txnindex`)
 *      are dropped and count for no key; a marker (control batch) is kept, except once its
 *      segment is past delete.retention.ms and no batch of its transaction remains before it;
 *   5. each group is swapped in atomically (PartitionLog.replaceSegments) and the checkpoint
 *      moves to the cleaned end.
 * The work yields to the event loop every ~1 MiB, so produce and fetch go on meanwhile;
 * retention waits for the pass; a log closed or deleted meanwhile ends it, its `.cleaned`
 * files removed. The cleaner runs when idle every log.cleaner.backoff.ms.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../../config/broker-config.js';
import type { TopicSettings } from '../../config/topic-config.js';
import { type Checkpoint, partitionKey, readCheckpoint, writeCheckpoint } from '../checkpoint-file.js';
import type { PartitionLog } from '../log.js';
import { LogSegment } from '../log-segment.js';
import { offsetFileName } from '../offset.js';
import { timerMs } from '../timer-ms.js';
import { filterBatch, recordsOf, recordsSection } from './batch-filter.js';
import { initCodecs } from './compression.js';
import type { BatchHeader } from '../batch-header.js';
import { CONTROL_ATTRIBUTE as CONTROL_FLAG, TRANSACTIONAL_ATTRIBUTE as TRANSACTIONAL_FLAG } from '../producer-state.js';

export const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';
/** Bytes per key in Kafka's dedupe buffer (16-byte hash + 8-byte offset). */
const BYTES_PER_MAP_ENTRY = 24;
const YIELD_EVERY_BYTES = 1024 * 1024;
/** Bytes of kept batches gathered before one write to the cleaned segment. */
const WRITE_CHUNK_BYTES = 256 * 1024;
const INT32_MAX = 2147483647;

/** The points of a swap, in order (PartitionLog.replaceSegments names the inner ones). */
export type CleanerStep = 'cleaned' | 'swap-partial' | 'swapped' | 'old-deleted-partial' | 'old-deleted' | 'live-partial' | 'done';

/** What one pass over one log did. Units: bytes, records, ms. */
export interface CleanerStats {
  topic: string;
  partition: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsKept: number;
  segmentsBefore: number;
  segmentsAfter: number;
  /** The offset the next pass starts its dirty section at. */
  cleanedUpTo: number;
  ms: number;
}

export interface CleanableLog {
  log: PartitionLog;
  settings: TopicSettings;
}

class Aborted extends Error {}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
const keyString = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');

export class LogCleaner {
  /** Observes each swap step (tests stop the process at one to check crash recovery). */
  onStep: ((step: CleanerStep, log: PartitionLog) => void) | null = null;
  /** Passes that cleaned a log, since start (for metrics and tests). */
  logsCleaned = 0;
  private readonly checkpointPath: string;
  private readonly checkpoint: Checkpoint;
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly logs: () => Iterable<CleanableLog>,
    private readonly options: { logDir: string; brokerConfig: BrokerConfig; logger: Logger },
  ) {
    this.checkpointPath = join(options.logDir, CLEANER_CHECKPOINT);
    this.checkpoint = readCheckpoint(this.checkpointPath);
  }

  /** Starts the background loop (a pass every log.cleaner.backoff.ms while nothing is cleanable). */
  start(): void {
    const tick = () => {
      this.timer = null;
      if (this.stopped) return;
      this.cleanAll().then(
        (stats) => this.schedule(tick, stats.length > 0 ? 0 : this.options.brokerConfig.logCleanerBackoffMs),
        (err) => {
          this.options.logger.error({ err }, 'log cleaner pass failed');
          this.schedule(tick, this.options.brokerConfig.logCleanerBackoffMs);
        },
      );
    };
    this.schedule(tick, this.options.brokerConfig.logCleanerBackoffMs);
  }

  private schedule(tick: () => void, ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(tick, timerMs(ms));
    this.timer.unref();
  }

  /** Stops the loop; a pass in progress ends at its next pause, leaving the log as it was. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * One pass over every cleanable log, one log at a time (passes never overlap). Resolves
   * with what was cleaned. `now` (ms) decides ages (lags, tombstone retention).
   */
  cleanAll(now?: number): Promise<CleanerStats[]> {
    const run = async () => {
      await initCodecs();
      const done: CleanerStats[] = [];
      for (const { log, settings } of [...this.logs()]) {
        if (this.stopped) break;
        if (!settings.cleanupPolicy.compact || log.isClosed || log.cleaning) continue;
        try {
          const stats = await this.clean(log, settings, now ?? Date.now());
          if (stats) done.push(stats);
        } catch (err) {
          if (!(err instanceof Aborted)) this.options.logger.error({ topic: log.topic, partition: log.partition, err }, 'cleaning failed; the log is unchanged');
        }
      }
      return done;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  /** The dirty section of a log and whether it is cleanable now. */
  private dirtySection(log: PartitionLog, s: TopicSettings, now: number): { firstDirty: number; firstUncleanable: number } | null {
    const segments = log.segmentList;
    const sealed = segments.slice(0, -1);
    let firstDirty = Math.max(this.checkpoint.get(partitionKey(log.topic, log.partition)) ?? 0, log.logStartOffset);
    if (sealed.length === 0 || firstDirty >= segments.at(-1)!.baseOffset) return null;
    if (firstDirty < segments[0]!.baseOffset) firstDirty = segments[0]!.baseOffset;
    let firstUncleanable: number = segments.at(-1)!.baseOffset;
    if (s.minCompactionLagMs > 0) {
      const young = sealed.find((seg) => seg.nextOffset > firstDirty && seg.largestTimestamp > now - s.minCompactionLagMs);
      if (young) firstUncleanable = Math.max(firstDirty, young.baseOffset);
    }
    firstUncleanable = Math.min(firstUncleanable, log.lastStableOffset);
    if (firstDirty >= firstUncleanable) return null;
    let dirty = 0;
    let total = 0;
    for (const seg of sealed) {
      if (seg.baseOffset >= firstUncleanable) break;
      total += seg.size;
      if (seg.nextOffset > firstDirty) dirty += seg.size;
    }
    const ratio = total === 0 ? 0 : dirty / total;
    // Kafka LogCleanerManager.maxCompactionDelay: the earliest first-batch timestamp of the dirty segments.
    const overdue =
      s.maxCompactionLagMs < Number.MAX_SAFE_INTEGER &&
      sealed.some((seg) => seg.nextOffset > firstDirty && seg.baseOffset < firstUncleanable && this.firstTimestamp(seg) < now - s.maxCompactionLagMs);
    if (ratio < s.minCleanableDirtyRatio && !overdue) return null;
    return { firstDirty, firstUncleanable };
  }

  /** The first batch's timestamp, or "never" for an empty segment or one without timestamps. */
  private firstTimestamp(segment: LogSegment): number {
    for (const batch of segment.batchesFrom(0)) return batch.baseTimestamp > 0 ? batch.baseTimestamp : Number.MAX_SAFE_INTEGER;
    return Number.MAX_SAFE_INTEGER;
  }

  private async clean(log: PartitionLog, s: TopicSettings, now: number): Promise<CleanerStats | null> {
    const section = this.dirtySection(log, s, now);
    if (!section) return null;
    const started = performance.now();
    const engine = log.logConfig.engine;
    log.cleaning = true;
    try {
      const check = () => {
        if (this.stopped || log.isClosed) throw new Aborted('the log or the cleaner closed');
      };
      // 3. key → latest offset over the dirty section.
      const maxKeys = Math.max(1, Math.floor(this.options.brokerConfig.logCleanerDedupeBufferSize / BYTES_PER_MAP_ENTRY));
      const latest = new Map<string, number>();
      let end = section.firstUncleanable;
      let sinceYield = 0;
      const stats: CleanerStats = { topic: log.topic, partition: log.partition, bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0, segmentsBefore: log.segmentCount, segmentsAfter: 0, cleanedUpTo: 0, ms: 0 };
      const aborted = abortedBatchTest(log);
      let first = true;
      for (const seg of log.segmentList.slice(0, -1)) {
        if (seg.baseOffset >= section.firstUncleanable) break;
        if (seg.nextOffset <= section.firstDirty) continue;
        if (!first && latest.size >= maxKeys) {
          end = seg.baseOffset;
          break;
        }
        first = false;
        for (const batch of seg.batchesFrom(seg.offsetIndex.lookup(section.firstDirty))) {
          if (batch.lastOffset < section.firstDirty || batch.baseOffset >= section.firstUncleanable) continue;
          if ((batch.attributes & CONTROL_FLAG) !== 0 || aborted(batch)) continue;
          const bytes = seg.read(batch, 0).bytes;
          for (const record of recordsOf(recordsSection(bytes, batch), batch)) {
            if (record.key !== null && record.offset >= section.firstDirty && record.offset < section.firstUncleanable) latest.set(keyString(record.key), record.offset);
          }
          sinceYield += batch.sizeInBytes;
          if (sinceYield >= YIELD_EVERY_BYTES) {
            sinceYield = 0;
            await pause();
            check();
          }
        }
      }
      // 4 and 5. Rewrite every segment below `end`, group by group, and swap each in.
      const deleteHorizon = now - s.deleteRetentionMs;
      // Producers whose current transaction has a batch kept so far (its marker must stay).
      const txnKept = new Set<number>();
      for (const group of this.groups(log, end, s.segmentBytes)) {
        const cleaned = this.newCleanedSegment(log, group[0]!);
        try {
          let pending: Uint8Array[] = [];
          let pendingBytes = 0;
          const flushPending = () => {
            if (pendingBytes === 0) return;
            cleaned.appendRaw(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
            stats.bytesWritten += pendingBytes;
            pending = [];
            pendingBytes = 0;
          };
          for (const seg of group) {
            const retainDeletes = seg.largestTimestamp > deleteHorizon;
            for (const batch of seg.batchesFrom(0)) {
              const bytes = seg.read(batch, 0).bytes;
              stats.bytesRead += batch.sizeInBytes;
              stats.recordsRead += batch.recordCount;
              let kept = 0;
              const control = (batch.attributes & CONTROL_FLAG) !== 0;
              const dropBatch = control ? !retainDeletes && !txnKept.has(batch.producerId) && batch.baseOffset < end : aborted(batch);
              if (control) txnKept.delete(batch.producerId);
              const result = control || dropBatch ? (dropBatch ? null : 'all') : filterBatch(bytes, batch, (r) => {
                if (r.offset >= end) return ++kept > 0; // above the cleaned end (an undecided transaction): as it is
                if (r.key === null) return false;
                const keep = r.offset >= (latest.get(keyString(r.key)) ?? -1) && (r.hasValue || retainDeletes);
                if (keep) kept++;
                return keep;
              }, engine);
              if (result === 'all') kept = batch.recordCount;
              stats.recordsKept += kept;
              const out = result === 'all' ? bytes : result;
              if (out && !control && (batch.attributes & TRANSACTIONAL_FLAG) !== 0) txnKept.add(batch.producerId);
              if (out) {
                pending.push(out);
                pendingBytes += out.byteLength;
                if (pendingBytes >= WRITE_CHUNK_BYTES) flushPending();
              }
              sinceYield += batch.sizeInBytes;
              if (sinceYield >= YIELD_EVERY_BYTES) {
                sinceYield = 0;
                await pause();
                check();
              }
            }
          }
          flushPending();
          // The aborted transactions of the old segments stay listed (Kafka LogCleaner copies
          // each segment's transaction index into the cleaned one).
          for (const seg of group) for (const txn of seg.txnIndex.all) cleaned.txnIndex.append(txn);
          cleaned.seal();
          cleaned.flush();
          this.onStep?.('cleaned', log);
          check();
          log.replaceSegments(cleaned, group, s.fileDeleteDelayMs, (step) => this.onStep?.(step as CleanerStep, log));
        } catch (err) {
          if (cleaned.suffix === '.cleaned') cleaned.deleteFiles();
          throw err;
        }
      }
      this.checkpoint.set(partitionKey(log.topic, log.partition), end);
      this.writeCheckpoint();
      stats.segmentsAfter = log.segmentCount;
      stats.cleanedUpTo = end;
      stats.ms = performance.now() - started;
      this.logsCleaned++;
      this.options.logger.info(stats, 'cleaned log');
      return stats;
    } finally {
      log.cleaning = false;
    }
  }

  /**
   * Consecutive sealed segments below `end`, grouped so that each group's bytes fit one
   * segment and its offsets an int32 range of the offset index (Kafka groupSegmentsBySize).
   */
  private groups(log: PartitionLog, end: number, maxBytes: number): LogSegment[][] {
    const out: LogSegment[][] = [];
    let current: LogSegment[] = [];
    let bytes = 0;
    for (const seg of log.segmentList.slice(0, -1)) {
      if (seg.baseOffset >= end) break;
      const fits = current.length > 0 && bytes + seg.size <= maxBytes && seg.nextOffset - 1 - current[0]!.baseOffset <= INT32_MAX;
      if (current.length > 0 && !fits) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(seg);
      bytes += seg.size;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  private newCleanedSegment(log: PartitionLog, first: LogSegment): LogSegment {
    for (const ext of ['.log', '.index', '.timeindex', '.txnindex']) {
      try {
        unlinkSync(join(log.dir, `${offsetFileName(first.baseOffset, ext)}.cleaned`));
      } catch {
        /* none left over */
      }
    }
    return LogSegment.create(log.dir, first.baseOffset, log.logConfig, '.cleaned');
  }

  /** Persists the checkpoint for the logs that still exist. */
  private writeCheckpoint(): void {
    const live = new Set([...this.logs()].map(({ log }) => partitionKey(log.topic, log.partition)));
    for (const key of [...this.checkpoint.keys()]) if (!live.has(key)) this.checkpoint.delete(key);
    writeCheckpoint(this.checkpointPath, this.checkpoint);
  }
}

/**
 * A test of whether a batch belongs to an aborted transaction: a transactional data batch of a
 * producer inside a range [firstOffset, lastOffset] of the log's `.txnindex` entries.
 */
function abortedBatchTest(log: PartitionLog): (batch: BatchHeader) => boolean {
  const aborted = log.segmentList.flatMap((seg) => seg.txnIndex.all);
  return (batch) =>
    (batch.attributes & TRANSACTIONAL_FLAG) !== 0 &&
    (batch.attributes & CONTROL_FLAG) === 0 &&
    aborted.some((t) => t.producerId === batch.producerId && t.firstOffset <= batch.baseOffset && batch.lastOffset <= t.lastOffset);
}
