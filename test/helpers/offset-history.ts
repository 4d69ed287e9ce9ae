/**
 * Committed consumer offsets as a Jepsen-style history (issue 14: "committed consumer offsets
 * never go backwards"). `GroupOffsetHistory` runs a KafkaJS consumer in a group that reads a
 * topic and commits its offsets (auto-commit), and records
 *   - every commit the coordinator acknowledged (KafkaJS's `consumer.commit_offsets` event,
 *     emitted after a successful OffsetCommit), and
 *   - the committed offsets as polled with OffsetFetch (v7) from the group coordinator: the
 *     leader of the group's `__consumer_offsets` partition with the highest leader epoch any
 *     broker reports (as the producer finds leaders, KIP-320; a broker cut off from the cluster
 *     names itself leader with a stale epoch).
 * `checkOffsetHistory` then proves per partition that no observed committed offset (acknowledged
 * or fetched) is smaller than an offset whose commit was acknowledged before it was asked for.
 * A fetched offset may go down after a coordinator failover only where the higher one was never
 * acknowledged (a commit that timed out); that is counted (`unackedDrops`), not a violation.
 */
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { partitionFor } from '../../src/groups/offsets-topic.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createOffsetFetchRequest } from '../../src/protocol/generated/index.js';
import { HistoryProducer } from './acked-history.js';

/** One observation of a partition's committed offset. */
export interface OffsetObservation {
  partition: number;
  /** The committed offset (the next record the group reads). */
  offset: number;
  /** `commit`: an OffsetCommit the coordinator acknowledged; `fetch`: an OffsetFetch answer. */
  source: 'commit' | 'fetch';
  /** When the request was sent (ms since epoch; for a commit, when its acknowledgement arrived). */
  sentAt: number;
  /** When the answer arrived (ms since epoch). */
  at: number;
}

export interface OffsetRegression {
  partition: number;
  /** The observation that went backwards. */
  observed: OffsetObservation;
  /** The highest offset acknowledged as committed before `observed` was asked for. */
  acknowledged: OffsetObservation;
}

export interface OffsetHistoryCheck {
  /** Observations below an offset acknowledged as committed before them: must be empty. */
  regressions: OffsetRegression[];
  /** Fetched offsets lower than the previous fetched one, above every acknowledged commit (an unacknowledged commit undone by a failover). */
  unackedDrops: number;
}

/**
 * Checks a history of committed offsets (any order; one topic, one group): per partition, every
 * observation sent after a commit of offset N was acknowledged must show N or more.
 */
export function checkOffsetHistory(history: readonly OffsetObservation[]): OffsetHistoryCheck {
  const result: OffsetHistoryCheck = { regressions: [], unackedDrops: 0 };
  const partitions = new Set(history.map((o) => o.partition));
  for (const partition of partitions) {
    const observations = history.filter((o) => o.partition === partition);
    const acks = observations.filter((o) => o.source === 'commit').sort((a, b) => a.at - b.at);
    let lastFetched: number | undefined;
    for (const o of [...observations].sort((a, b) => a.sentAt - b.sentAt || a.at - b.at)) {
      // The highest acknowledged commit whose acknowledgement arrived before `o` was sent.
      let floor: OffsetObservation | undefined;
      for (const a of acks) {
        if (a === o || a.at > o.sentAt || (a.at === o.sentAt && o.source === 'commit')) continue;
        if (!floor || a.offset > floor.offset) floor = a;
      }
      if (floor && o.offset < floor.offset) result.regressions.push({ partition, observed: o, acknowledged: floor });
      else if (o.source === 'fetch') {
        if (lastFetched !== undefined && o.offset < lastFetched) result.unackedDrops++;
        lastFetched = o.offset;
      }
    }
  }
  return result;
}

