/**
 * The client-side tiers of the end-to-end audit (issue 15, docs/audit.md): `producer` (records
 * handed to the wire by a producer) and `consumer` (records delivered to a consumer group's
 * application). A tier counts per topic × bucket of record timestamp and, every report
 * interval, hands one report (key = report id, value = the JSON of audit-report.ts) to
 * `publish`, which sends it to `__audit` through the client's normal produce path. Reports
 * are numbered per reporter (a random id per tier instance), so a report sent twice by a
 * retrying producer counts once in the collector. A report that cannot be published is merged
 * back and sent with the next.
 */
import { AuditCounts } from './audit-counts.js';
import { type AuditReport, encodeReport, reportKey } from './audit-report.js';

export interface ClientAuditOptions {
  tier: 'producer' | 'consumer';
  /** Consumer tier: the group. */
  group?: string | null;
  /** Bucket width, ms (the broker's `gregor.audit.bucket.ms`; default 600000). */
  bucketMs?: number;
  /** How often to report, ms (default 60000); 0: only on {@link ClientAuditTier.report}. */
  reportIntervalMs?: number;
  /** Sends one audit record (to `__audit`); rejects when it could not be written. */
  publish: (record: { key: Uint8Array; value: Uint8Array }) => Promise<void>;
  /** Reporter id (default: random). */
  reporter?: string;
  now?: () => number;
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ClientAuditTier {
  readonly reporter: string;
  readonly bucketMs: number;
  private counts: AuditCounts;
  private sequence = 0;
  private readonly timer: ReturnType<typeof setInterval> | null;
  private readonly now: () => number;
  private chain: Promise<void> = Promise.resolve();
  private readonly encoder = new TextEncoder();

  constructor(private readonly options: ClientAuditOptions) {
    this.reporter = options.reporter ?? randomId();
    this.bucketMs = options.bucketMs ?? 600_000;
    this.counts = new AuditCounts(this.bucketMs);
    this.now = options.now ?? Date.now;
    const interval = options.reportIntervalMs ?? 60_000;
    this.timer = interval > 0 ? setInterval(() => void this.report().catch(() => {}), interval) : null;
    (this.timer as { unref?: () => void } | null)?.unref?.();
  }

  /** Counts one record of `topic` with timestamp `timestamp` (ms; negative: none) and `bytes` key + value bytes. */
  count(topic: string, timestamp: number, bytes: number): void {
    this.counts.add(topic, timestamp, 1, bytes, this.now());
  }

  /**
   * Publishes what was counted since the last report (nothing when nothing was counted);
   * reports go out one at a time, in sequence order. Rejects if publishing failed (the counts
   * stay for the next report).
   */
  report(): Promise<void> {
    const next = this.chain.then(() => this.publishPending());
    this.chain = next.catch(() => {});
    return next;
  }

  private async publishPending(): Promise<void> {
    if (this.counts.isEmpty) return;
    const taken = this.counts;
    this.counts = new AuditCounts(this.bucketMs);
    const report: AuditReport = {
      tier: this.options.tier,
      reporter: this.reporter,
      sequence: this.sequence,
      group: this.options.group ?? null,
      bucketMs: this.bucketMs,
      reportedAtMs: this.now(),
      range: null,
      buckets: taken.all(),
    };
    try {
      await this.options.publish({ key: this.encoder.encode(reportKey(report)), value: encodeReport(report) });
      this.sequence++;
    } catch (err) {
      for (const b of taken.all()) this.counts.merge(b);
      throw err;
    }
  }

  /** Stops the timer after a last report. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.report();
  }
}
