/**
 * Stateless reads of one partition by offset — what Confluent REST Proxy v2's
 * `GET /topics/{t}/partitions/{p}/messages?offset=&count=` did — with record headers and
 * timestamps (kafka-rest #1133), and the same as a stream of Server-Sent Events:
 *
 *   GET /topics/{t}/partitions/{p}/records?offset=N|beginning|end&count=&max_bytes=&timeout=&isolation_level=
 *   GET /topics/{t}/partitions/{p}/messages?offset=N&count=        (v2's name, same answer)
 *       Accept: application/vnd.kafka.{binary,json,string}.v2+json (default binary)
 *       → [{topic, key, value, partition, offset, timestamp, headers: [{name, value (base64)}]}]
 *   GET /topics/{t}/partitions/{p}/records   with Accept: text/event-stream
 *       → `id: <offset>`, `event: record`, `data: <the record's JSON>` per record, from
 *         `offset` (default end), or from after the `Last-Event-ID` header when the
 *         browser's EventSource reconnects — so a dropped stream resumes without gaps or
 *         duplicates. A comment line every 15 s keeps idle streams open; an error after the
 *         stream started is sent as `event: error` and ends it.
 *
 * Reads go through the Fetch handler (apis/fetch-partition.ts): READ on the topic,
 * read_committed up to the last stable offset; a partition another broker leads is fetched
 * from that leader (partition-router.ts), so one broker's REST port reads every partition.
 */
import type { RequestContext } from '../../apis/api.js';
import type { Codecs } from '../../client/decode.js';
import type { ConsumerRecord } from '../../client/records.js';
import { topicPermitted } from '../../apis/authorize.js';
import { AclOperation } from '../../security/authorizer.js';
import { decompress } from '../../storage/cleaner/compression.js';
import { type EmbeddedFormat, encodeEmbedded } from '../embedded-format.js';
import type { HttpExchange } from '../http-exchange.js';
import type { RestRequestContext } from '../rest-context.js';
import { RestError, restErrorOf, topicNotFound } from '../rest-error.js';
import { partitionIndex } from './metadata.js';

const CODECS: Codecs = { gzip: (b) => decompress(1, b), snappy: (b) => decompress(2, b), lz4: (b) => decompress(3, b), zstd: (b) => decompress(4, b) };
const DEFAULT_MAX_BYTES = 1024 * 1024;
const MAX_WAIT_MS = 30_000;
/** Long poll of each fetch of a stream (ms): how late a stream notices its client left. */
const STREAM_POLL_MS = 1000;
const KEEPALIVE_MS = 15_000;

/** A record as REST answers carry it. */
export function recordJson(r: ConsumerRecord, format: EmbeddedFormat) {
  return {
    topic: r.topic,
    key: encodeEmbedded(format, r.key),
    value: encodeEmbedded(format, r.value),
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    headers: r.headers.map((h) => ({ name: h.key, value: h.value === null ? null : Buffer.from(h.value).toString('base64') })),
  };
}

interface ReadRequest {
  topic: string;
  partition: number;
  /** First offset to read; -2 beginning, -1 end. */
  offset: number;
  maxBytes: number;
  isolationLevel: 0 | 1;
}

function integerParam(ex: HttpExchange, name: string, min: number, max: number, fallback: number): number {
  const raw = ex.query.get(name);
  if (raw === null || raw === '') return fallback;
  const v = Number(raw);
  if (!/^-?\d+$/.test(raw) || v < min || v > max) throw new RestError(422, 42202, `${name} must be an integer in [${min}, ${max}]`);
  return v;
}

