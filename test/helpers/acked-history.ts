/**
 * A Jepsen-style history for fault tests: a producer that writes one record per Produce
 * (acks=-1) to each partition of a topic, in a loop per partition, and records every
 * acknowledged write with the offset the leader gave it. It finds leaders as Kafka's client
 * does since KIP-320: Metadata from every broker it can reach, and per partition the answer
 * with the highest leader epoch wins (a broker cut off from the cluster keeps serving stale
 * metadata naming itself). Every request has a deadline; a connection that misses one is
 * dropped. `checkHistory` then compares the history with what a consumer read back.
 */
import { createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { RawClient } from './raw-client.js';

const engine = createEngine('js');

export interface AckedWrite {
  partition: number;
  offset: number;
  value: string;
  /** When the acknowledgement arrived (ms since epoch). */
  at: number;
  /** The broker id that acknowledged it (the leader the producer wrote to). */
  leader: number;
}

interface LeaderView {
  leader: number;
  leaderEpoch: number;
}

/** `host:port` → a connection, reopened after an error or a missed deadline. */
export class Connections {
  private readonly open = new Map<string, Promise<RawClient>>();

  async request<T = any>(address: string, apiKey: number, version: number, body: unknown, timeoutMs: number): Promise<T> {
    let pending = this.open.get(address);
    if (!pending) {
      const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
      pending = RawClient.connect(port, host);
      pending.catch(() => this.open.delete(address));
      this.open.set(address, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from ${address} within ${timeoutMs} ms`)), timeoutMs)));
    try {
      const client = await Promise.race([pending, deadline]);
      if (client.isClosed) throw new Error(`connection to ${address} closed`);
      const answer = client.request<T>(apiKey, version, body);
      answer.catch(() => {}); // after a missed deadline the connection is closed under it
      return await Promise.race([answer, deadline]);
    } catch (err) {
      this.drop(address);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  drop(address: string): void {
    const pending = this.open.get(address);
    this.open.delete(address);
    pending?.then((c) => c.close(), () => {});
  }

  closeAll(): void {
    for (const address of [...this.open.keys()]) this.drop(address);
  }
}

/** One Produce of one record; resolves with the partition's error code and base offset. */
export async function produceOne(conns: Connections, address: string, topic: string, partition: number, value: string, acks: number, timeoutMs: number): Promise<{ errorCode: number; offset: number }> {
  const res = await conns.request(address, 0, 9, createProduceRequest({ acks, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records: engine.encodeRecordBatch([{ key: null, value: Buffer.from(value) }]) }] }] }), timeoutMs + 3000);
  const p = res.responses[0].partitionResponses[0];
  return { errorCode: p.errorCode, offset: Number(p.baseOffset) };
}

export class HistoryProducer {
  readonly acked: AckedWrite[] = [];
  /** Error names (or exception messages' first words) of failed writes, counted. */
  readonly failures = new Map<string, number>();
  readonly conns = new Connections();
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly brokers = new Map<number, string>();

  constructor(
    /** `host:port` of every broker (Metadata is asked of each). */
    private readonly bootstrap: readonly string[],
    readonly topic: string,
    private readonly partitions: number,
    private readonly timeoutMs = 2000,
  ) {}

  /** Per partition, the leader named with the highest leader epoch by any broker that answered in time. */
  async leaders(): Promise<Map<number, LeaderView>> {
    const best = new Map<number, LeaderView>();
    const addresses = new Set([...this.bootstrap, ...this.brokers.values()]);
    await Promise.all(
      [...addresses].map(async (address) => {
        try {
          const res = await this.conns.request(address, 3, 12, createMetadataRequest({ topics: [{ name: this.topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }), 1000);
          for (const b of res.brokers as Array<{ nodeId: number; host: string; port: number }>) this.brokers.set(b.nodeId, `${b.host}:${b.port}`);
          for (const p of res.topics[0].partitions as Array<{ partitionIndex: number; leaderId: number; leaderEpoch: number }>) {
            const known = best.get(p.partitionIndex);
            if (p.leaderId >= 0 && (!known || p.leaderEpoch > known.leaderEpoch)) best.set(p.partitionIndex, { leader: p.leaderId, leaderEpoch: p.leaderEpoch });
          }
        } catch {
          /* unreachable now */
        }
      }),
    );
    return best;
  }

  /** `host:port` of broker `id` as Metadata advertised it. */
  addressOf(id: number): string {
    const address = this.brokers.get(id);
    if (!address) throw new Error(`broker ${id} not seen in Metadata`);
    return address;
  }

  private fail(what: string): void {
    this.failures.set(what, (this.failures.get(what) ?? 0) + 1);
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.partitions }, (_, partition) => this.loop(partition));
  }

  private async loop(partition: number): Promise<void> {
    let leader: number | undefined;
    for (let seq = 0; this.running; seq++) {
      const value = `p${partition}-${seq}`;
      try {
        leader ??= (await this.leaders()).get(partition)?.leader;
        if (leader === undefined) throw new Error('no-leader');
        const { errorCode, offset } = await produceOne(this.conns, this.addressOf(leader), this.topic, partition, value, -1, this.timeoutMs);
        if (errorCode === ErrorCode.NONE) {
          this.acked.push({ partition, offset, value, at: Date.now(), leader });
          continue;
        }
        this.fail(Object.entries(ErrorCode).find(([, c]) => c === errorCode)?.[0] ?? `error ${errorCode}`);
      } catch (err) {
        this.fail((err as Error).message.replace(/ within.*| \d.*/, ''));
      }
      leader = undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the loops (each finishes its write in flight). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  close(): void {
    this.conns.closeAll();
  }

  /** Acknowledged writes of `partition` so far. */
  ackedOn(partition: number): AckedWrite[] {
    return this.acked.filter((w) => w.partition === partition);
  }

  /** The longest time (ms) between consecutive acknowledgements on `partition` in [from, to]. */
  longestGap(partition: number, from: number, to: number): number {
    const times = [from, ...this.ackedOn(partition).map((w) => w.at).filter((t) => t >= from && t <= to), to];
    return Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  }
}

export interface HistoryCheck {
  /** Acknowledged values not read back. */
  lost: string[];
  /** Acknowledged values read back more than once. */
  duplicated: string[];
  /** Acknowledged values read back at another offset than acknowledged. */
  moved: string[];
}

/**
 * Compares acknowledged writes with the records read back from one partition
 * (`offset`, `value` in offset order): every acknowledged value exactly once, at its offset.
 */
export function checkHistory(acked: readonly AckedWrite[], read: ReadonlyArray<{ offset: number; value: string }>): HistoryCheck {
  const at = new Map<string, number[]>();
  for (const r of read) at.set(r.value, [...(at.get(r.value) ?? []), r.offset]);
  const check: HistoryCheck = { lost: [], duplicated: [], moved: [] };
  for (const w of acked) {
    const offsets = at.get(w.value) ?? [];
    if (offsets.length === 0) check.lost.push(w.value);
    else if (offsets.length > 1) check.duplicated.push(w.value);
    else if (offsets[0] !== w.offset) check.moved.push(w.value);
  }
  return check;
}
