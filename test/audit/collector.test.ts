/**
 * The audit collector's bookkeeping (src/audit/collector.ts) over real reports encoded and
 * decoded as they travel through `__audit` (audit-report.ts): each report counts once however
 * often it is replayed, histograms merge exactly, the grace window marks buckets complete.
 */
import { describe, expect, it } from 'vitest';
import { AuditCounts, decodeHistogram, encodeHistogram, newLatencyHistogram } from '../../src/audit/audit-counts.js';
import { type AuditReport, decodeReport, encodeReport } from '../../src/audit/audit-report.js';
import { AuditCollector } from '../../src/audit/collector.js';

const BUCKET = 60_000;

function report(tier: AuditReport['tier'], reporter: string, sequence: number, records: Array<[number, number]>, range: AuditReport['range'] = null, now = 10 * BUCKET): AuditReport {
  const counts = new AuditCounts(BUCKET);
  for (const [ts, latency] of records) counts.add('t', ts, 1, 10, ts + latency);
  // round trip through the wire format, as the collector reads reports from __audit
  return decodeReport(encodeReport({ tier, reporter, sequence, group: tier === 'consumer' ? 'g' : null, bucketMs: BUCKET, reportedAtMs: now, range, buckets: counts.all() }));
}

describe('AuditCollector', () => {
  it('counts a replayed producer report once, and a broker range once whoever re-sends it', () => {
    const c = new AuditCollector({ bucketMs: BUCKET, graceMs: 0, now: () => 100 * BUCKET });
    const p = report('producer', 'p1', 0, [[BUCKET + 5, 3], [BUCKET + 6, 4]]);
    expect(c.ingest(p)).toBe(true);
    expect(c.ingest(p)).toBe(false);
    const b = report('broker', '1', 0, [[BUCKET + 5, 3]], { topic: 't', partition: 0, firstOffset: 0, lastOffset: 0 });
    expect(c.ingest(b)).toBe(true);
    // the same range again (a restarted broker re-sending it, with a new sequence): skipped
    expect(c.ingest({ ...b, sequence: 7 })).toBe(false);
    const [row] = c.report();
    expect(row).toMatchObject({ topic: 't', bucketStartMs: BUCKET, missing: 1, duplicated: 0, complete: true });
    expect(row!.producer!.records).toBe(2);
    expect(row!.broker!.records).toBe(1);
    expect(c.brokerCountedThrough('t', 0)).toBe(0);
    expect(c.nextSequence('broker', '1')).toBe(8);
  });

  it('merges latency histograms exactly (the merged percentiles are those of all the values)', () => {
    const c = new AuditCollector({ bucketMs: BUCKET, graceMs: 0 });
    const a: Array<[number, number]> = Array.from({ length: 200 }, (_, i) => [BUCKET, 1 + i]);
    const b: Array<[number, number]> = Array.from({ length: 50 }, (_, i) => [BUCKET, 5_000 + i * 10]);
    c.ingest(report('producer', 'p1', 0, a));
    c.ingest(report('producer', 'p2', 0, b));
    const direct = newLatencyHistogram();
    for (const [, l] of [...a, ...b]) direct.recordValue(l);
    const all = decodeHistogram(encodeHistogram(direct)); // the same values at the same HDR resolution
    const row = c.report()[0]!;
    expect(row.producer!.latencyMs).toEqual({ p50: all.getValueAtPercentile(50), p99: all.getValueAtPercentile(99), max: all.maxValue, count: 250 });
    // a max of the two reporters' p99 (Chaperone) would be far off the true p99
    expect(row.producer!.latencyMs.p99).toBeGreaterThan(5_000);
  });

  it('keeps a bucket incomplete during the grace window, counts records without timestamp apart', () => {
    let now = 2 * BUCKET - 1;
    const c = new AuditCollector({ bucketMs: BUCKET, graceMs: 30_000, now: () => now });
    c.ingest(report('broker', '1', 0, [[BUCKET + 1, 5], [-1, 0]], { topic: 't', partition: 0, firstOffset: 0, lastOffset: 1 }, now));
    const rows = c.report();
    expect(rows.map((r) => [r.bucketStartMs, r.complete, r.broker!.records, r.broker!.noTimestamp])).toEqual([[0, true, 1, 1], [BUCKET, false, 1, 0]].map(([s, ...rest]) => [s === 0 ? Math.floor(-1 / BUCKET) * BUCKET : s, ...rest]));
    now = 2 * BUCKET + 30_000;
    expect(c.report({ topic: 't', sinceMs: BUCKET }).map((r) => [r.bucketStartMs, r.complete])).toEqual([[BUCKET, true]]);
  });
  it("counts a group's lag in a bucket it has not read any of yet", () => {
    const c = new AuditCollector({ bucketMs: BUCKET, graceMs: 0, now: () => 100 * BUCKET });
    c.ingest(report('broker', '1', 0, [[BUCKET + 1, 1], [BUCKET + 2, 1]], { topic: 't', partition: 0, firstOffset: 0, lastOffset: 1 }));
    c.ingest(report('broker', '1', 1, [[2 * BUCKET + 1, 1], [2 * BUCKET + 2, 1], [2 * BUCKET + 3, 1]], { topic: 't', partition: 0, firstOffset: 2, lastOffset: 4 }));
    c.ingest(report('consumer', 'c1', 0, [[BUCKET + 1, 5]])); // group g read one record of the first bucket only
    expect(c.report().map((r) => [r.bucketStartMs, r.lag])).toEqual([[BUCKET, { g: 1 }], [2 * BUCKET, { g: 3 }]]);
  });
});
