/**
 * Confluent REST Proxy v3 produce (docs.confluent.io kafka-rest api.html,
 * "POST /clusters/{cluster_id}/topics/{topic_name}/records"):
 *
 *   {"partition_id"?: n, "headers"?: [{"name", "value" (base64)}],
 *    "key"?: {"type": "BINARY"|"JSON"|"STRING", "data": …}, "value"?: {…}, "timestamp"?: ISO-8601}
 *
 * Answer per record: {"error_code": 200, "cluster_id", "topic_name", "partition_id", "offset",
 * "timestamp", "key": {"type", "size"}, "value": {"type", "size"}} or {"error_code": 4xx|5xx,
 * "message"}. One record per request answers with that object (and its status). In streaming
 * mode (`Transfer-Encoding: chunked`) the body is a sequence of such records, read and
 * produced as they arrive, and the answer streams one delivery report per record, in order;
 * a record that fails gets its error report and the stream goes on. Reading pauses while
 * MAX_IN_FLIGHT records wait for their acknowledgement.
 * Records are produced one batch each with acks=all through apis/produce-records.ts, to
 * this broker or forwarded to the partition's leader (partition-router.ts).
 */
import type { RequestContext } from '../../apis/api.js';
import { choosePartitions, produceRecords } from '../../apis/produce-records.js';
import type { RecordInput } from '../../engine/engine.js';
import { ErrorCode, KafkaError, errorName } from '../../protocol/error-codes.js';
import { type EmbeddedFormat, decodeEmbedded } from '../embedded-format.js';
import type { HttpExchange } from '../http-exchange.js';
import type { RestRequestContext } from '../rest-context.js';
import { JsonObjectSplitter } from '../json-objects.js';
import { RestError, invalidPayload, restErrorOf } from '../rest-error.js';

const ACKS_ALL = -1;
/** Records of one stream produced but not yet acknowledged before reading pauses. */
const MAX_IN_FLIGHT = 1000;

type Report = Record<string, unknown> & { error_code: number };

const TYPES: Record<string, EmbeddedFormat> = { BINARY: 'binary', JSON: 'json', STRING: 'string' };

function dataOf(field: unknown, name: string): { bytes: Uint8Array | null; type: string | null } {
  if (field === undefined || field === null) return { bytes: null, type: null };
  if (typeof field !== 'object' || Array.isArray(field)) throw invalidPayload(`${name} must be {"type", "data"}`);
  const { type = 'BINARY', data } = field as { type?: unknown; data?: unknown };
  const format = typeof type === 'string' ? TYPES[type.toUpperCase()] : undefined;
  if (!format) throw invalidPayload(`${name}.type must be BINARY, JSON or STRING (schemas need a registry)`);
  return { bytes: decodeEmbedded(format, data, `${name}.data`), type: (type as string).toUpperCase() };
}

interface V3Record {
  input: RecordInput;
  partition: number;
  keyType: string | null;
  valueType: string | null;
}

