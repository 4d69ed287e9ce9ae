/**
 * The audit records every tier writes to the internal topic `__audit` (issue 15; schema also in
 * docs/audit.md). One record per report: key = the report id `tier/reporter/sequence` (UTF-8),
 * value = this JSON object (UTF-8):
 *
 *   {
 *     "version": 1,
 *     "tier": "producer" | "broker" | "replica" | "consumer",
 *     "reporter": string,        // broker id ("1") or a client's id (random, one per client)
 *     "sequence": number,        // per reporter, from 0; with the reporter, the report id
 *     "group": string | null,    // consumer tier: the consumer group
 *     "bucketMs": number,        // bucket width the counts use (ms)
 *     "reportedAtMs": number,    // the reporter's clock when it wrote the report
 *     "range": null | { "topic", "partition", "firstOffset", "lastOffset" },
 *                                // broker and replica tiers: the offsets the counts cover
 *                                // (one partition per report, inclusive)
 *     "buckets": [ { "topic", "bucketStartMs", "records", "bytes", "noTimestamp",
 *                    "latency": string } ]   // HdrHistogram compressed base64, ms
 *   }
 *
 * Idempotence: the collector counts a report once. Producer and consumer tiers: a report whose
 * (tier, reporter, sequence) it has seen is skipped. Broker and replica tiers: a report whose
 * range starts at or below the offset the tier already counted for that partition is skipped,
 * so a replayed or re-sent report (after a restart, re-derived from the log) never counts twice.
 */
import { type BucketCounts, decodeHistogram, encodeHistogram } from './audit-counts.js';

export const AUDIT_TOPIC = '__audit';
export const AUDIT_SCHEMA_VERSION = 1;

export type AuditTier = 'producer' | 'broker' | 'replica' | 'consumer';
export const AUDIT_TIERS: readonly AuditTier[] = ['producer', 'broker', 'replica', 'consumer'];

export interface OffsetRange {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

export interface AuditReport {
  tier: AuditTier;
  reporter: string;
  sequence: number;
  group: string | null;
  bucketMs: number;
  reportedAtMs: number;
  range: OffsetRange | null;
  buckets: BucketCounts[];
}

/** The record key: the report id. */
export function reportKey(r: Pick<AuditReport, 'tier' | 'reporter' | 'sequence'>): string {
  return `${r.tier}/${r.reporter}/${r.sequence}`;
}

/** The record value (JSON, UTF-8 bytes). */
export function encodeReport(r: AuditReport): Uint8Array {
  const json = {
    version: AUDIT_SCHEMA_VERSION,
    tier: r.tier,
    reporter: r.reporter,
    sequence: r.sequence,
    group: r.group,
    bucketMs: r.bucketMs,
    reportedAtMs: r.reportedAtMs,
    range: r.range,
    buckets: r.buckets.map((b) => ({ topic: b.topic, bucketStartMs: b.bucketStartMs, records: b.records, bytes: b.bytes, noTimestamp: b.noTimestamp, latency: encodeHistogram(b.latency) })),
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

/** A report from its record value; throws Error naming what is wrong when it is not one. */
export function decodeReport(value: Uint8Array): AuditReport {
  const o = JSON.parse(new TextDecoder().decode(value)) as Record<string, unknown>;
  if (o['version'] !== AUDIT_SCHEMA_VERSION) throw new Error(`unknown audit report version ${String(o['version'])}`);
  const tier = o['tier'] as AuditTier;
  if (!AUDIT_TIERS.includes(tier)) throw new Error(`unknown audit tier ${String(tier)}`);
  const buckets = (o['buckets'] as Array<Record<string, unknown>>).map((b) => ({
    topic: String(b['topic']),
    bucketStartMs: Number(b['bucketStartMs']),
    records: Number(b['records']),
    bytes: Number(b['bytes']),
    noTimestamp: Number(b['noTimestamp']),
    latency: decodeHistogram(String(b['latency'])),
  }));
  return {
    tier,
    reporter: String(o['reporter']),
    sequence: Number(o['sequence']),
    group: o['group'] == null ? null : String(o['group']),
    bucketMs: Number(o['bucketMs']),
    reportedAtMs: Number(o['reportedAtMs']),
    range: (o['range'] as OffsetRange | null) ?? null,
    buckets,
  };
}
