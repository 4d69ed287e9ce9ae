/**
 * The producer and consumer tiers of the end-to-end audit (issue 15, docs/audit.md) around
 * KafkaJS clients, counted with {@link ClientAuditTier}:
 *
 *   const producer = auditKafkaJsProducer(kafka.producer());
 *   const consumer = auditKafkaJsConsumer(kafka.consumer({ groupId: 'g1' }), { groupId: 'g1', producer });
 *
 * The producer wrapper counts every message handed to `send`/`sendBatch` (topics starting
 * with `__` are not audited), per topic × bucket of the message's timestamp, and stamps
 * messages that have none with the time it counted them, so the broker sees the same bucket.
 * The consumer wrapper counts every message delivered to `eachMessage` or in an `eachBatch`
 * batch. Reports go to `__audit` through a KafkaJS producer (the wrapped one; for a consumer,
 * `options.producer`, connected by the caller) with acks=-1, every `reportIntervalMs` and on
 * `disconnect()` (before the client disconnects). Bytes are key + value bytes. Typed
 * structurally: kafkajs need not be installed to build this.
 */
import { AUDIT_TOPIC } from '../audit-report.js';
import { ClientAuditTier } from '../client-tier.js';

type Bytes = Buffer | string | null;
interface KafkaJsMessage { key?: Bytes; value: Bytes; timestamp?: string }
interface KafkaJsRecord { topic: string; messages: KafkaJsMessage[]; acks?: number; [k: string]: unknown }
/** The KafkaJS producer methods the wrapper uses. */
export interface KafkaJsProducerLike {
  send(record: KafkaJsRecord): Promise<unknown>;
  sendBatch(batch: { topicMessages?: Array<{ topic: string; messages: KafkaJsMessage[] }>; [k: string]: unknown }): Promise<unknown>;
  disconnect(): Promise<void>;
}
interface KafkaJsRunConfig {
  // method syntax: KafkaJS's handlers take richer payloads (parameters are compared bivariantly)
  eachMessage?(payload: { topic: string; message: KafkaJsMessage; [k: string]: unknown }): Promise<void>;
  eachBatch?(payload: { batch: { topic: string; messages: KafkaJsMessage[] }; [k: string]: unknown }): Promise<void>;
  [k: string]: unknown;
}
/** The KafkaJS consumer methods the wrapper uses. */
export interface KafkaJsConsumerLike {
  /** KafkaJS's `run(config: ConsumerRunConfig)`; `never` accepts its richer handler payloads. */
  run(config?: never): Promise<void>;
  disconnect(): Promise<void>;
}

export interface KafkaJsAuditOptions {
  /** Bucket width, ms: the brokers' `gregor.audit.bucket.ms` (default 600000). */
  bucketMs?: number;
  /** How often to report, ms (default 60000; 0: only on disconnect). */
  reportIntervalMs?: number;
}

const size = (b: Bytes | undefined) => (b == null ? 0 : typeof b === 'string' ? Buffer.byteLength(b) : b.byteLength);
const timestampOf = (m: KafkaJsMessage) => (m.timestamp === undefined ? -1 : Number(m.timestamp));

function tierFor(tier: 'producer' | 'consumer', group: string | null, producer: KafkaJsProducerLike, options: KafkaJsAuditOptions): ClientAuditTier {
  return new ClientAuditTier({
    tier,
    group,
    bucketMs: options.bucketMs,
    reportIntervalMs: options.reportIntervalMs,
    publish: async ({ key, value }) => {
      await producer.send({ topic: AUDIT_TOPIC, acks: -1, messages: [{ key: Buffer.from(key), value: Buffer.from(value) }] });
    },
  });
}

/** `producer` with the producer tier; `audit` is the tier (its `report()` publishes now). */
export function auditKafkaJsProducer<P extends KafkaJsProducerLike>(producer: P, options: KafkaJsAuditOptions = {}): P & { audit: ClientAuditTier } {
  const audit = tierFor('producer', null, producer, options);
  const count = (topic: string, messages: KafkaJsMessage[]): KafkaJsMessage[] => {
    if (topic.startsWith('__')) return messages;
    return messages.map((m) => {
      const stamped = m.timestamp === undefined ? { ...m, timestamp: String(Date.now()) } : m;
      audit.count(topic, timestampOf(stamped), size(m.key) + size(m.value));
      return stamped;
    });
  };
  return Object.assign(Object.create(producer) as P, {
    audit,
    send: (record: KafkaJsRecord) => producer.send({ ...record, messages: count(record.topic, record.messages) }),
    sendBatch: (batch: Parameters<P['sendBatch']>[0]) => producer.sendBatch({ ...batch, topicMessages: batch.topicMessages?.map((t) => ({ ...t, messages: count(t.topic, t.messages) })) }),
    disconnect: async () => {
      await audit.close().catch(() => {});
      await producer.disconnect();
    },
  });
}

/** `consumer` of group `groupId` with the consumer tier, reporting through `options.producer`. */
export function auditKafkaJsConsumer<C extends KafkaJsConsumerLike>(consumer: C, options: KafkaJsAuditOptions & { groupId: string; producer: KafkaJsProducerLike }): C & { audit: ClientAuditTier } {
  const audit = tierFor('consumer', options.groupId, options.producer, options);
  const count = (topic: string, m: KafkaJsMessage) => {
    if (!topic.startsWith('__')) audit.count(topic, timestampOf(m), size(m.key) + size(m.value));
  };
  return Object.assign(Object.create(consumer) as C, {
    audit,
    run: (config: KafkaJsRunConfig = {}) => (consumer.run as unknown as (c: KafkaJsRunConfig) => Promise<void>).call(consumer, {
      ...config,
      ...(config.eachMessage ? { eachMessage: async (p: Parameters<NonNullable<KafkaJsRunConfig['eachMessage']>>[0]) => {
        count(p.topic, p.message);
        await config.eachMessage!(p);
      } } : {}),
      ...(config.eachBatch ? { eachBatch: async (p: Parameters<NonNullable<KafkaJsRunConfig['eachBatch']>>[0]) => {
        for (const m of p.batch.messages) count(p.batch.topic, m);
        await config.eachBatch!(p);
      } } : {}),
    }),
    disconnect: async () => {
      await audit.close().catch(() => {});
      await consumer.disconnect();
    },
  });
}
