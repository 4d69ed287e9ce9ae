/**
 * A consumer: reads the partitions its assignment source gives it (assignment.ts), through
 * subscriptions with credit-based flow control — the gateway pushes records as they are
 * appended, never more than `maxBytesPerPartition` bytes beyond what the handler has
 * processed; credit is returned as records are handled. So a slow handler slows the
 * pushes, not the broker, and memory stays bounded.
 *
 *   const consumer = client.consumer({ autoOffsetReset: 'earliest' });
 *   await consumer.assign([{ topic: 't', partition: 0 }]);   // or subscribe({ topics: ['t'] })
 *   consumer.run({ eachRecord: async (record) => { ... } });
 *   consumer.pause([{ topic: 't', partition: 0 }]); consumer.resume([...]);
 *   await consumer.seek({ topic: 't', partition: 0, offset: 42 });
 *   await consumer.close();
 *
 * Positions: `position(tp)` is the offset of the next record the handler gets. A push that
 * starts before it (a batch holding the position) is trimmed; pushes from before a seek
 * (older epoch) are dropped. OFFSET_OUT_OF_RANGE (e.g. retention deleted the position, or
 * a start offset beyond the log) resets to `autoOffsetReset` ('earliest' | 'latest';
 * 'none' reports the error instead). Handler errors go to `onError` and the record counts
 * as handled.
 *
 * Groups: with `groupId`, `subscribe()` joins the consumer group through the broker's group
 * coordinator — the same groups as Kafka clients (group-assignment.ts): partitions come from
 * the group's assignor and start at the committed offsets; positions are committed every
 * `autoCommitIntervalMs` (autoCommit, default on), on rebalance and on close, or by
 * `commit()`; `close()` leaves the group. `assign()` with a groupId reads exactly the given
 * partitions from the committed offsets and commits without group membership.
 *
 *   const consumer = client.consumer({ groupId: 'billing', autoOffsetReset: 'earliest' });
 *   await consumer.subscribe({ topics: ['orders'] });     // resolves once assigned
 *   consumer.run({ eachRecord: ... });
 */
import type { ClientAuditTier } from '../audit/client-tier.js';
import { type AuditOption, audited, clientAuditTier, payloadBytes } from './audit.js';
import type { ErrorFrame, RecordsPush, SeekResult, SubscribeResult } from '../gateway/protocol.js';
import { EARLIEST_OFFSET, LATEST_OFFSET } from '../gateway/protocol.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type AssignedPartition, type AssignmentListener, type AssignmentSource, ManualAssignment, TopicAssignment } from './assignment.js';
import { type Assignor, DEFAULT_ASSIGNORS } from './assignors.js';
import type { GregorClient } from './client.js';
import { frameError } from './connection.js';
import { type Codecs, decodeBatches } from './decode.js';
import { Listeners } from './emitter.js';
import { GregorError } from './errors.js';
import { GroupAssignment, type GroupMembership } from './group-assignment.js';
import type { ConsumerRecord, TopicPartition, TopicPartitionOffset } from './records.js';

