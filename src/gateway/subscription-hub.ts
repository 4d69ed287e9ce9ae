/**
 * Pushes committed records to subscriptions (credit-based flow control).
 *
 * Subscriptions read committed records only, as Kafka's Fetch serves read_committed consumers:
 * below the last stable offset (at most the high watermark: in a cluster, records a leader took
 * but its in-sync followers have not are never pushed, a failover may truncate them; and
 * nothing of an undecided transaction, KIP-98), without the batches of aborted transactions
 * nor the control batches (transaction markers) — a range holding only those moves the
 * position without a push. One listener per partition with subscribers
 * (PartitionLog.onAppend, which also fires when the high watermark moves); each call
 * schedules one delivery pass for that partition on the next turn of the event loop
 * (setImmediate), so a burst of appends becomes few pushes. A pass sends each subscription
 * whole record batches from its position while
 *   - its credit covers the next read (a batch larger than the remaining credit waits for
 *     more credit: the server never sends more than granted), and
 *   - its session is not paused by back-pressure (see session.ts).
 * Subscriptions at the same position, epoch and read size share one encoded frame per
 * pass (fan-out encodes once).
 *
 * Subscriptions whose partition disappeared (topic deleted), whose broker no longer leads
 * it (cluster mode), or whose position fell below the log start offset end with an error
 * frame (UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, OFFSET_OUT_OF_RANGE) naming
 * topic and partition; a sweep every `sweepIntervalMs` finds partitions that were deleted or
 * lost their leadership while nothing woke them.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { PartitionLog } from '../storage/log.js';
import { scanBatches } from './batch-scan.js';
import { committedBatches } from '../transactions/committed-batches.js';
import type { FrameCodec, RecordsPush } from './protocol.js';
import type { Session } from './session.js';
import { Subscription } from './subscription.js';

export interface PushObserver {
  /** `records` records in `bytes` bytes were pushed to one subscription of `topic`. */
  pushed(topic: string, records: number, bytes: number): void;
}

interface PartitionSubscribers {
  log: PartitionLog;
  subscriptions: Set<Subscription>;
  removeListener: () => void;
  scheduled: boolean;
}

interface EncodedPush {
  /** Null when every batch read was dropped (aborted, markers): the position moves, nothing is sent. */
  frame: Uint8Array | null;
  bytes: number;
  records: number;
  next: number;
}

export interface SubscriptionHubOptions {
  /**
   * The log subscriptions of a partition read (gateway/leader-log.ts): throws KafkaError
   * UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER when this broker may not serve it.
   */
  logOf(topic: string, partition: number): PartitionLog;
  codec: FrameCodec;
  /** Largest push frame's batch bytes (a larger first batch is still sent whole). */
  maxPushBytes: number;
  observer: PushObserver;
  sweepIntervalMs?: number;
}

