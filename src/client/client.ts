/**
 * The Gregor WebSocket client (`gregor/client`): one connection to a gateway, admin
 * operations, and factories for producers and consumers sharing it. The same code runs in
 * Node and in browsers; `node.ts` / `browser.ts` supply the platform.
 *
 *   const client = await connect('ws://localhost:9093');
 *   await client.createTopic('orders', { partitions: 3 });
 *   const producer = client.producer({ lingerMs: 5 });
 *   await producer.send({ topic: 'orders', messages: [{ key: 'o-1', value: 'hello' }] });
 *   await client.close();
 *
 * Reconnection: when the socket drops (not by close()), requests in flight fail with
 * NETWORK_EXCEPTION (retriable: producers retry them), and the client reconnects with
 * exponential back-off; consumers resubscribe at their positions. Errors are GregorError
 * with Kafka's code and name.
 */
import type { ErrorFrame, FetchResult, HelloFrame, ListOffsetsResult, MetadataResult, RecordsPush, TopicMetadata } from '../gateway/protocol.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { createSaslClient } from '../security/sasl/sasl-client.js';
import { Connection, type Push } from './connection.js';
import { Consumer, type ConsumerOptions } from './consumer.js';
import { type Codecs, decodeBatches } from './decode.js';
import { Listeners } from './emitter.js';
import type { BatchEncoder, EncoderKind } from './encoder.js';
import { GregorError } from './errors.js';
import { commitOffsets, fetchOffsets, findCoordinator } from './group-requests.js';
import type { Platform } from './platform.js';
import { Producer, type ProducerOptions } from './producer.js';
import type { ConsumerRecord, TopicPartition, TopicPartitionOffset } from './records.js';

export interface ReconnectOptions {
  /** Attempts per outage before requests fail (default 20). */
  retries?: number;
  /** First back-off (ms, default 100), doubled per attempt up to maxBackoffMs (default 5000). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface ClientOptions {
  /** Preferred record-batch encoder: 'wasm' (default), 'js' (the TypeScript twin) or 'broker'. */
  encoder?: EncoderKind;
  /** Time-out of a request (ms, default 30000); a fetch's long poll is added to it. */
  requestTimeoutMs?: number;
  /** Time-out of opening a connection (ms, default 10000). */
  connectTimeoutMs?: number;
  /** Reconnect after a dropped connection (default true). */
  reconnect?: boolean | ReconnectOptions;
  /**
   * A JWT for gateways with `gregor.websocket.authentication=jwt` (or `sasl` with OAUTHBEARER),
   * or a function that returns a fresh one: sent as the first frame of every connection, and —
   * with a function — again before the token's expiry (the gateway closes a session whose
   * token expired).
   * Errors: SASL_AUTHENTICATION_FAILED from connect() when the gateway refuses it.
   */
  token?: string | (() => string | Promise<string>);
  /**
   * A user and password for gateways with `gregor.websocket.authentication=sasl`: the client
   * runs the SASL exchange (PLAIN, or SCRAM-SHA-256/512 with the server's signature verified)
   * on every connection, and again before the session expires when the gateway sets a
   * lifetime (`connections.max.reauth.ms`).
   * Errors: SASL_AUTHENTICATION_FAILED or UNSUPPORTED_SASL_MECHANISM from connect().
   */
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
}

/** Re-authenticate this long before the session expires (ms); sessions shorter than twice this re-authenticate at half their lifetime. */
const REAUTH_MARGIN_MS = 30_000;

interface AuthenticateResult {
  complete: boolean;
  token?: Uint8Array;
  expiresAtMs: number | null;
}

