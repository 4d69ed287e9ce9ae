/**
 * Replication throttling (Kafka's ReplicationQuotaManager, KIP-73; docs/ops.html "Limiting
 * Bandwidth Usage during Data Migration"): one quota per side of this broker.
 *
 * - Leader side: `leader.replication.throttled.rate` (bytes/s) over the replicas that the
 *   topic config `leader.replication.throttled.replicas` lists with this broker's id.
 * - Follower side: `follower.replication.throttled.rate` over the replicas that
 *   `follower.replication.throttled.replicas` lists with this broker's id.
 *
 * The lists are `partition:brokerId,…` or `*` (every partition of the topic). The bytes of
 * every throttled partition are recorded, in-sync replicas' too ("traffic from both in-sync and
 * out of sync replicas are accounted for"), but only replicas outside the ISR are held back
 * while the measured rate is above the limit (ReplicaManager.shouldLeaderThrottle,
 * ReplicaFetcherThread.shouldFollowerThrottle).
 *
 * The rate is Kafka's sampled Rate: `replication.quota.window.num` samples of
 * `replication.quota.window.size.seconds`; bytes recorded over the samples kept, divided by
 * the time they span, never less than (window.num − 1) whole windows — so a throttled transfer
 * may start with a burst of up to (window.num − 1) × window size × rate bytes.
 */

/** Where the quota reads its settings (live: dynamic config changes apply at once). */
export interface ReplicationQuotaSettings {
  /** The limit in bytes/s (Number.MAX_SAFE_INTEGER: none, Kafka's Long.MAX_VALUE). */
  rate(): number;
  /** `replication.quota.window.num` */
  windowNum: number;
  /** `replication.quota.window.size.seconds`, in ms */
  windowSizeMs: number;
}

interface Sample {
  startMs: number;
  bytes: number;
}

/** The partitions of a topic a throttled-replicas list names for one broker: a set, or every one ('*'). */
type ThrottledPartitions = ReadonlySet<number> | '*';

/**
 * Parses a `*.replication.throttled.replicas` value (already validated, e.g. `0:1,0:2,1:3`)
 * into the partitions it throttles on broker `brokerId`.
 */
export function throttledPartitionsOf(value: string | undefined, brokerId: number): ThrottledPartitions {
  if (!value) return new Set();
  if (value.trim() === '*') return '*';
  const out = new Set<number>();
  for (const item of value.split(',')) {
    const [partition, broker] = item.split(':').map((s) => Number(s.trim()));
    if (broker === brokerId && Number.isInteger(partition)) out.add(partition!);
  }
  return out;
}

export class ReplicationQuota {
  private samples: Sample[] = [];
  /** Bytes recorded for throttled partitions since start (for gregor_replication_throttled_bytes_total). */
  recordedBytes = 0;
  /** Parsed lists, by their text (topic configs change rarely; fetches ask often). */
  private readonly parsed = new Map<string, ThrottledPartitions>();

  constructor(
    private readonly settings: ReplicationQuotaSettings,
    private readonly brokerId: number,
    /** `leader.replication.throttled.replicas` or `follower.replication.throttled.replicas` */
    private readonly configKey: string,
    /** The topic's configs as the cluster holds them (undefined: unknown topic). */
    private readonly topicConfigs: (topic: string) => Readonly<Record<string, string>> | undefined,
  ) {}

  /** True if this side throttles `topic`-`partition` on this broker (the topic config lists it). */
  isThrottled(topic: string, partition: number): boolean {
    const value = this.topicConfigs(topic)?.[this.configKey];
    if (!value) return false;
    let partitions = this.parsed.get(value);
    if (!partitions) {
      partitions = throttledPartitionsOf(value, this.brokerId);
      if (this.parsed.size > 1000) this.parsed.clear();
      this.parsed.set(value, partitions);
    }
    return partitions === '*' || partitions.has(partition);
  }

  /** True while a limit is set and the measured rate is above it. */
  isQuotaExceeded(now = Date.now()): boolean {
    const limit = this.settings.rate();
    if (limit >= Number.MAX_SAFE_INTEGER) return false;
    return this.measuredRate(now) > limit;
  }

  /** Counts `bytes` (of throttled partitions) against the quota. */
  record(bytes: number, now = Date.now()): void {
    if (bytes <= 0) return;
    this.recordedBytes += bytes;
    this.purge(now);
    const last = this.samples.at(-1);
    if (last && now - last.startMs < this.settings.windowSizeMs) last.bytes += bytes;
    else this.samples.push({ startMs: now, bytes });
  }

  /** Bytes/s over the samples kept (Kafka's Rate with its minimum of window.num − 1 windows). */
  measuredRate(now = Date.now()): number {
    this.purge(now);
    if (this.samples.length === 0) return 0;
    const total = this.samples.reduce((n, s) => n + s.bytes, 0);
    const minElapsed = Math.max(1, this.settings.windowNum - 1) * this.settings.windowSizeMs;
    const elapsed = Math.max(now - this.samples[0]!.startMs, minElapsed);
    return (total * 1000) / elapsed;
  }

  private purge(now: number): void {
    const span = this.settings.windowNum * this.settings.windowSizeMs;
    while (this.samples.length > 0 && now - this.samples[0]!.startMs >= span) this.samples.shift();
  }
}