function readRequest(ctx: RequestContext, ex: HttpExchange, defaultOffset: 'beginning' | 'end'): ReadRequest {
  const topic = ex.params[0]!;
  if (!ctx.broker.metadata.topic(topic)) throw topicNotFound(topic);
  const partition = partitionIndex(ctx, topic, ex.params[1]!);
  const raw = ex.query.get('offset') ?? defaultOffset;
  let offset: number;
  if (raw === 'beginning') offset = -2;
  else if (raw === 'end') offset = -1;
  else offset = integerParam(ex, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
  const isolation = ex.query.get('isolation_level') ?? 'read_uncommitted';
  if (isolation !== 'read_uncommitted' && isolation !== 'read_committed') throw new RestError(422, 42202, 'isolation_level must be read_uncommitted or read_committed');
  return { topic, partition, offset, maxBytes: integerParam(ex, 'max_bytes', 1, 64 * 1024 * 1024, DEFAULT_MAX_BYTES), isolationLevel: isolation === 'read_committed' ? 1 : 0 };
}

/**
 * The first offset to read: `r.offset`, or where -2 / -1 point now (log start offset / high
 * watermark, or the last stable offset for read_committed) on the partition's leader. Checks
 * READ on the topic first.
 */
async function resolveStart(ctx: RestRequestContext, r: ReadRequest): Promise<number> {
  if (!topicPermitted(ctx, AclOperation.READ, r.topic)) throw new RestError(403, 40301, `Not authorized to access topics: [${r.topic}]`);
  if (r.offset >= 0) return r.offset;
  return ctx.router.offset(ctx, r.topic, r.partition, r.offset === -2 ? -2 : -1, r.isolationLevel);
}

/** Reads records from `offset` (at most `count`), waiting up to `maxWaitMs` for the first. */
async function readFrom(ctx: RestRequestContext, r: ReadRequest, offset: number, count: number, maxWaitMs: number) {
  const fetched = await ctx.router.fetch(ctx, r.topic, r.partition, offset, { maxBytes: r.maxBytes, maxWaitMs, minBytes: 1, isolationLevel: r.isolationLevel });
  try {
    // The client's record decoder (and fflate) is imported at the first REST read, not with the gateway (issue 12, idle RSS).
    const { decodeBatches } = await import('../../client/decode.js');
    const decoded = decodeBatches(fetched.batches, { topic: r.topic, partition: r.partition, fromOffset: offset, codecs: CODECS });
    const records = decoded.records.slice(0, count);
    const next = records.length < decoded.records.length ? records[records.length - 1]!.offset + 1 : decoded.nextOffset;
    return { records, next };
  } finally {
    fetched.release?.();
  }
}

/**
 * The embedded format a read answers in: from `?format=` (EventSource cannot set headers),
 * else the Accept header's `application/vnd.kafka.<format>.v2+json`, else binary.
 */
export function readFormat(ex: HttpExchange): EmbeddedFormat {
  const param = ex.query.get('format');
  if (param !== null) {
    if (param !== 'binary' && param !== 'json' && param !== 'string') throw new RestError(422, 42202, 'format must be binary, json or string');
    return param;
  }
  const m = /application\/vnd\.kafka\.(binary|json|string)\.v2\+json/.exec(ex.accept.toLowerCase());
  return (m?.[1] as EmbeddedFormat | undefined) ?? 'binary';
}

/** Whether the client asked for Server-Sent Events. */
export function wantsEventStream(ex: HttpExchange): boolean {
  return ex.accept.toLowerCase().includes('text/event-stream');
}

/** `GET …/records` (and `…/messages`) as one JSON answer. */
export async function readRecords(ctx: RestRequestContext, ex: HttpExchange, format: EmbeddedFormat) {
  const r = readRequest(ctx, ex, 'beginning');
  const count = integerParam(ex, 'count', 1, 100_000, 100_000);
  const timeout = integerParam(ex, 'timeout', 0, MAX_WAIT_MS, 0);
  const start = await resolveStart(ctx, r);
  const { records } = await readFrom(ctx, r, start, count, timeout);
  return records.map((rec) => recordJson(rec, format));
}

/** The offset after an EventSource's `Last-Event-ID`, if it sent a valid one. */
function resumeOffset(ex: HttpExchange): number | null {
  if (!/^\d+$/.test(ex.lastEventId)) return null;
  return Number(ex.lastEventId) + 1;
}

/** `GET …/records` as Server-Sent Events (see above); runs until the client leaves. */
export async function streamRecords(ctx: RestRequestContext, ex: HttpExchange, format: EmbeddedFormat): Promise<void> {
  const r = readRequest(ctx, ex, 'end');
  let position = resumeOffset(ex) ?? (await resolveStart(ctx, r));
  // Errors before this point are ordinary JSON answers; from here on they are events.
  ex.beginStream(200, 'text/event-stream', [['X-Accel-Buffering', 'no']]);
  let writable = ex.write(`retry: 1000\n: streaming ${r.topic}-${r.partition} from offset ${position}\n\n`);
  let lastWrite = Date.now();
  while (!ex.aborted) {
    if (!writable) {
      await new Promise<void>((resolve) => {
        ex.onAbort(resolve);
        ex.res.onWritable(() => {
          resolve();
          return true;
        });
      });
      writable = true;
      continue;
    }
    let batch;
    try {
      batch = await readFrom(ctx, r, position, Number.MAX_SAFE_INTEGER, STREAM_POLL_MS);
    } catch (err) {
      const e = restErrorOf(err);
      ex.write(`event: error\ndata: ${JSON.stringify({ error_code: e.errorCode, message: e.message })}\n\n`);
      ex.endStream();
      return;
    }
    if (ex.aborted) return;
    if (batch.records.length > 0) {
      let text = '';
      for (const rec of batch.records) text += `id: ${rec.offset}\nevent: record\ndata: ${JSON.stringify(recordJson(rec, format))}\n\n`;
      writable = ex.write(text);
      lastWrite = Date.now();
    } else if (Date.now() - lastWrite >= KEEPALIVE_MS) {
      writable = ex.write(': keep-alive\n\n');
      lastWrite = Date.now();
    }
    position = batch.next;
  }
}
