/**
 * REST Proxy v2 consumer instances (docs.confluent.io kafka-rest api.html, "Consumers"):
 *
 *   POST   /consumers/{g}                       {name?, format?, auto.offset.reset?, auto.commit.enable?}
 *                                               → {instance_id, base_uri}
 *   DELETE /consumers/{g}/instances/{i}
 *   POST   …/subscription {topics} | {topic_pattern} · GET …/subscription → {topics} · DELETE …/subscription
 *   POST   …/assignments {partitions} · GET …/assignments → {partitions}
 *   POST   …/positions {offsets} · …/positions/beginning {partitions} · …/positions/end {partitions}
 *   POST   …/offsets [{offsets}]  (no body: what records() handed out)
 *   GET    …/offsets {partitions} → {offsets: [{topic, partition, offset, metadata}]}
 *   GET    …/records?timeout=&max_bytes=  → [{topic, key, value, partition, offset, timestamp, headers}]
 *
 * Errors: 40403 unknown instance (or one another principal owns), 40902 name taken, 40903
 * topics and a pattern mixed, 42204 a pattern that does not compile, 40601
 * records asked for in another embedded format than the instance's, 42206 bad bodies, the
 * Kafka errors of the group (50002 with the name; 40301 when the group or topic is not
 * authorized). The instance itself is consumers/consumer-instance.ts.
 */
import { GregorError } from '../../client/errors.js';
import type { TopicPartition, TopicPartitionOffset } from '../../client/records.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { Platform } from '../../client/platform.js';
import type { RestConsumerInstance } from '../consumers/consumer-instance.js';
import type { ConsumerRegistry } from '../consumers/consumer-registry.js';
import { type EmbeddedFormat, parseJsonBody } from '../embedded-format.js';
import type { HttpExchange } from '../http-exchange.js';
import type { RestRequestContext } from '../rest-context.js';
import { RestError, invalidPayload } from '../rest-error.js';
import { recordJson } from './records.js';

/** What consumer routes need beyond the request. */
export interface ConsumerServices {
  registry: ConsumerRegistry;
  /** The gateway's own WebSocket URL (null while it is not listening). */
  gatewayUrl(): string | null;
  /**
   * How instances open their WebSocket to it (loopback-platform.ts), resolved at the first
   * instance: the client library it brings is not loaded by a broker that has none (issue 12).
   */
  platform: () => Promise<Platform>;
  maxRequestBytes: number;
}

const NAME = /^[A-Za-z0-9._-]{1,249}$/;
const READ_BUFFER_BYTES = 4 * 1024 * 1024;
const MAX_RECORDS_WAIT_MS = 30_000;

/** The Kafka form of a client error: a GregorError's code becomes the REST error of that Kafka error. */
export function restOfClientError(err: unknown): unknown {
  if (!(err instanceof GregorError)) return err;
  if (err.code === ErrorCode.GROUP_AUTHORIZATION_FAILED || err.code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) return new RestError(403, 40301, err.message);
  return new RestError(500, 50002, err.message);
}

async function jsonBody(ex: HttpExchange, services: ConsumerServices): Promise<Record<string, unknown>> {
  const raw = await ex.body(services.maxRequestBytes);
  if (raw.length === 0) return {};
  const body = parseJsonBody(raw);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidPayload('the body must be a JSON object');
  return body as Record<string, unknown>;
}

function partitionsOf(value: unknown, field: string): TopicPartition[] {
  if (!Array.isArray(value)) throw invalidPayload(`${field} must be an array of {topic, partition}`);
  return value.map((p, i) => {
    const { topic, partition } = (p ?? {}) as { topic?: unknown; partition?: unknown };
    if (typeof topic !== 'string' || !Number.isInteger(partition) || (partition as number) < 0) throw invalidPayload(`${field}[${i}] must be {topic, partition}`);
    return { topic, partition: partition as number };
  });
}

function offsetsOf(value: unknown): TopicPartitionOffset[] {
  if (!Array.isArray(value)) throw invalidPayload('offsets must be an array of {topic, partition, offset}');
  return value.map((o, i) => {
    const offset = (o as { offset?: unknown } | null)?.offset;
    if (!Number.isInteger(offset) || (offset as number) < 0) throw invalidPayload(`offsets[${i}].offset must be a non-negative integer`);
    return { ...partitionsOf([o], 'offsets')[0]!, offset: offset as number };
  });
}

/** Runs `op` on the instance, mapping the client library's errors to REST errors. */
async function onInstance<T>(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices, op: (i: RestConsumerInstance) => Promise<T>): Promise<T> {
  const instance = services.registry.get(ex.params[0]!, ex.params[1]!, ctx.session.principal);
  try {
    return await op(instance);
  } catch (err) {
    throw restOfClientError(err);
  }
}