export interface ConsumerOptions {
  /** A consumer group (Kafka group.id): subscribe() joins it; commits go to it. */
  groupId?: string;
  /** The consumer tier of the end-to-end audit, per group (./audit.ts, docs/audit.md): off by default. */
  audit?: AuditOption;
  /** Static membership (group.instance.id, KIP-345): a restart within the session timeout keeps the assignment. */
  groupInstanceId?: string | null;
  /** Kafka client.id the group sees (member ids start with it; default "gregor-websocket"). */
  clientId?: string;
  /** session.timeout.ms (default 45000; within the broker's group.min/max.session.timeout.ms). */
  sessionTimeoutMs?: number;
  /** How long the coordinator waits for members to rejoin in a rebalance (ms, default 60000). */
  rebalanceTimeoutMs?: number;
  /** heartbeat.interval.ms (default 3000). */
  heartbeatIntervalMs?: number;
  /** enable.auto.commit (default true). */
  autoCommit?: boolean;
  /** auto.commit.interval.ms (default 5000). */
  autoCommitIntervalMs?: number;
  /** partition.assignment.strategy, in order of preference (default: range, RoundRobinAssigner). */
  assignors?: readonly Assignor[];
  /** Where to start without an explicit offset, and after OFFSET_OUT_OF_RANGE (default 'latest', as Kafka). */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** Push credit per partition (bytes, default 1 MiB; at least the broker's message.max.bytes). */
  maxBytesPerPartition?: number;
  /** Check each batch's CRC-32C (default true, as Kafka's check.crcs). */
  checkCrcs?: boolean;
  /** Decompressors for snappy / lz4 / zstd batches (gzip is built in). */
  codecs?: Codecs;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: ConsumerRecord[];
  highWatermark: number;
}

export interface RunOptions {
  /** Called for each record in offset order per partition; awaited. */
  eachRecord?: (record: ConsumerRecord) => void | Promise<void>;
  /** Or called per received chunk of one partition; awaited. */
  eachBatch?: (batch: RecordBatch) => void | Promise<void>;
  /** Handler errors and partitions that stopped (default: console.error). */
  onError?: (error: Error) => void;
}

interface Chunk {
  push: RecordsPush;
  records: ConsumerRecord[] | null;
  next: number;
  nextOffset: number;
  /** Records of this chunk the audit has counted as delivered. */
  audited?: number;
}

interface PartitionState extends TopicPartition {
  key: string;
  position: number;
  epoch: number;
  seeking: boolean;
  paused: boolean;
  stopped: boolean;
  queue: Chunk[];
  /** Pushes that arrived while a subscribe or seek was being answered (sorted out by epoch after). */
  held: RecordsPush[];
  /** Bytes handled and not yet granted back. */
  consumed: number;
}

/** How long a revocation waits for the handler of a revoked partition to finish its record (ms). */
const REVOKE_WAIT_MS = 10_000;
const DEFAULTS = { sessionTimeoutMs: 45_000, rebalanceTimeoutMs: 60_000, heartbeatIntervalMs: 3000, autoCommitIntervalMs: 5000 };

export class Consumer implements AssignmentListener {
  /** After each group assignment, with the partitions now assigned (groups only). */
  readonly rebalanced = new Listeners<[TopicPartition[]]>();
  private readonly states = new Map<string, PartitionState>();
  /** The handler call in progress, and for which partition. */
  private inFlight: { state: PartitionState; done: Promise<void> } | null = null;
  private source: AssignmentSource | null = null;
  private handlers: RunOptions | null = null;
  private pumping = false;
  private closed = false;
  private readonly window: number;
  private readonly removeReconnect: () => void;
  private readonly reset: 'earliest' | 'latest' | 'none';
  /** The audit's consumer tier (null when off). */
  private readonly auditTier: ClientAuditTier | null;

  constructor(
    private readonly client: GregorClient,
    private readonly options: ConsumerOptions,
  ) {
    if (options.groupId !== undefined && options.groupId === '') throw new GregorError(ErrorCode.INVALID_GROUP_ID, 'groupId must not be empty');
    this.reset = options.autoOffsetReset ?? 'latest';
    this.auditTier = clientAuditTier(client, 'consumer', options.groupId ?? null, options.audit);
    this.window = Math.max(options.maxBytesPerPartition ?? 1024 * 1024, client.hello.maxBatchBytes);
    this.removeReconnect = client.reconnected.add(() => this.resubscribeAll());
  }

  /**
   * Reads exactly these partitions (from `offset` when given; else, with a groupId, the
   * committed offset; else autoOffsetReset).
   */
  async assign(partitions: AssignedPartition[]): Promise<void> {
    const { groupId } = this.options;
    await this.use(new ManualAssignment(partitions, groupId !== undefined ? { client: this.client, groupId } : null));
  }

