/**
 * The audit collector built into the broker (issue 15, docs/audit.md): reads the reports of
 * every tier from `__audit` and keeps completeness per topic × bucket — records per tier,
 * missing = producer − broker, duplicated = broker − producer, consumer lag per group =
 * broker − consumer — with latency histograms per tier merged exactly. A bucket is complete
 * once `graceMs` has passed after its end (late reports are still counted; the flag tells
 * whether more may come). Each report counts once (see audit-report.ts for the ids).
 */
import { AuditCounts, type BucketCounts, type LatencyHistogram } from './audit-counts.js';
import type { AuditReport, AuditTier } from './audit-report.js';

/** Counts of one tier in one row. */
export interface TierCounts {
  records: number;
  bytes: number;
  noTimestamp: number;
  /** Latency percentiles, ms (0 without latencies). */
  latencyMs: { p50: number; p99: number; max: number; count: number };
}

/** One topic × bucket of {@link AuditCollector.report}. */
export interface AuditRow {
  topic: string;
  bucketStartMs: number;
  bucketEndMs: number;
  /** The grace window after the bucket's end has passed. */
  complete: boolean;
  producer: TierCounts | null;
  broker: TierCounts | null;
  replica: TierCounts | null;
  /** Per consumer group. */
  consumers: Record<string, TierCounts>;
  /** producer − broker when both reported (else null), at least 0. */
  missing: number | null;
  /** broker − producer when both reported (else null), at least 0. */
  duplicated: number | null;
  /** broker − consumer per group, at least 0. */
  lag: Record<string, number>;
}

export interface CollectorOptions {
  bucketMs: number;
  graceMs: number;
  now?: () => number;
}

export class AuditCollector {
  /** Tier (consumer tier: `consumer\0group`) → counts. */
  private readonly counts = new Map<string, AuditCounts>();
  /** Producer/consumer reporters: highest sequence counted. */
  private readonly sequences = new Map<string, number>();
  /** Broker tier per partition, replica tier per reporter × partition: highest offset counted. */
  private readonly countedThrough = new Map<string, number>();
  /** Highest report sequence seen per tier/reporter (a restarted broker continues after it). */
  private readonly lastSequence = new Map<string, number>();
  private readonly now: () => number;
  /** Reports counted, and skipped as already counted. */
  accepted = 0;
  skipped = 0;