/** One authentication on `connection`: a bare JWT, or a SASL exchange frame by frame. Resolves to the final result. */
async function authenticateOnce(connection: Connection, options: ClientOptions, timeoutMs: number): Promise<AuthenticateResult> {
  if (options.sasl) {
    const { mechanism, username, password } = options.sasl;
    const client = createSaslClient(mechanism, username, password);
    let result = await connection.request<AuthenticateResult>({ op: 'authenticate', mechanism, token: await client.start() }, timeoutMs);
    for (;;) {
      const reply = client.complete ? null : await client.evaluate(result.token ?? new Uint8Array(0));
      if (result.complete) {
        if (!client.complete) throw new Error(`${mechanism}: the gateway ended the exchange before the client verified it`);
        return result;
      }
      if (reply === null) throw new Error(`${mechanism}: the gateway expects more than the client has to send`);
      result = await connection.request<AuthenticateResult>({ op: 'authenticate', token: reply }, timeoutMs);
    }
  }
  const provider = options.token!;
  const token = typeof provider === 'function' ? await provider() : provider;
  return connection.request<AuthenticateResult>({ op: 'authenticate', token }, timeoutMs);
}

/**
 * Opens a connection and, when the client has a token or SASL credentials, authenticates it;
 * then keeps re-authenticating in-band before each session expiry until the connection closes
 * (a fixed token string cannot be refreshed, so its session just ends).
 */
async function openConnection(url: string, platform: Platform, options: ClientOptions): Promise<Connection> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const connection = await Connection.open(url, platform, timeoutMs);
  if (options.token === undefined && options.sasl === undefined) return connection;
  const renewable = options.sasl !== undefined || typeof options.token === 'function';
  const authenticate = async (): Promise<void> => {
    const result = await authenticateOnce(connection, options, timeoutMs);
    if (!renewable || connection.closed || result.expiresAtMs === null) return;
    const lifetime = result.expiresAtMs - Date.now();
    const delay = lifetime > 2 * REAUTH_MARGIN_MS ? lifetime - REAUTH_MARGIN_MS : Math.max(0, lifetime / 2);
    const timer = setTimeout(() => authenticate().catch(() => connection.close()), delay);
    (timer as { unref?: () => void }).unref?.();
  };
  try {
    await authenticate();
  } catch (err) {
    connection.close();
    throw err;
  }
  return connection;
}

export interface Metadata {
  clusterId: string;
  controllerId: number;
  brokers: MetadataResult['brokers'];
  topics: TopicMetadata[];
}

export interface FetchOptions {
  topic: string;
  partition: number;
  /** >= 0, or -1 latest / -2 earliest. */
  offset: number;
  /** Default 1 MiB (at least one whole batch comes back). */
  maxBytes?: number;
  /** Long poll (ms, default 0). */
  maxWaitMs?: number;
  minBytes?: number;
}

export interface FetchedRecords {
  records: ConsumerRecord[];
  highWatermark: number;
  logStartOffset: number;
  /** Where the next fetch should start. */
  nextOffset: number;
}

export class GregorClient {
  /** Fired after the connection dropped and was opened again. */
  readonly reconnected = new Listeners<[]>();
  /** Fired when the connection drops (before reconnecting). */
  readonly disconnected = new Listeners<[GregorError]>();
  /** Subscription pushes by `${topic}\u0000${partition}` (consumers register here). */
  readonly pushRoutes = new Map<string, (push: Push) => void>();
  readonly requestTimeoutMs: number;
  private conn: Connection;
  private reconnecting: Promise<Connection> | null = null;
  private closedByUser = false;
  private readonly reconnect: Required<ReconnectOptions> | null;
  private readonly consumers = new Set<Consumer>();
  private readonly producers = new Set<Producer>();

  private constructor(
    readonly url: string,
    private readonly platform: Platform,
    readonly encoder: BatchEncoder,
    connection: Connection,
    private readonly options: ClientOptions,
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const r = options.reconnect ?? true;
    this.reconnect = r === false ? null : { retries: 20, backoffMs: 100, maxBackoffMs: 5000, ...(r === true ? {} : r) };
    this.conn = connection;
    this.attach(connection);
  }

  /**
   * Connects to a gateway (`ws://host:9093`) and resolves once it greeted.
   * Errors: NETWORK_EXCEPTION, REQUEST_TIMED_OUT, UNSUPPORTED_VERSION.
   */
  static async connect(url: string, platform: Platform, options: ClientOptions = {}): Promise<GregorClient> {
    const [encoder, connection] = await Promise.all([platform.createEncoder(options.encoder), openConnection(url, platform, options)]);
    return new GregorClient(url, platform, encoder, connection, options);
  }

