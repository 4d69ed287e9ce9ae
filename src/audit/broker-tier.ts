/**
 * The broker-side tiers of the end-to-end audit (issue 15, docs/audit.md):
 *   broker   counted by the partition leader at append time, inside the engine's validation
 *            walk (the AppendAudit hook of src/storage/log-config.ts);
 *   replica  counted by followers as they append (the same walk over the leader's batches).
 * Each partition accumulates counts with the offset range they cover; every
 * `gregor.audit.report.interval.ms` one report per partition with new counts goes to
 * `__audit` (the writer given to {@link BrokerAuditTiers.flush}).
 *
 * Crash safety: counts not yet reported when the process dies are not lost. On start-up,
 * {@link BrokerAuditTiers.rederive} walks each led partition's log from the offset after the
 * last range the broker tier reported (as the collector read it back from `__audit`) to the
 * log end, so every record is counted exactly once across restarts.
 */
import { AuditTable } from '../engine/audit-table.js';
import type { Engine } from '../engine/engine.js';
import type { AppendAudit } from '../storage/log-config.js';
import type { PartitionLog } from '../storage/log.js';
import { AuditCounts } from './audit-counts.js';
import type { AuditReport, AuditTier } from './audit-report.js';
import { countBatches, drainRuns } from './batch-counter.js';

interface PartitionCounts {
  tier: AuditTier;
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  counts: AuditCounts;
}

/** Runs of one leader append (timestamp, records, bytes), until committed or discarded. */
type PendingRuns = number[];

export class BrokerAuditTiers implements AppendAudit {
  readonly table: AuditTable;
  private pending: PendingRuns = [];
  private readonly partitions = new Map<string, PartitionCounts>();
  private sequence = 0;

  constructor(
    private readonly engine: Engine,
    /** This broker's id, the reporter of its reports. */
    readonly reporter: string,
    readonly bucketMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.table = new AuditTable(engine.memory);
  }

  /** Continues the report sequence after the last one the collector has seen from this broker. */
  resumeSequence(next: number): void {
    this.sequence = Math.max(this.sequence, next);
  }

  onBatch(): void {
    const t = this.table;
    const n = t.runs;
    for (let i = 0; i < n; i++) this.pending.push(t.timestamp(i), t.records(i), t.bytes(i));
  }

  discard(): void {
    if (this.pending.length > 0) this.pending = [];
  }

  commit(topic: string, partition: number, firstOffset: number, lastOffset: number): void {
    const runs = this.pending;
    this.pending = [];
    const p = this.partition('broker', topic, partition, firstOffset, lastOffset);
    const now = this.now();
    for (let i = 0; i < runs.length; i += 3) p.counts.add(topic, runs[i]!, runs[i + 1]!, runs[i + 2]!, now);
  }

  followerAppended(topic: string, partition: number, bytes: Uint8Array): void {
    const now = this.now();
    let counts: AuditCounts | null = null;
    const last = countBatches(this.engine, this.table, bytes, 0, (ts, records, b) => {
      counts ??= new AuditCounts(this.bucketMs);
      counts.add(topic, ts, records, b, now);
    });
    if (last < 0 || !counts) return;
    const first = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(0));
    const p = this.partition('replica', topic, partition, first, last);
    for (const b of (counts as AuditCounts).all()) p.counts.merge(b);
  }

  /**
   * Counts what `log` holds from `fromOffset` (the offset after the broker tier's last reported
   * range, or the log start) to its end, as the broker tier, without latencies (unknown for
   * records appended before the restart). Returns the records counted.
   */
  rederive(log: PartitionLog, fromOffset: number): number {
    let offset = Math.max(fromOffset, log.logStartOffset);
    const end = log.logEndOffset;
    const now = this.now();
    let records = 0;
    while (offset < end) {
      const read = log.read(offset, 1024 * 1024);
      const slice = read.slice;
      if (!slice) break;
      let last = -1;
      try {
        const p = this.partition('broker', log.topic, log.partition, offset, offset);
        const before = p.lastOffset;
        last = countBatches(this.engine, this.table, slice.bytes, offset, (ts, n, b) => {
          p.counts.add(log.topic, ts, n, b, now, false);
          records += n;
        });
        p.lastOffset = Math.max(before, last);
      } finally {
        slice.release?.();
      }
      if (last < 0) break;
      offset = last + 1;
    }
    return records;
  }

  private partition(tier: AuditTier, topic: string, partition: number, firstOffset: number, lastOffset: number): PartitionCounts {
    const key = `${tier}\u0000${topic}\u0000${partition}`;
    let p = this.partitions.get(key);
    if (!p) {
      p = { tier, topic, partition, firstOffset, lastOffset, counts: new AuditCounts(this.bucketMs) };
      this.partitions.set(key, p);
    } else {
      p.lastOffset = Math.max(p.lastOffset, lastOffset);
    }
    return p;
  }

  /**
   * Takes every partition's counts as reports (one per partition with counts), leaving the
   * tiers empty. The caller writes them to `__audit`; if that fails, {@link restore} puts them back.
   */
  takeReports(): AuditReport[] {
    const reports: AuditReport[] = [];
    const now = this.now();
    for (const p of this.partitions.values()) {
      if (p.counts.isEmpty) continue;
      reports.push({
        tier: p.tier,
        reporter: this.reporter,
        sequence: this.sequence++,
        group: null,
        bucketMs: this.bucketMs,
        reportedAtMs: now,
        range: { topic: p.topic, partition: p.partition, firstOffset: p.firstOffset, lastOffset: p.lastOffset },
        buckets: p.counts.all(),
      });
    }
    this.partitions.clear();
    return reports;
  }

  /** Puts back reports {@link takeReports} gave that could not be written (merged with newer counts). */
  restore(reports: readonly AuditReport[]): void {
    for (const r of reports) {
      if (!r.range) continue;
      const p = this.partition(r.tier, r.range.topic, r.range.partition, r.range.firstOffset, r.range.lastOffset);
      p.firstOffset = Math.min(p.firstOffset, r.range.firstOffset);
      for (const b of r.buckets) p.counts.merge(b);
    }
  }

  dispose(): void {
    this.table.dispose();
  }
}
