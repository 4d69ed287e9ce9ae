/**
 * The producer and consumer tiers of the end-to-end audit (issue 15, docs/audit.md) around
 * @platformatic/kafka clients with Buffer (or string) keys and values, counted with
 * {@link ClientAuditTier}:
 *
 *   const producer = auditPlatformaticProducer(new Producer({ ... }));
 *   const stream = auditPlatformaticStream(await consumer.consume({ topics }), { groupId, producer });
 *
 * The producer wrapper counts every message handed to `send()` (topics starting with `__`
 * are not audited) per topic × bucket of its timestamp, stamping messages without one with the
 * time it counted them, so the broker sees the same bucket. The stream wrapper counts every
 * message the MessagesStream delivers (its 'data' event, which flowing mode, `read()` and
 * `for await` all go through). Reports go to `__audit` through a @platformatic/kafka producer
 * (the wrapped one; for a stream, `options.producer`) with acks=-1, every `reportIntervalMs`
 * and on `close()` (before the client closes). Bytes are key + value bytes. Typed
 * structurally.
 */
import { AUDIT_TOPIC } from '../audit-report.js';
import { ClientAuditTier } from '../client-tier.js';

type Bytes = Buffer | string | null | undefined;
interface PlatformaticMessage { topic: string; key?: Bytes; value?: Bytes; timestamp?: bigint }
/** The @platformatic/kafka Producer methods the wrapper uses (promise forms). */
export interface PlatformaticProducerLike {
  /** Producer.send(options: SendOptions); `never` accepts its generic options. */
  send(options: never): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}
/** The MessagesStream parts the wrapper uses. */
export interface PlatformaticStreamLike {
  emit(event: string | symbol, ...args: unknown[]): boolean;
  close(): Promise<void>;
}

export interface PlatformaticAuditOptions {
  /** Bucket width, ms: the brokers' `gregor.audit.bucket.ms` (default 600000). */
  bucketMs?: number;
  /** How often to report, ms (default 60000; 0: only on close). */
  reportIntervalMs?: number;
}

type Send = (options: { messages: PlatformaticMessage[]; acks?: number; [k: string]: unknown }) => Promise<unknown>;
const size = (b: Bytes) => (b == null ? 0 : typeof b === 'string' ? Buffer.byteLength(b) : b.byteLength);
const timestampOf = (m: PlatformaticMessage) => (m.timestamp === undefined ? -1 : Number(m.timestamp));
const sendOf = (p: PlatformaticProducerLike) => (p.send as unknown as Send).bind(p);

function tierFor(tier: 'producer' | 'consumer', group: string | null, send: Send, options: PlatformaticAuditOptions): ClientAuditTier {
  return new ClientAuditTier({
    tier,
    group,
    bucketMs: options.bucketMs,
    reportIntervalMs: options.reportIntervalMs,
    publish: async ({ key, value }) => {
      await send({ messages: [{ topic: AUDIT_TOPIC, key: Buffer.from(key), value: Buffer.from(value) }], acks: -1 });
    },
  });
}

/** `producer` with the producer tier; `audit` is the tier (its `report()` publishes now). */
export function auditPlatformaticProducer<P extends PlatformaticProducerLike>(producer: P, options: PlatformaticAuditOptions = {}): P & { audit: ClientAuditTier } {
  const send = sendOf(producer);
  const audit = tierFor('producer', null, send, options);
  const wrapped: Send = (sendOptions) => send({
    ...sendOptions,
    messages: sendOptions.messages.map((m) => {
      if (m.topic.startsWith('__')) return m;
      const stamped = m.timestamp === undefined ? { ...m, timestamp: BigInt(Date.now()) } : m;
      audit.count(m.topic, timestampOf(stamped), size(m.key) + size(m.value));
      return stamped;
    }),
  });
  return Object.assign(Object.create(producer) as P, {
    audit,
    send: wrapped,
    close: async (force?: boolean) => {
      await audit.close().catch(() => {});
      await producer.close(force);
    },
  });
}

/** `stream` (a MessagesStream of group `groupId`) with the consumer tier, reporting through `options.producer`; `audit` is the tier. */
export function auditPlatformaticStream<S extends PlatformaticStreamLike>(stream: S, options: PlatformaticAuditOptions & { groupId: string; producer: PlatformaticProducerLike }): S & { audit: ClientAuditTier } {
  const audit = tierFor('consumer', options.groupId, sendOf(options.producer), options);
  const emit = stream.emit.bind(stream);
  const close = stream.close.bind(stream);
  return Object.assign(stream, {
    audit,
    emit: (event: string | symbol, ...args: unknown[]) => {
      const m = args[0] as PlatformaticMessage | undefined;
      if (event === 'data' && m && typeof m.topic === 'string' && !m.topic.startsWith('__')) audit.count(m.topic, timestampOf(m), size(m.key) + size(m.value));
      return emit(event, ...args);
    },
    close: async () => {
      await audit.close().catch(() => {});
      await close();
    },
  });
}
