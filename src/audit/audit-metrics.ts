/**
 * The audit's Prometheus metrics (issue 15), collected at scrape time from the collector:
 *   gregor_audit_records{topic,tier}              records counted by a tier, all buckets
 *   gregor_audit_missing_records{topic}           producer − broker over complete buckets
 *   gregor_audit_latency_ms{topic,tier,quantile}  latency (now − record timestamp) quantiles
 */
import { Gauge, type Registry } from 'prom-client';
import { newLatencyHistogram } from './audit-counts.js';
import type { AuditCollector } from './collector.js';

const QUANTILES = [0.5, 0.9, 0.99, 0.999];

/** Registers the audit gauges on `registry`, reading `collector` at each scrape. */
export function registerAuditMetrics(registry: Registry, collector: () => AuditCollector): void {
  const registers = [registry];
  new Gauge({
    name: 'gregor_audit_records',
    help: 'Records the end-to-end audit counted, per topic and tier (producer, broker, replica, consumer), over every bucket.',
    labelNames: ['topic', 'tier'] as const,
    registers,
    collect() {
      this.reset();
      for (const t of collector().totals()) this.set({ topic: t.topic, tier: t.tier }, t.records);
    },
  });
  new Gauge({
    name: 'gregor_audit_missing_records',
    help: 'Records the producer tier counted and the broker tier did not (producer − broker), over complete buckets.',
    labelNames: ['topic'] as const,
    registers,
    collect() {
      this.reset();
      const missing = new Map<string, number>();
      for (const r of collector().report()) if (r.complete && r.missing !== null) missing.set(r.topic, (missing.get(r.topic) ?? 0) + r.missing);
      for (const [topic, n] of missing) this.set({ topic }, n);
    },
  });
  new Gauge({
    name: 'gregor_audit_latency_ms',
    help: 'Latency of records to each audit tier (the tier\'s clock − record timestamp), ms, quantiles over every bucket.',
    labelNames: ['topic', 'tier', 'quantile'] as const,
    registers,
    collect() {
      this.reset();
      for (const { topic, tier, histogram } of collector().latencyByTopic(newLatencyHistogram)) {
        if (histogram.totalCount === 0) continue;
        for (const q of QUANTILES) this.set({ topic, tier, quantile: String(q) }, histogram.getValueAtPercentile(q * 100));
      }
    },
  });
}