  /**
   * With a groupId: joins the group for these topics and resolves once the first
   * assignment is being read (errors: INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL,
   * FENCED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, …). Without: reads every partition of the
   * topics (errors: UNKNOWN_TOPIC_OR_PARTITION).
   */
  async subscribe(options: { topics: string[] }): Promise<void> {
    const { groupId } = this.options;
    if (groupId === undefined) {
      await this.use(new TopicAssignment(this.client, options.topics));
      return;
    }
    const o = this.options;
    await this.use(
      new GroupAssignment(this.client, [...new Set(options.topics)], {
        groupId,
        groupInstanceId: o.groupInstanceId ?? null,
        clientId: o.clientId ?? 'gregor-websocket',
        sessionTimeoutMs: o.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? DEFAULTS.rebalanceTimeoutMs,
        heartbeatIntervalMs: o.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs,
        autoCommit: o.autoCommit ?? true,
        autoCommitIntervalMs: o.autoCommitIntervalMs ?? DEFAULTS.autoCommitIntervalMs,
        assignors: o.assignors ?? DEFAULT_ASSIGNORS,
        onError: (err) => this.report(err),
        onAssigned: (partitions) => this.rebalanced.emit(partitions),
      }),
    );
  }

  /** The group membership (member id, generation, leader, assignor); null without a joined group. */
  groupMetadata(): GroupMembership | null {
    return this.source instanceof GroupAssignment ? this.source.membership() : null;
  }

  /** Reads what a custom assignment source assigns. */
  async use(source: AssignmentSource): Promise<void> {
    if (this.source) await this.source.stop();
    this.source = source;
    await source.start(this);
  }

  /** Starts handing records to the handlers (returns at once). */
  run(handlers: RunOptions): void {
    if (!handlers.eachRecord && !handlers.eachBatch) throw new TypeError('run() needs eachRecord or eachBatch');
    this.handlers = handlers;
    void this.pump();
  }

  /** Offset of the next record to be handled. Errors: UNKNOWN_TOPIC_OR_PARTITION if not assigned. */
  position(tp: TopicPartition): number {
    return this.state(tp).position;
  }

  /** The assigned partitions. */
  assignment(): TopicPartition[] {
    return [...this.states.values()].filter((s) => !s.stopped).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Moves a partition to `offset` (-1 latest, -2 earliest). Errors: OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION. */
  async seek(target: TopicPartition & { offset: number }): Promise<void> {
    const state = this.state(target);
    state.seeking = true;
    this.dropQueue(state);
    try {
      const r = await this.client.request<SeekResult>({ op: 'seek', topic: state.topic, partition: state.partition, offset: target.offset });
      state.epoch = r.epoch;
      state.position = r.offset;
    } finally {
      this.settle(state);
    }
    void this.pump();
  }

  /** Stops handing records of these partitions to the handlers; pushes stop once credit runs out. */
  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = false;
    void this.pump();
  }