export class SubscriptionHub {
  private readonly partitions = new Map<PartitionLog, PartitionSubscribers>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly options: SubscriptionHubOptions) {
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 1000);
    this.sweepTimer.unref();
  }

  /** Every subscription, for metrics (lag). */
  *all(): IterableIterator<Subscription> {
    for (const p of this.partitions.values()) yield* p.subscriptions;
  }

  get partitionCount(): number {
    return this.partitions.size;
  }

  /** Registers a new subscription; {@link kick} starts its pushes. */
  add(session: Session, topic: string, partition: number, log: PartitionLog, position: number, credit: number): Subscription {
    const sub = new Subscription(session, topic, partition, log, position, credit);
    session.subscriptions.set(sub.key, sub);
    let entry = this.partitions.get(log);
    if (!entry) {
      const created: PartitionSubscribers = { log, subscriptions: new Set(), removeListener: () => {}, scheduled: false };
      created.removeListener = log.onAppend(() => this.schedule(created));
      this.partitions.set(log, created);
      entry = created;
    }
    entry.subscriptions.add(sub);
    return sub;
  }

  /** Removes a subscription (unsubscribe, error, or its session closed). */
  remove(sub: Subscription): void {
    if (sub.session.subscriptions.get(sub.key) === sub) sub.session.subscriptions.delete(sub.key);
    const entry = this.partitions.get(sub.log);
    if (!entry) return;
    entry.subscriptions.delete(sub);
    if (entry.subscriptions.size === 0) {
      entry.removeListener();
      this.partitions.delete(sub.log);
    }
  }

  /** Removes every subscription of a closed session. */
  removeSession(session: Session): void {
    for (const sub of [...session.subscriptions.values()]) this.remove(sub);
  }

  /** Adds credit and pushes what it allows. */
  grant(sub: Subscription, bytes: number): void {
    sub.credit = Math.min(Number.MAX_SAFE_INTEGER, sub.credit + bytes);
    this.deliver(sub);
  }

  /** Pushes what the subscription's position, credit and back-pressure allow now. */
  kick(sub: Subscription): void {
    this.deliver(sub);
  }

  /** Pushes to every subscription of a session that was paused and drained. */
  resume(session: Session): void {
    for (const sub of session.subscriptions.values()) {
      if (session.paused) return;
      this.deliver(sub);
    }
  }

  /** Stops: removes every listener. */
  close(): void {
    clearInterval(this.sweepTimer);
    for (const entry of this.partitions.values()) entry.removeListener();
    this.partitions.clear();
  }

  private schedule(entry: PartitionSubscribers): void {
    if (entry.scheduled) return;
    entry.scheduled = true;
    setImmediate(() => {
      entry.scheduled = false;
      if (this.partitions.get(entry.log) !== entry) return;
      const cache = new Map<string, EncodedPush>();
      for (const sub of [...entry.subscriptions]) this.deliver(sub, cache);
    });
  }

  /** Pushes as much as credit and back-pressure allow. */
  private deliver(sub: Subscription, cache?: Map<string, EncodedPush>): void {
    const { session, log } = sub;
    while (sub.credit > 0 && !session.paused && !session.closed && session.subscriptions.get(sub.key) === sub) {
      if (sub.position >= log.lastStableOffset) return;
      const maxRead = Math.min(sub.credit, this.options.maxPushBytes);
      const key = `${sub.position}/${maxRead}/${sub.epoch}`;
      let push: EncodedPush | null | undefined = cache?.get(key);
      if (!push) {
        try {
          push = this.encode(sub, maxRead);
        } catch (err) {
          this.end(sub, err);
          return;
        }
        if (!push) return;
        cache?.set(key, push);
      }
      if (push.bytes > sub.credit) return; // wait for credit to cover the whole batch
      if (push.frame === null) {
        sub.position = push.next;
        continue;
      }
      if (!session.sendEncoded(push.frame)) return;
      sub.credit -= push.bytes;
      sub.position = push.next;
      this.options.observer.pushed(sub.topic, push.records, push.bytes);
    }
  }

  /** Reads committed records from the subscription's position and encodes a push, or null if none is there. */
  private encode(sub: Subscription, maxRead: number): EncodedPush | null {
    this.check(sub);
    const read = sub.log.read(sub.position, maxRead, sub.log.lastStableOffset);
    if (!read.slice) return null;
    try {
      const readSpan = scanBatches(read.slice.bytes);
      if (readSpan.batchCount === 0) return null;
      const batches = committedBatches(read.slice.bytes, sub.log.abortedTransactions(sub.position, readSpan.lastOffset + 1));
      const span = scanBatches(batches);
      if (span.batchCount === 0) return { frame: null, bytes: 0, records: 0, next: readSpan.lastOffset + 1 };
      const frame: RecordsPush = {
        type: 'records',
        topic: sub.topic,
        partition: sub.partition,
        epoch: sub.epoch,
        highWatermark: read.highWatermark,
        batches,
      };
      return { frame: this.options.codec.pack(frame), bytes: batches.byteLength, records: span.recordCount, next: readSpan.lastOffset + 1 };
    } finally {
      read.slice.release?.();
    }
  }

  /** Ends a subscription with an error frame naming its partition. */
  private end(sub: Subscription, err: unknown): void {
    this.remove(sub);
    sub.session.sendError(undefined, err, { topic: sub.topic, partition: sub.partition });
  }

  /**
   * Throws unless this broker still serves the subscription's log: UNKNOWN_TOPIC_OR_PARTITION
   * (deleted, or re-created as another log), NOT_LEADER_OR_FOLLOWER (leadership moved away).
   */
  private check(sub: Subscription): void {
    if (this.options.logOf(sub.topic, sub.partition) !== sub.log) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${sub.topic}-${sub.partition} no longer exists`);
    }
  }

  /** Ends subscriptions of partitions that no longer exist or that this broker no longer leads. */
  private sweep(): void {
    for (const entry of [...this.partitions.values()]) {
      const first = entry.subscriptions.values().next().value as Subscription | undefined;
      if (!first) continue;
      try {
        this.check(first);
      } catch (err) {
        for (const sub of [...entry.subscriptions]) this.end(sub, err);
      }
    }
  }
}
