/**
 * One REST Proxy v2 consumer instance (`POST /consumers/{group}`). Like Confluent's proxy,
 * which runs a Kafka consumer per instance, it is a client of the broker: a `gregor/client`
 * consumer on a WebSocket to this broker's own gateway, logged in with its creator's
 * credential (the SASL user and password, or the JWT, of the creating request), so the group
 * protocol, assignors, committed offsets and ACLs are exactly those of every other member —
 * it shares groups with KafkaJS, kcat and Java consumers.
 *
 * Records the consumer reads are buffered (at most `bufferBytes`; reading pauses beyond) and
 * handed out by `records()`; offsets are committed only for what was handed out (Kafka's
 * poll semantics): `commit()` with no offsets commits those, and with auto-commit on they are
 * committed after every records() call. Buffered records of partitions a rebalance took away
 * are dropped. The instance is owned by its creator's principal; it ends on delete(), after
 * `consumer.instance.timeout.ms` without requests, or when the broker stops.
 *
 * A pattern subscription (Kafka's `subscribe(Pattern)`) subscribes to every topic whose whole
 * name matches the regular expression, internal topics (`__…`) left out as Kafka's
 * `exclude.internal.topics` does, among those the owner may DESCRIBE; the match is refreshed
 * every PATTERN_REFRESH_MS (Kafka's consumer: every `metadata.max.age.ms`), so topics created
 * later join the subscription and deleted ones leave it, each change a rebalance (with
 * auto-commit, what was handed out is committed before it).
 */
import { type ClientOptions, GregorClient } from '../../client/client.js';
import type { ConsumerRecord } from '../../client/node.js';
import type { Platform } from '../../client/platform.js';
import type { Consumer } from '../../client/consumer.js';
import type { TopicPartition, TopicPartitionOffset } from '../../client/records.js';
import type { KafkaPrincipal } from '../../security/principal.js';
import type { EmbeddedFormat } from '../embedded-format.js';

export interface ConsumerInstanceConfig {
  group: string;
  name: string;
  owner: KafkaPrincipal;
  format: EmbeddedFormat;
  autoOffsetReset: 'earliest' | 'latest';
  autoCommit: boolean;
  /** Records read ahead of records() calls (bytes). */
  bufferBytes: number;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/** How often a pattern subscription looks for topics that started or stopped matching (ms). */
export const PATTERN_REFRESH_MS = 2_000;

/** What the instance reads: nothing, named topics, topics matching a pattern, or assigned partitions. */
export type SubscriptionKind = 'none' | 'topics' | 'pattern' | 'assigned';

export class RestConsumerInstance {
  /** ms since the epoch of the last request for this instance. */
  lastUsedMs = Date.now();
  private readonly buffer: ConsumerRecord[] = [];
  private bufferedBytes = 0;
  private readonly waiters = new Set<() => void>();
  private spaceWaiter: (() => void) | null = null;
  /** Next offset after the last record handed out, per partition: what commit() commits. */
  private readonly delivered = new Map<string, TopicPartitionOffset>();
  private topics: string[] = [];
  private kind: SubscriptionKind = 'none';
  /** The pattern subscribed to, with its refresh timer. */
  private pattern: { regex: RegExp; timer: NodeJS.Timeout } | null = null;
  /** Bumped by every change of subscription, so a late pattern refresh of an older one does nothing. */
  private generation = 0;
  private consumer: Consumer;
  private closed = false;
  private lastError: Error | null = null;

  private constructor(
    readonly config: ConsumerInstanceConfig,
    private readonly client: GregorClient,
  ) {
    this.consumer = this.newConsumer();
  }

  /**
   * Connects to the gateway at `url` through `platform` (loopback-platform.ts) with `credential`
   * (ClientOptions' sasl / token). Errors: the client's connect() errors.
   */
  static async open(config: ConsumerInstanceConfig, url: string, platform: Platform, credential: Pick<ClientOptions, 'sasl' | 'token'>): Promise<RestConsumerInstance> {
    const client = await GregorClient.connect(url, platform, { ...credential, reconnect: true });
    return new RestConsumerInstance(config, client);
  }

  private newConsumer(): Consumer {
    const consumer = this.client.consumer({ groupId: this.config.group, clientId: `rest-${this.config.name}`, autoOffsetReset: this.config.autoOffsetReset, autoCommit: false });
    consumer.run({
      eachRecord: (record) => this.accept(record),
      onError: (err) => (this.lastError = err),
    });
    return consumer;
  }

  private async accept(record: ConsumerRecord): Promise<void> {
    while (this.bufferedBytes >= this.config.bufferBytes && !this.closed) await new Promise<void>((resolve) => (this.spaceWaiter = resolve));
    this.buffer.push(record);
    this.bufferedBytes += (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0) + 64;
    for (const wake of [...this.waiters]) wake();
  }

  /** Subscribes to `topics` as a group member (replacing any subscription or assignment); resolves once assigned. */
  async subscribe(topics: string[]): Promise<void> {
    await this.reset();
    this.kind = 'topics';
    this.topics = [...new Set(topics)];
    await this.consumer.subscribe({ topics: this.topics });
  }