  /** The gateway's greeting (limits, cluster id). */
  get hello(): HelloFrame {
    return this.conn.hello;
  }

  /** Which encoder produces record batches: 'wasm', 'js' or 'broker'. */
  get encoderKind(): EncoderKind {
    return this.encoder.kind;
  }

  /** Bytes queued in the socket, not yet sent. */
  get bufferedAmount(): number {
    return this.conn.closed ? 0 : this.conn.bufferedAmount;
  }

  /** The open connection, reconnecting first if it dropped. Errors: NETWORK_EXCEPTION. */
  async connection(): Promise<Connection> {
    if (!this.conn.closed) return this.conn;
    if (this.closedByUser) throw new GregorError(ErrorCode.NETWORK_EXCEPTION, 'the client is closed');
    return this.reconnectNow();
  }

  /** Sends a request (see Connection.request). */
  async request<T = Record<string, unknown>>(frame: Record<string, unknown>, timeoutMs = this.requestTimeoutMs): Promise<T> {
    const connection = await this.connection();
    return connection.request<T>(frame, timeoutMs);
  }

  // ─── admin ────────────────────────────────────────────────────────────────────────────

  /**
   * Brokers and topics (every topic, or those named; unknown named topics are created when
   * `allowAutoCreate` (default true) and the broker's auto.create.topics.enable).
   * Per-topic failures are in each topic's `error`.
   */
  async metadata(topics?: string[] | null, options: { allowAutoCreate?: boolean } = {}): Promise<Metadata> {
    const r = await this.request<MetadataResult>({ op: 'metadata', topics: topics ?? null, allowAutoCreate: options.allowAutoCreate ?? true });
    return { clusterId: r.clusterId, controllerId: r.controllerId, brokers: r.brokers, topics: r.topics };
  }

  /**
   * Creates a topic. partitions: default `num.partitions`; configs: Kafka topic configs.
   * Errors: TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG.
   */
  async createTopic(topic: string, options: { partitions?: number; configs?: Record<string, string> } = {}): Promise<{ topic: string; topicId: string; partitions: number }> {
    const r = await this.request<{ topic: string; topicId: string; partitions: number }>({ op: 'createTopic', topic, partitions: options.partitions ?? -1, configs: options.configs ?? {} });
    return { topic: r.topic, topicId: r.topicId, partitions: r.partitions };
  }

  /** Deletes a topic. Errors: UNKNOWN_TOPIC_OR_PARTITION. */
  async deleteTopic(topic: string): Promise<void> {
    await this.request({ op: 'deleteTopic', topic });
  }

  /**
   * The offset for a timestamp (ms), or -1 latest / -2 earliest / -3 max timestamp;
   * offset -1 when no record is that recent. Errors: UNKNOWN_TOPIC_OR_PARTITION.
   */
  async listOffsets(topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number }> {
    const r = await this.request<ListOffsetsResult>({ op: 'listOffsets', topic, partition, timestamp });
    return { offset: r.offset, timestamp: r.timestamp };
  }

  /**
   * One fetch: the records from `offset` on (decoded client-side, CRC-checked when the
   * encoder has an engine). Errors: OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION,
   * CORRUPT_MESSAGE, UNSUPPORTED_COMPRESSION_TYPE.
   */
  async fetch(options: FetchOptions, codecs?: Codecs): Promise<FetchedRecords> {
    const r = await this.request<FetchResult>({ op: 'fetch', ...options }, this.requestTimeoutMs + (options.maxWaitMs ?? 0));
    const decoded = decodeBatches(r.batches, { topic: options.topic, partition: options.partition, fromOffset: r.offset, crc32c: this.crc32c(), codecs });
    return { records: decoded.records, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, nextOffset: decoded.nextOffset };
  }

  // ─── consumer groups (admin) ──────────────────────────────────────────────────────────