/** A group consumer of `topic` that commits as it reads, and a poller of its committed offsets. */
export class GroupOffsetHistory {
  readonly history: OffsetObservation[] = [];
  /** Records read by the consumer (all partitions, duplicates counted). */
  consumed = 0;
  /** OffsetFetch polls that failed (no coordinator, a timeout, an error code), counted by reason. */
  readonly pollFailures = new Map<string, number>();
  private readonly consumer: Consumer;
  private readonly coordinators: HistoryProducer;
  private polling: Promise<void> | undefined;
  private running = false;

  constructor(
    /** `host:port` of every broker. */
    private readonly bootstrap: readonly string[],
    readonly topic: string,
    readonly groupId = `${topic}-readers`,
    /** How often the committed offsets are fetched, ms. */
    private readonly pollMs = 300,
    /** `offsets.topic.num.partitions` of the brokers (Kafka's default 50). */
    private readonly offsetsPartitions = 50,
  ) {
    const kafka = new Kafka({ clientId: 'offset-history', brokers: [...bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000 });
    this.consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, retry: { retries: 1000, initialRetryTime: 100, maxRetryTime: 1000 } });
    // Finds the coordinator as the leader of the group's __consumer_offsets partition with the
    // highest leader epoch (HistoryProducer.leaders; it is never started, it writes nothing).
    this.coordinators = new HistoryProducer(bootstrap, '__consumer_offsets', 0);
  }

  /** Joins the group (reading from the beginning, auto-committing every 200 ms) and starts polling. */
  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.COMMIT_OFFSETS, (event) => {
      for (const t of event.payload.topics) {
        for (const p of t.partitions) this.history.push({ partition: Number(p.partition), offset: Number(p.offset), source: 'commit', sentAt: event.timestamp, at: event.timestamp });
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({ autoCommitInterval: 200, eachMessage: async () => void this.consumed++ });
    this.running = true;
    this.polling = this.poll();
  }

  private fail(what: string): void {
    this.pollFailures.set(what, (this.pollFailures.get(what) ?? 0) + 1);
  }

  /** One OffsetFetch of the topic's committed offsets from the coordinator as found now. */
  async fetchOnce(): Promise<void> {
    const sentAt = Date.now();
    const leaders = await this.coordinators.leaders();
    const coordinator = leaders.get(partitionFor(this.groupId, this.offsetsPartitions));
    if (!coordinator) return this.fail('no coordinator');
    const res = await this.coordinators.conns.request(this.coordinators.addressOf(coordinator.leader), 9, 7, createOffsetFetchRequest({ groupId: this.groupId, topics: null, requireStable: false }), 2000);
    if (res.errorCode !== ErrorCode.NONE) return this.fail(`error ${res.errorCode}`);
    const at = Date.now();
    for (const t of res.topics as Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: number | bigint; errorCode: number }> }>) {
      if (t.name !== this.topic) continue;
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.NONE && Number(p.committedOffset) >= 0) this.history.push({ partition: p.partitionIndex, offset: Number(p.committedOffset), source: 'fetch', sentAt, at });
      }
    }
  }

  private async poll(): Promise<void> {
    while (this.running) {
      await this.fetchOnce().catch((err: Error) => this.fail(err.message.replace(/ within.*| \d.*/, '')));
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /** Stops the consumer (it commits what it read) and, after a last fetch, the poller. Bounded (15 s for the consumer). */
  async stop(): Promise<void> {
    if (!this.running) return;
    await Promise.race([this.consumer.disconnect(), new Promise((r) => setTimeout(r, 15_000))]);
    this.running = false;
    await this.polling;
    await this.fetchOnce().catch((err: Error) => this.fail(err.message));
  }

  /** Closes the poller's connections (after `stop`). */
  close(): void {
    this.coordinators.close();
  }

  /** Acknowledged commits and fetched observations, for the figures. */
  counts(): { commits: number; fetches: number } {
    return { commits: this.history.filter((o) => o.source === 'commit').length, fetches: this.history.filter((o) => o.source === 'fetch').length };
  }
}
