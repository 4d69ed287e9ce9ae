/**
 * REST Proxy v2 produce (docs.confluent.io kafka-rest api.html, "POST /topics/(topic)"):
 *
 *   POST /topics/{t}                   {"records": [{"key"?, "value", "partition"?, "headers"?}]}
 *   POST /topics/{t}/partitions/{p}    {"records": [{"key"?, "value", "headers"?}]}
 *   Content-Type: application/vnd.kafka.{binary,json,string}.v2+json (embedded-format.ts)
 *
 * Answer: {"key_schema_id": null, "value_schema_id": null, "offsets": [{partition, offset,
 * error_code, error}]}, one entry per record in request order. A record whose partition could
 * not be written has error_code 1 (non-retriable Kafka error) or 2 (retriable: e.g.
 * NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS) and `error` naming the Kafka error, as Confluent
 * reports them; the other partitions' records are written. `headers` (a Gregor addition, as in
 * v3) is `[{"name": "k", "value": "<base64>"}]`.
 * Errors of the whole request: 40401, 40402, 42206 (bad records), 415, 400, 413, 40301.
 * Records go through the Produce handler with acks=all (produce-records.ts), so validation,
 * ACLs (WRITE on the topic) and quotas are the Kafka listeners'; a partition another broker
 * leads gets its batch forwarded to that leader (partition-router.ts), so one broker's REST
 * port writes to every partition of the cluster.
 */
import { choosePartitions, produceRecords } from '../../apis/produce-records.js';
import type { RecordInput } from '../../engine/engine.js';
import { ErrorCode, KafkaError, errorName, isRetriable } from '../../protocol/error-codes.js';
import { type EmbeddedFormat, decodeEmbedded } from '../embedded-format.js';
import type { RestRequestContext } from '../rest-context.js';
import { RestError, invalidPayload, partitionNotFound, topicNotFound } from '../rest-error.js';

/** acks of REST produce requests: all in-sync replicas, Kafka 3's producer default. */
const ACKS_ALL = -1;

interface OffsetEntry {
  partition: number | null;
  offset: number | null;
  error_code: number | null;
  error: string | null;
}

function headersOf(value: unknown, at: number): RecordInput['headers'] {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidPayload(`records[${at}].headers must be an array of {name, value}`);
  return value.map((h, i) => {
    if (typeof h !== 'object' || h === null || typeof (h as { name?: unknown }).name !== 'string') {
      throw invalidPayload(`records[${at}].headers[${i}] must be {"name": string, "value": base64 string | null}`);
    }
    return { key: (h as { name: string }).name, value: decodeEmbedded('binary', (h as { value?: unknown }).value, `records[${at}].headers[${i}].value`) };
  });
}

/**
 * Produces `body` (the parsed request) to `topic` (to `fixedPartition` when the route names
 * one, as its raw path segment). Throws RestError for the whole request's failures.
 */
export async function produceToTopic(ctx: RestRequestContext, topic: string, fixedPartition: string | null, format: EmbeddedFormat, body: unknown) {
  const count = ctx.broker.metadata.topic(topic)?.partitionCount;
  if (count === undefined) throw topicNotFound(topic);
  let routePartition = -1;
  if (fixedPartition !== null) {
    routePartition = Number(fixedPartition);
    if (!/^\d+$/.test(fixedPartition) || routePartition >= count) throw partitionNotFound(topic, routePartition);
  }
  const list = (body as { records?: unknown } | null)?.records;
  if (typeof body !== 'object' || body === null || !Array.isArray(list) || list.length === 0) throw invalidPayload('the body must be {"records": [ … ]} with at least one record');
  const now = Date.now();
  const requested: number[] = [];
  const records = list.map((r, i): RecordInput => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalidPayload(`records[${i}] must be an object`);
    const rec = r as Record<string, unknown>;
    let p = routePartition;
    if (rec['partition'] !== undefined && rec['partition'] !== null) {
      if (fixedPartition !== null) throw invalidPayload(`records[${i}].partition is not allowed when the URL names the partition`);
      p = rec['partition'] as number;
      if (!Number.isInteger(p) || p < 0) throw invalidPayload(`records[${i}].partition must be a non-negative integer`);
      if (p >= count) throw partitionNotFound(topic, p);
    }
    requested.push(p);
    return { key: decodeEmbedded(format, rec['key'], `records[${i}].key`), value: decodeEmbedded(format, rec['value'], `records[${i}].value`), headers: headersOf(rec['headers'], i), timestamp: now };
  });
  let outcomes;
  try {
    outcomes = await produceRecords(ctx, topic, records, choosePartitions(ctx.router.partitioned(topic, count), records, requested), ACKS_ALL, ctx.router.produce);
  } catch (err) {
    if (err instanceof KafkaError) throw invalidPayload(err.message);
    throw err;
  }
  const offsets: OffsetEntry[] = new Array(records.length);
  for (const o of outcomes) {
    o.indexes.forEach((recordIndex, k) => {
      if (o.result instanceof KafkaError) {
        if (o.result.code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) throw new RestError(403, 40301, `Not authorized to access topics: [${topic}]`);
        offsets[recordIndex] = { partition: o.partition, offset: null, error_code: isRetriable(o.result.code) ? 2 : 1, error: `${errorName(o.result.code)}: ${o.result.message}` };
      } else {
        offsets[recordIndex] = { partition: o.partition, offset: o.result.baseOffset + k, error_code: null, error: null };
      }
    });
  }
  return { key_schema_id: null, value_schema_id: null, offsets };
}