  /**
   * Subscribes to the topics whose whole name matches `regex` (see the class comment); resolves
   * once assigned (at once when nothing matches yet). Errors: the client's metadata and
   * subscribe errors.
   */
  async subscribePattern(regex: RegExp): Promise<void> {
    await this.reset();
    this.kind = 'pattern';
    const generation = this.generation;
    this.topics = await this.matching(regex);
    if (generation !== this.generation) return;
    const timer = setInterval(() => void this.refreshPattern(generation), PATTERN_REFRESH_MS);
    timer.unref();
    this.pattern = { regex, timer };
    if (this.topics.length > 0) await this.consumer.subscribe({ topics: this.topics });
  }

  /** What the instance reads now. */
  subscriptionKind(): SubscriptionKind {
    return this.kind;
  }

  /** Topics the owner may describe whose whole name matches `regex`, internal topics left out, sorted. */
  private async matching(regex: RegExp): Promise<string[]> {
    const { topics } = await this.client.metadata(null, { allowAutoCreate: false });
    return topics
      .filter((t) => !t.error && !t.name.startsWith('__') && regex.test(t.name))
      .map((t) => t.name)
      .sort();
  }

  private async refreshPattern(generation: number): Promise<void> {
    const pattern = this.pattern;
    if (!pattern || this.closed || generation !== this.generation) return;
    let topics: string[];
    try {
      topics = await this.matching(pattern.regex);
    } catch {
      return; // the next refresh tries again
    }
    if (generation !== this.generation || topics.join('\u0000') === this.topics.join('\u0000')) return;
    this.topics = topics;
    try {
      // A rebalance, as in Kafka's consumer: what was handed out is committed first (auto-commit),
      // and reading resumes from the committed offsets, so buffered records are read again.
      if (this.config.autoCommit) await this.commit().catch(() => {});
      this.dropBuffered(() => true);
      await this.consumer.subscribe({ topics });
    } catch (err) {
      this.lastError = err as Error;
    }
  }

  subscription(): string[] {
    return [...this.topics];
  }

  /** Reads exactly these partitions (no group membership; commits still go to the group). */
  async assign(partitions: TopicPartition[]): Promise<void> {
    await this.reset();
    this.kind = 'assigned';
    await this.consumer.assign(partitions.map((p) => ({ topic: p.topic, partition: p.partition })));
  }

  assignment(): TopicPartition[] {
    return this.consumer.assignment();
  }

  /** Drops the subscription or assignment and buffered records. */
  async unsubscribe(): Promise<void> {
    await this.reset();
  }

  private async reset(): Promise<void> {
    this.generation++;
    this.topics = [];
    this.kind = 'none';
    if (this.pattern) clearInterval(this.pattern.timer);
    this.pattern = null;
    await this.consumer.close();
    this.dropBuffered(() => true);
    this.consumer = this.newConsumer();
  }

  private dropBuffered(drop: (r: ConsumerRecord) => boolean): void {
    const keep = this.buffer.filter((r) => !drop(r));
    this.buffer.length = 0;
    this.buffer.push(...keep);
    this.bufferedBytes = keep.reduce((n, r) => n + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0) + 64, 0);
    this.spaceWaiter?.();
  }

  /** Moves partitions to `offset` (-2 beginning, -1 end, or an offset); buffered records of them are dropped. */
  async seek(offsets: TopicPartitionOffset[]): Promise<void> {
    const moving = new Set(offsets.map(key));
    this.dropBuffered((r) => moving.has(key(r)));
    for (const o of offsets) await this.consumer.seek(o);
  }

  /**
   * Records handed out now: waits up to `timeoutMs` for the first, then returns buffered
   * records up to `maxBytes` (at least one). Records of partitions no longer assigned are
   * dropped first. With auto-commit, commits what was handed out before.
   */
  async records(maxBytes: number, timeoutMs: number): Promise<ConsumerRecord[]> {
    if (this.config.autoCommit && this.delivered.size > 0) await this.commit().catch(() => {});
    const assigned = new Set(this.consumer.assignment().map(key));
    this.dropBuffered((r) => !assigned.has(key(r)));
    if (this.buffer.length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      }).finally(() => this.waiters.clear());
    }
    const out: ConsumerRecord[] = [];
    let bytes = 0;
    while (this.buffer.length > 0) {
      const r = this.buffer[0]!;
      const size = (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0);
      if (out.length > 0 && bytes + size > maxBytes) break;
      this.buffer.shift();
      this.bufferedBytes -= size + 64;
      bytes += size;
      out.push(r);
      this.delivered.set(key(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    }
    this.spaceWaiter?.();
    return out;
  }

  /** Commits `offsets`, or the offsets after what records() handed out. Errors: GregorError (REBALANCE_IN_PROGRESS, …). */
  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    const list = offsets ?? [...this.delivered.values()];
    if (list.length === 0) return;
    await this.consumer.commit(list);
  }

  /** The group's committed offsets for `partitions` (offset -1: none). */
  committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return this.client.committedOffsets(this.config.group, partitions);
  }

  /** The last background error (a failed rebalance, a lost partition), once. */
  takeError(): Error | null {
    const e = this.lastError;
    this.lastError = null;
    return e;
  }

  /** Leaves the group and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pattern) clearInterval(this.pattern.timer);
    for (const wake of [...this.waiters]) wake();
    this.spaceWaiter?.();
    await this.consumer.close().catch(() => {});
    await this.client.close().catch(() => {});
  }
}
