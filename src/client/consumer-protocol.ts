/**
 * Kafka's embedded consumer protocol (JoinGroup protocol type "consumer"), byte for byte as
 * the Java client, librdkafka and KafkaJS write it, so members of all of them share a group:
 *
 *   ConsumerProtocolSubscription (JoinGroup `protocols[].metadata`), versions 0-3:
 *     version int16, topics [string], userData bytes,
 *     v1+ ownedPartitions [topic string, partitions [int32]], v2+ generationId int32,
 *     v3+ rackId nullable string
 *   ConsumerProtocolAssignment (SyncGroup `assignment`), versions 0-3:
 *     version int16, assignedPartitions [topic string, partitions [int32]], userData bytes
 *
 * Arrays are an int32 count, strings an int16 length + UTF-8, bytes an int32 length (-1:
 * null), big-endian. We write version 0 with empty user data — what KafkaJS 2.2.4's
 * assigners write (src/consumer/assignerProtocol.js) — and read every version (later
 * fields are ignored unless needed). Empty assignment bytes (a member the leader gave
 * nothing) read as no partitions, as in KafkaJS.
 * Source: Kafka clients/src/main/resources/common/message/ConsumerProtocolSubscription.json,
 * ConsumerProtocolAssignment.json. No Node-only imports: bundled for browsers.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { GregorError } from './errors.js';

export interface Subscription {
  version: number;
  topics: string[];
  userData: Uint8Array | null;
  /** v1+ (cooperative rebalancing); empty otherwise. */
  ownedPartitions: Array<{ topic: string; partitions: number[] }>;
}

export interface Assignment {
  version: number;
  /** Partitions by topic. */
  partitions: Array<{ topic: string; partitions: number[] }>;
  userData: Uint8Array | null;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

class Writer {
  private bytes = new Uint8Array(64);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    next.set(this.bytes);
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  int16(v: number): this {
    this.room(2);
    this.view.setInt16(this.length, v);
    this.length += 2;
    return this;
  }

  int32(v: number): this {
    this.room(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
    return this;
  }

  string(s: string): this {
    const b = utf8Encoder.encode(s);
    this.int16(b.length);
    this.raw(b);
    return this;
  }

  bytes_(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    return this.raw(b);
  }

  raw(b: Uint8Array): this {
    this.room(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
    return this;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.bytes.length) throw new GregorError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'truncated consumer protocol data');
  }

  int16(): number {
    this.need(2);
    const v = this.view.getInt16(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  string(): string {
    const n = this.int16();
    this.need(n);
    const s = utf8Decoder.decode(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return s;
  }

  bytes_(): Uint8Array | null {
    const n = this.int32();
    if (n < 0) return null;
    this.need(n);
    const b = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  array<T>(read: () => T): T[] {
    const n = this.int32();
    if (n < 0) return [];
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read());
    return out;
  }
}

function writeTopicPartitions(w: Writer, list: Array<{ topic: string; partitions: number[] }>): void {
  w.int32(list.length);
  for (const { topic, partitions } of list) {
    w.string(topic);
    w.int32(partitions.length);
    for (const p of partitions) w.int32(p);
  }
}

function readTopicPartitions(r: Reader): Array<{ topic: string; partitions: number[] }> {
  return r.array(() => ({ topic: r.string(), partitions: r.array(() => r.int32()) }));
}

/** A version-0 ConsumerProtocolSubscription for `topics` (what KafkaJS writes). */
export function encodeSubscription(topics: string[], userData: Uint8Array = new Uint8Array(0)): Uint8Array {
  const w = new Writer().int16(0).int32(topics.length);
  for (const t of topics) w.string(t);
  return w.bytes_(userData).finish();
}

/** Reads a subscription of any version. Errors: INCONSISTENT_GROUP_PROTOCOL (truncated). */
export function decodeSubscription(bytes: Uint8Array): Subscription {
  const r = new Reader(bytes);
  const version = r.int16();
  const topics = r.array(() => r.string());
  const userData = r.remaining >= 4 ? r.bytes_() : null;
  const ownedPartitions = version >= 1 && r.remaining >= 4 ? readTopicPartitions(r) : [];
  return { version, topics, userData, ownedPartitions };
}

/** A version-0 ConsumerProtocolAssignment (topics and partitions sorted). */
export function encodeAssignment(partitions: Array<{ topic: string; partition: number }>, userData: Uint8Array = new Uint8Array(0)): Uint8Array {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const list = [...byTopic.keys()].sort().map((topic) => ({ topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b) }));
  const w = new Writer().int16(0);
  writeTopicPartitions(w, list);
  return w.bytes_(userData).finish();
}

/** Reads an assignment of any version; empty bytes: nothing assigned. Errors: INCONSISTENT_GROUP_PROTOCOL. */
export function decodeAssignment(bytes: Uint8Array): Assignment {
  if (bytes.length < 2) return { version: 0, partitions: [], userData: null };
  const r = new Reader(bytes);
  const version = r.int16();
  const partitions = readTopicPartitions(r);
  const userData = r.remaining >= 4 ? r.bytes_() : null;
  return { version, partitions, userData };
}