  paused(): TopicPartition[] {
    return [...this.states.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Commits the positions of every assigned partition (or the given offsets: the next
   * offset to read) to the group. Errors: INVALID_GROUP_ID without a groupId;
   * REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID when the group moved on.
   */
  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    if (!this.source) throw new GregorError(ErrorCode.INVALID_GROUP_ID, 'nothing assigned');
    await this.source.commit(offsets ?? this.positions());
  }

  /** Unsubscribes everything and stops; a group member commits (autoCommit) and leaves its group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source?.stop().catch(() => {});
    await this.auditTier?.close().catch(() => {});
    this.removeReconnect();
    this.client.forget(this);
  }

  // ─── AssignmentListener ─────────────────────────────────────────────────────────────

  async assigned(partitions: AssignedPartition[]): Promise<void> {
    await Promise.all(partitions.map((p) => this.start(p, p.offset)));
  }

  async revoked(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const states = partitions.map((tp) => this.states.get(`${tp.topic}\u0000${tp.partition}`)).filter((s): s is PartitionState => s !== undefined);
    for (const state of states) state.stopped = true;
    const busy = this.inFlight;
    if (busy && states.includes(busy.state)) {
      // Let the handler finish the record in hand, so the position is final.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([busy.done, new Promise<void>((r) => (timer = setTimeout(r, REVOKE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    const positions = states.map(({ topic, partition, position }) => ({ topic, partition, offset: position }));
    await Promise.all(
      states.map(async (state) => {
        if (this.states.get(state.key) === state) this.states.delete(state.key);
        this.client.pushRoutes.delete(state.key);
        await this.client.request({ op: 'unsubscribe', topic: state.topic, partition: state.partition }).catch(() => {});
      }),
    );
    return positions;
  }

  /** Positions (next offset to hand out) of the partitions being read; what commit() commits. */
  positions(): TopicPartitionOffset[] {
    return [...this.states.values()].filter((s) => !s.stopped && s.position >= 0).map(({ topic, partition, position }) => ({ topic, partition, offset: position }));
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────

  private state(tp: TopicPartition): PartitionState {
    const state = this.states.get(`${tp.topic}\u0000${tp.partition}`);
    if (!state || state.stopped) throw new GregorError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${tp.topic}-${tp.partition} is not assigned to this consumer`, tp);
    return state;
  }

  private resetOffset(): number {
    return this.reset === 'earliest' ? EARLIEST_OFFSET : LATEST_OFFSET;
  }

  /** Subscribes one partition at `offset` (default: the reset policy). */
  private async start(tp: TopicPartition, offset?: number): Promise<void> {
    const key = `${tp.topic}\u0000${tp.partition}`;
    let state = this.states.get(key);
    if (!state) {
      state = { topic: tp.topic, partition: tp.partition, key, position: -1, epoch: 0, seeking: true, paused: false, stopped: false, queue: [], held: [], consumed: 0 };
      this.states.set(key, state);
    }
    const s = state;
    s.seeking = true;
    this.client.pushRoutes.set(key, (push) => this.onPush(s, push));
    let outOfRange = false;
    try {
      const r = await this.client.request<SubscribeResult>({
        op: 'subscribe',
        topic: tp.topic,
        partition: tp.partition,
        offset: offset ?? (this.reset === 'none' ? EARLIEST_OFFSET : this.resetOffset()),
        credit: this.window,
      });
      s.position = r.offset;
      s.epoch = r.epoch;
      s.consumed = 0;
    } catch (err) {
      // A start offset outside the log (e.g. a committed offset retention deleted) resets
      // to autoOffsetReset, as Kafka's consumer does.
      outOfRange = err instanceof GregorError && err.is('OFFSET_OUT_OF_RANGE') && offset !== undefined && offset >= 0 && this.reset !== 'none' && !this.closed;
      if (!outOfRange) {
        this.states.delete(key);
        this.client.pushRoutes.delete(key);
        s.held.length = 0;
        throw err;
      }
    } finally {
      this.settle(s);
    }
    if (outOfRange) return this.start(tp, this.resetOffset());
    void this.pump();
  }

  /** After a reconnect: subscribe again at the current positions with fresh credit. */
  private resubscribeAll(): void {
    for (const state of this.states.values()) {
      if (state.stopped) continue;
      state.queue.length = 0;
      this.start(state, state.position).catch((err: Error) => this.report(err));
    }
  }

  private onPush(state: PartitionState, push: RecordsPush | ErrorFrame): void {
    if (push.type === 'error') {
      const err = frameError(push);
      if (err.is('OFFSET_OUT_OF_RANGE') && this.reset !== 'none' && !this.closed) {
        state.queue.length = 0;
        this.start(state, this.resetOffset()).catch((e: Error) => this.report(e));
        return;
      }
      state.stopped = true;
      this.report(err);
      return;
    }
    if (state.seeking) {
      // The answer to a subscribe or seek is on its way (its promise settles after this
      // frame): hold the push until the new epoch is known.
      state.held.push(push);
      return;
    }
    this.accept(state, push);
  }

  private accept(state: PartitionState, push: RecordsPush): void {
    if (push.epoch !== state.epoch || state.stopped) {
      this.grant(state, push.batches.byteLength); // stale: give the credit back
      return;
    }
    state.queue.push({ push, records: null, next: 0, nextOffset: -1 });
    void this.pump();
  }

  /** A subscribe or seek was answered: sort the held pushes by epoch. */
  private settle(state: PartitionState): void {
    state.seeking = false;
    const held = state.held.splice(0);
    for (const push of held) this.accept(state, push);
  }

  private grant(state: PartitionState, bytes: number): void {
    if (bytes <= 0 || state.stopped) return;
    this.client
      .connection()
      .then((c) => c.notify({ op: 'credit', topic: state.topic, partition: state.partition, bytes }))
      .catch(() => {});
  }

  private dropQueue(state: PartitionState): void {
    let bytes = state.consumed;
    for (const chunk of state.queue) bytes += chunk.push.batches.byteLength;
    state.queue.length = 0;
    state.consumed = 0;
    this.grant(state, bytes);
  }

  private report(err: Error): void {
    if (this.handlers?.onError) this.handlers.onError(err);
    else console.error('gregor consumer:', err);
  }

  /** The next partition with something to hand out, round robin. */
  private nextReady(): PartitionState | null {
    for (const state of this.states.values()) {
      if (state.queue.length > 0 && !state.paused && !state.seeking && !state.stopped) {
        // rotate: move it to the end so that partitions take turns
        this.states.delete(state.key);
        this.states.set(state.key, state);
        return state;
      }
    }
    return null;
  }

  private async pump(): Promise<void> {
    if (this.pumping || !this.handlers || this.closed) return;
    this.pumping = true;
    try {
      for (let state = this.nextReady(); state && !this.closed; state = this.nextReady()) {
        const done = this.handle(state, state.queue[0]!);
        this.inFlight = { state, done };
        await done;
      }
    } finally {
      this.inFlight = null;
      this.pumping = false;
    }
  }

  /** Hands out one chunk (or the rest of it, after a pause). */
  private async handle(state: PartitionState, chunk: Chunk): Promise<void> {
    const handlers = this.handlers!;
    const epoch = state.epoch;
    if (!chunk.records) {
      try {
        const decoded = decodeBatches(chunk.push.batches, {
          topic: state.topic,
          partition: state.partition,
          fromOffset: state.position,
          crc32c: this.options.checkCrcs === false ? undefined : this.client.crc32c(),
          codecs: this.options.codecs,
        });
        chunk.records = decoded.records;
        chunk.nextOffset = decoded.nextOffset;
        chunk.audited = 0;
      } catch (err) {
        state.queue.shift();
        state.stopped = true;
        this.report(err as Error);
        return;
      }
    }
    const records = chunk.records;
    if (handlers.eachBatch && chunk.next < records.length) {
      const slice = chunk.next === 0 ? records : records.slice(chunk.next);
      try {
        await handlers.eachBatch({ topic: state.topic, partition: state.partition, records: slice, highWatermark: chunk.push.highWatermark });
      } catch (err) {
        this.report(err as Error);
      }
      chunk.next = records.length;
      this.countDelivered(chunk);
    } else if (handlers.eachRecord) {
      while (chunk.next < records.length) {
        if (state.paused || state.seeking || state.stopped || state.epoch !== epoch || this.closed) return;
        const record = records[chunk.next++]!;
        try {
          await handlers.eachRecord(record);
        } catch (err) {
          this.report(err as Error);
        }
        if (state.epoch === epoch && !state.seeking) state.position = record.offset + 1;
        this.countDelivered(chunk);
      }
    }
    if (state.epoch !== epoch || state.seeking || state.queue[0] !== chunk) return;
    state.queue.shift();
    state.position = Math.max(state.position, chunk.nextOffset);
    state.consumed += chunk.push.batches.byteLength;
    if (state.consumed >= this.window / 2 || state.queue.length === 0) {
      this.grant(state, state.consumed);
      state.consumed = 0;
    }
  }

  /** The audit's consumer tier: counts the chunk's records handed to the handler since the last call. */
  private countDelivered(chunk: Chunk): void {
    const tier = this.auditTier;
    const records = chunk.records;
    if (!tier || !records) return;
    for (let i = chunk.audited ?? 0; i < chunk.next; i++) {
      const r = records[i]!;
      if (audited(r.topic)) tier.count(r.topic, r.timestamp, payloadBytes(r.key, r.value));
    }
    chunk.audited = chunk.next;
  }
}