  /**
   * A group's committed offsets (offset -1: none) for these partitions, or every partition
   * it committed. Errors: INVALID_GROUP_ID, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE.
   */
  async committedOffsets(groupId: string, partitions: TopicPartition[] | null = null): Promise<TopicPartitionOffset[]> {
    return fetchOffsets((f, t) => this.request(f, t), groupId, partitions);
  }

  /**
   * Commits offsets (the next offset to read) for a group without members (generation -1),
   * e.g. to reset it. Errors: UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION while the group has
   * members; UNKNOWN_TOPIC_OR_PARTITION; INVALID_GROUP_ID.
   */
  async commitOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    await commitOffsets((f, t) => this.request(f, t), groupId, offsets);
  }

  /** Where a group's coordinator is (node id, Kafka listener, WebSocket port). Errors: COORDINATOR_NOT_AVAILABLE. */
  async findCoordinator(groupId: string): Promise<{ nodeId: number; host: string; port: number; websocketPort: number }> {
    const r = await findCoordinator((f, t) => this.request(f, t), groupId);
    return { nodeId: r.nodeId, host: r.host, port: r.port, websocketPort: r.websocketPort };
  }

  // ─── producers and consumers ──────────────────────────────────────────────────────────

  /** A batching producer on this connection (see producer.ts). */
  producer(options: ProducerOptions = {}): Producer {
    const producer = new Producer(this, options);
    this.producers.add(producer);
    return producer;
  }

  /** A consumer on this connection (see consumer.ts). */
  consumer(options: ConsumerOptions = {}): Consumer {
    const consumer = new Consumer(this, options);
    this.consumers.add(consumer);
    return consumer;
  }

  /** @internal A CRC-32C function for decoding, when the encoder has an engine. */
  crc32c(): ((bytes: Uint8Array) => number) | undefined {
    if (this.encoder.kind === 'broker') return undefined;
    return (bytes) => this.encoder.crc32c(bytes)!;
  }

  /** @internal Forgets a closed producer or consumer. */
  forget(member: Producer | Consumer): void {
    if (member instanceof Producer) this.producers.delete(member);
    else this.consumers.delete(member);
  }

  /** Flushes producers, closes consumers, then the connection. */
  async close(): Promise<void> {
    if (this.closedByUser) return;
    await Promise.allSettled([...this.producers].map((p) => p.close()));
    await Promise.allSettled([...this.consumers].map((c) => c.close()));
    this.closedByUser = true;
    this.conn.close();
  }

  private attach(connection: Connection): void {
    connection.pushes.add((push) => this.route(push));
    connection.closes.add((err) => {
      if (this.closedByUser) return;
      this.disconnected.emit(err);
      if (this.reconnect) this.reconnectNow().catch(() => {});
    });
  }

  private route(push: Push): void {
    const handler = this.pushRoutes.get(`${push.topic}\u0000${push.partition}`);
    handler?.(push as RecordsPush | ErrorFrame);
  }

  private reconnectNow(): Promise<Connection> {
    if (!this.reconnect) return Promise.reject(new GregorError(ErrorCode.NETWORK_EXCEPTION, `not connected to ${this.url} (reconnect disabled)`));
    if (this.reconnecting) return this.reconnecting;
    const { retries, backoffMs, maxBackoffMs } = this.reconnect;
    this.reconnecting = (async () => {
      let delay = backoffMs;
      let last: unknown;
      for (let attempt = 0; attempt < retries && !this.closedByUser; attempt++) {
        try {
          const connection = await openConnection(this.url, this.platform, this.options);
          this.conn = connection;
          this.attach(connection);
          this.reconnected.emit();
          return connection;
        } catch (err) {
          last = err;
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(maxBackoffMs, delay * 2);
        }
      }
      throw last instanceof GregorError ? last : new GregorError(ErrorCode.NETWORK_EXCEPTION, `cannot reconnect to ${this.url}`);
    })().finally(() => {
      this.reconnecting = null;
    });
    return this.reconnecting;
  }
}