function parseRecord(text: string, partitionCount: number): V3Record {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new RestError(400, 400, `malformed JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidPayload('a record must be a JSON object');
  const r = body as Record<string, unknown>;
  let partition = -1;
  if (r['partition_id'] !== undefined && r['partition_id'] !== null) {
    partition = r['partition_id'] as number;
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) throw new RestError(404, 404, `partition ${String(r['partition_id'])} not found`);
  }
  let timestamp = Date.now();
  if (r['timestamp'] !== undefined && r['timestamp'] !== null) {
    timestamp = typeof r['timestamp'] === 'string' ? Date.parse(r['timestamp']) : Number.NaN;
    if (!Number.isFinite(timestamp) || timestamp < 0) throw invalidPayload('timestamp must be an ISO-8601 date-time');
  }
  const headers = r['headers'];
  if (headers !== undefined && headers !== null && !Array.isArray(headers)) throw invalidPayload('headers must be an array of {name, value}');
  const key = dataOf(r['key'], 'key');
  const value = dataOf(r['value'], 'value');
  return {
    input: {
      key: key.bytes,
      value: value.bytes,
      timestamp,
      headers: (headers as Array<{ name?: unknown; value?: unknown }> | undefined)?.map((h, i) => {
        if (typeof h?.name !== 'string') throw invalidPayload(`headers[${i}].name must be a string`);
        return { key: h.name, value: decodeEmbedded('binary', h.value, `headers[${i}].value`) };
      }),
    },
    partition,
    keyType: key.type,
    valueType: value.type,
  };
}

function errorReport(err: unknown): Report {
  const e = restErrorOf(err);
  return { error_code: e.status, message: e.message };
}

/** Produces one record (JSON text) and resolves to its delivery report (never rejects). */
async function produceOne(ctx: RestRequestContext, clusterId: string, topic: string, text: string): Promise<Report> {
  try {
    const count = ctx.broker.metadata.topic(topic)?.partitionCount;
    if (count === undefined) throw new RestError(404, 404, `Topic ${topic} not found.`);
    const record = parseRecord(text, count);
    const [outcome] = await produceRecords(ctx, topic, [record.input], choosePartitions(ctx.router.partitioned(topic, count), [record.input], [record.partition]), ACKS_ALL, ctx.router.produce);
    if (outcome!.result instanceof KafkaError) throw outcome!.result;
    return {
      error_code: 200,
      cluster_id: clusterId,
      topic_name: topic,
      partition_id: outcome!.partition,
      offset: outcome!.result.baseOffset,
      timestamp: new Date(record.input.timestamp!).toISOString(),
      key: record.keyType === null ? null : { type: record.keyType, size: record.input.key!.byteLength },
      value: record.valueType === null ? null : { type: record.valueType, size: record.input.value!.byteLength },
    };
  } catch (err) {
    if (err instanceof KafkaError) return { error_code: err.code === ErrorCode.TOPIC_AUTHORIZATION_FAILED ? 403 : 500, message: `${errorName(err.code)}: ${err.message}` };
    return errorReport(err);
  }
}

/** Checks the route's cluster id against this cluster's (404 otherwise). */
export function checkCluster(ctx: RequestContext, clusterId: string): void {
  if (clusterId !== ctx.broker.clusterId) throw new RestError(404, 404, `Cluster ${clusterId} not found.`);
}

/** One record per request: its report is the answer, with the report's status. */
export async function produceSingle(ctx: RestRequestContext, ex: HttpExchange, clusterId: string, topic: string, maxBytes: number): Promise<Report> {
  checkCluster(ctx, clusterId);
  const body = await ex.body(maxBytes);
  const report = await produceOne(ctx, clusterId, topic, body.toString('utf8'));
  if (report.error_code !== 200) throw new RestError(report.error_code, report.error_code, String(report['message']));
  return report;
}

/**
 * Streaming mode: reads records as they arrive and writes one report per record, in order,
 * until the request body ends; then ends the answer. Resolves when done.
 */
export function produceStream(ctx: RestRequestContext, ex: HttpExchange, clusterId: string, topic: string, maxRecordBytes: number): Promise<void> {
  checkCluster(ctx, clusterId);
  const splitter = new JsonObjectSplitter(maxRecordBytes);
  ex.beginStream(200, 'application/json');
  return new Promise<void>((resolve) => {
    let tail: Promise<void> = Promise.resolve();
    let inFlight = 0;
    let ended = false;
    const finish = () => {
      ex.endStream();
      resolve();
    };
    ex.onAbort(resolve);
    ex.streamBody((chunk, last) => {
      if (ended) return;
      let texts: string[];
      try {
        texts = splitter.push(chunk);
        if (last && !splitter.atBoundary) throw new Error('the request ended inside a record');
      } catch (err) {
        // The stream cannot be resynchronised: report once, answer what came before, stop.
        ended = true;
        const report = errorReport(invalidPayload((err as Error).message));
        void tail.then(() => {
          ex.write(`${JSON.stringify(report)}\n`);
          finish();
        });
        return;
      }
      for (const text of texts) {
        const report = produceOne(ctx, clusterId, topic, text);
        inFlight++;
        if (inFlight >= MAX_IN_FLIGHT) ex.pauseBody();
        tail = tail.then(async () => {
          ex.write(`${JSON.stringify(await report)}\n`);
          inFlight--;
          if (inFlight < MAX_IN_FLIGHT / 2) ex.resumeBody();
        });
      }
      if (last) {
        ended = true;
        void tail.then(finish);
      }
    });
  });
}