  constructor(readonly options: CollectorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Counts a report unless it was counted already; returns whether it counted. */
  ingest(r: AuditReport): boolean {
    const id = `${r.tier}\u0000${r.reporter}`;
    this.lastSequence.set(id, Math.max(this.lastSequence.get(id) ?? -1, r.sequence));
    if (r.range) {
      const key = this.rangeKey(r.tier, r.reporter, r.range.topic, r.range.partition);
      const through = this.countedThrough.get(key) ?? -1;
      if (r.range.firstOffset <= through) {
        this.skipped++;
        return false;
      }
      this.countedThrough.set(key, r.range.lastOffset);
    } else {
      const seq = this.sequences.get(id) ?? -1;
      if (r.sequence <= seq) {
        this.skipped++;
        return false;
      }
      this.sequences.set(id, r.sequence);
    }
    const tierKey = r.tier === 'consumer' ? `consumer\u0000${r.group ?? ''}` : r.tier;
    let counts = this.counts.get(tierKey);
    if (!counts) {
      counts = new AuditCounts(this.options.bucketMs);
      this.counts.set(tierKey, counts);
    }
    for (const b of r.buckets) counts.merge(b);
    this.accepted++;
    return true;
  }

  private rangeKey(tier: AuditTier, reporter: string, topic: string, partition: number): string {
    // the broker tier is per partition whoever leads it; replicas count per replica
    return tier === 'broker' ? `broker\u0000${topic}\u0000${partition}` : `${tier}\u0000${reporter}\u0000${topic}\u0000${partition}`;
  }

  /** The last offset the broker tier counted for a partition, or -1. */
  brokerCountedThrough(topic: string, partition: number): number {
    return this.countedThrough.get(this.rangeKey('broker', '', topic, partition)) ?? -1;
  }

  /** The next report sequence for `tier`/`reporter` (after the highest seen). */
  nextSequence(tier: AuditTier, reporter: string): number {
    return (this.lastSequence.get(`${tier}\u0000${reporter}`) ?? -1) + 1;
  }

  /** Rows per topic × bucket, oldest first, filtered by topic and bucket end after `sinceMs`. */
  report(filter: { topic?: string; sinceMs?: number } = {}): AuditRow[] {
    const now = this.now();
    const { bucketMs, graceMs } = this.options;
    const rows = new Map<string, AuditRow>();
    const row = (b: BucketCounts): AuditRow | null => {
      if (filter.topic !== undefined && b.topic !== filter.topic) return null;
      if (filter.sinceMs !== undefined && b.bucketStartMs + bucketMs <= filter.sinceMs) return null;
      const key = `${b.bucketStartMs}\u0000${b.topic}`;
      let r = rows.get(key);
      if (!r) {
        const end = b.bucketStartMs + bucketMs;
        r = { topic: b.topic, bucketStartMs: b.bucketStartMs, bucketEndMs: end, complete: now >= end + graceMs, producer: null, broker: null, replica: null, consumers: {}, missing: null, duplicated: null, lag: {} };
        rows.set(key, r);
      }
      return r;
    };
    const groupsOf = new Map<string, Set<string>>(); // topic → every group that has consumed it
    for (const [tierKey, counts] of this.counts) {
      const group = tierKey.startsWith('consumer\u0000') ? tierKey.slice('consumer\u0000'.length) : null;
      for (const b of counts.all()) {
        if (group !== null) {
          let groups = groupsOf.get(b.topic);
          if (!groups) groupsOf.set(b.topic, (groups = new Set()));
          groups.add(group);
        }
        const r = row(b);
        if (!r) continue;
        const c = tierCounts(b);
        if (tierKey.startsWith('consumer\u0000')) r.consumers[tierKey.slice('consumer\u0000'.length)] = c;
        else r[tierKey as 'producer' | 'broker' | 'replica'] = c;
      }
    }
    for (const r of rows.values()) {
      const broker = r.broker?.records ?? 0;
      if (r.producer) {
        r.missing = Math.max(0, r.producer.records - broker);
        r.duplicated = Math.max(0, broker - r.producer.records);
      }
      // a group that consumes the topic lags in every bucket it has not read, including one it has no counts in yet
      for (const group of groupsOf.get(r.topic) ?? []) r.lag[group] = Math.max(0, broker - (r.consumers[group]?.records ?? 0));
    }
    return [...rows.values()].sort((a, b) => a.bucketStartMs - b.bucketStartMs || a.topic.localeCompare(b.topic));
  }

  /** Records per topic and tier over every bucket (for gregor_audit_records). */
  totals(): Array<{ topic: string; tier: string; records: number }> {
    const out: Array<{ topic: string; tier: string; records: number }> = [];
    for (const [tierKey, counts] of this.counts) {
      const tier = tierKey.startsWith('consumer\u0000') ? 'consumer' : tierKey;
      const byTopic = new Map<string, number>();
      for (const b of counts.all()) byTopic.set(b.topic, (byTopic.get(b.topic) ?? 0) + b.records);
      for (const [topic, records] of byTopic) out.push({ topic, tier, records });
    }
    return out;
  }

  /** Latency histograms per topic and tier, merged exactly over buckets (into fresh ones from `make`). */
  latencyByTopic(make: () => LatencyHistogram): Array<{ topic: string; tier: string; histogram: LatencyHistogram }> {
    const out = new Map<string, { topic: string; tier: string; histogram: LatencyHistogram }>();
    for (const [tierKey, counts] of this.counts) {
      const tier = tierKey.startsWith('consumer\u0000') ? 'consumer' : tierKey;
      for (const b of counts.all()) {
        const key = `${tier}\u0000${b.topic}`;
        let e = out.get(key);
        if (!e) {
          e = { topic: b.topic, tier, histogram: make() };
          out.set(key, e);
        }
        e.histogram.add(b.latency);
      }
    }
    return [...out.values()];
  }
}

function tierCounts(b: BucketCounts): TierCounts {
  const h = b.latency;
  return {
    records: b.records,
    bytes: b.bytes,
    noTimestamp: b.noTimestamp,
    latencyMs: { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue, count: h.totalCount },
  };
}