export async function createInstance(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices) {
  const group = ex.params[0]!;
  const body = await jsonBody(ex, services);
  const name = body['name'] ?? `rest-${Math.random().toString(36).slice(2, 10)}`;
  if (typeof name !== 'string' || !NAME.test(name)) throw invalidPayload('name must be 1-249 of [A-Za-z0-9._-]');
  const format = body['format'] ?? 'binary';
  if (format !== 'binary' && format !== 'json' && format !== 'string') throw invalidPayload('format must be binary, json or string (schemas need a registry)');
  const reset = body['auto.offset.reset'] ?? 'latest';
  if (reset !== 'earliest' && reset !== 'latest') throw invalidPayload('auto.offset.reset must be earliest or latest');
  const autoCommit = String(body['auto.commit.enable'] ?? 'true');
  if (autoCommit !== 'true' && autoCommit !== 'false') throw invalidPayload('auto.commit.enable must be "true" or "false"');
  if (services.registry.has(group, name)) throw new RestError(409, 40902, 'Consumer with specified consumer ID already exists in the specified consumer group.');
  const url = services.gatewayUrl();
  if (!url) throw new RestError(503, 50003, 'the gateway is not listening');
  const c = ctx.credentials;
  // Imported at the first instance, with the client library (issue 12, idle RSS).
  const [{ RestConsumerInstance }, platform] = await Promise.all([import('../consumers/consumer-instance.js'), services.platform()]);
  let instance: RestConsumerInstance;
  try {
    instance = await RestConsumerInstance.open(
      { group, name, owner: ctx.session.principal, format: format as EmbeddedFormat, autoOffsetReset: reset, autoCommit: autoCommit === 'true', bufferBytes: READ_BUFFER_BYTES },
      url,
      platform,
      c?.sasl ? { sasl: c.sasl } : c?.token ? { token: c.token } : {},
    );
  } catch (err) {
    throw restOfClientError(err);
  }
  if (services.registry.has(group, name)) {
    await instance.close();
    throw new RestError(409, 40902, 'Consumer with specified consumer ID already exists in the specified consumer group.');
  }
  services.registry.add(instance);
  return { instance_id: name, base_uri: `http://${ex.host || '127.0.0.1'}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(name)}` };
}

export async function deleteInstance(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices): Promise<void> {
  const instance = services.registry.get(ex.params[0]!, ex.params[1]!, ctx.session.principal);
  await services.registry.remove(instance);
}

/** Kafka's IllegalStateException for mixing subscription kinds, as Confluent reports it (40903). */
const mutuallyExclusive = () => new RestError(409, 40903, 'Illegal state: Subscription to topics, partitions and pattern are mutually exclusive');

/**
 * `{"topics": [...]}` or `{"topic_pattern": "regex"}` (never both: 40903). The pattern is a
 * JavaScript regular expression matched against whole topic names (Kafka's Pattern.matches);
 * one that does not compile is 42204. A pattern after a topic list, or a topic list after a
 * pattern, is 40903 until DELETE …/subscription, as Kafka's consumer refuses it.
 */
export async function subscribe(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices): Promise<void> {
  const body = await jsonBody(ex, services);
  const topics = body['topics'] ?? null;
  const pattern = body['topic_pattern'] ?? null;
  if (pattern !== null) {
    if (topics !== null) throw mutuallyExclusive();
    if (typeof pattern !== 'string' || pattern === '') throw invalidPayload('topic_pattern must be a non-empty string (a regular expression)');
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${pattern})$`);
    } catch (err) {
      throw new RestError(422, 42204, `Invalid consumer configuration: topic_pattern is not a regular expression: ${(err as Error).message}`);
    }
    await onInstance(ctx, ex, services, async (i) => {
      if (i.subscriptionKind() === 'topics') throw mutuallyExclusive();
      await i.subscribePattern(regex);
    });
    return;
  }
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string')) throw invalidPayload('topics must be a non-empty array of topic names (or give topic_pattern)');
  await onInstance(ctx, ex, services, async (i) => {
    if (i.subscriptionKind() === 'pattern') throw mutuallyExclusive();
    await i.subscribe(topics as string[]);
  });
}

export const getSubscription = (ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices) => onInstance(ctx, ex, services, async (i) => ({ topics: i.subscription() }));
export const unsubscribe = (ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices) => onInstance(ctx, ex, services, (i) => i.unsubscribe());

export async function assign(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices): Promise<void> {
  const partitions = partitionsOf((await jsonBody(ex, services))['partitions'], 'partitions');
  await onInstance(ctx, ex, services, (i) => i.assign(partitions));
}

export const getAssignments = (ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices) => onInstance(ctx, ex, services, async (i) => ({ partitions: i.assignment() }));

export async function seek(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices, to: 'offsets' | 'beginning' | 'end'): Promise<void> {
  const body = await jsonBody(ex, services);
  const targets = to === 'offsets' ? offsetsOf(body['offsets']) : partitionsOf(body['partitions'], 'partitions').map((p) => ({ ...p, offset: to === 'beginning' ? -2 : -1 }));
  await onInstance(ctx, ex, services, (i) => i.seek(targets));
}

export async function commit(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices): Promise<void> {
  const body = await jsonBody(ex, services);
  const offsets = body['offsets'] === undefined ? undefined : offsetsOf(body['offsets']);
  await onInstance(ctx, ex, services, (i) => i.commit(offsets));
}

export async function committed(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices) {
  const partitions = partitionsOf((await jsonBody(ex, services))['partitions'], 'partitions');
  const offsets = await onInstance(ctx, ex, services, (i) => i.committed(partitions));
  return { offsets: offsets.map((o) => ({ ...o, metadata: '' })) };
}

export async function records(ctx: RestRequestContext, ex: HttpExchange, services: ConsumerServices) {
  const instance = services.registry.get(ex.params[0]!, ex.params[1]!, ctx.session.principal);
  const asked = /application\/vnd\.kafka\.(binary|json|string)\.v2\+json/.exec(ex.accept.toLowerCase())?.[1];
  if (asked && asked !== instance.config.format) {
    throw new RestError(406, 40601, 'The requested embedded data format does not match the deserializer for this consumer instance');
  }
  const timeout = Math.min(Number(ex.query.get('timeout') ?? 1000) || 0, MAX_RECORDS_WAIT_MS);
  const maxBytes = Number(ex.query.get('max_bytes') ?? 64 * 1024 * 1024) || 64 * 1024 * 1024;
  const got = await onInstance(ctx, ex, services, (i) => i.records(maxBytes, Math.max(0, timeout)));
  const err = instance.takeError();
  if (got.length === 0 && err) throw restOfClientError(err);
  return got.map((r) => recordJson(r, instance.config.format));
}
