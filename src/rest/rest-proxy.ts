/**
 * The REST proxy on the gateway's uWebSockets.js app (`gregor.rest.enable`, default on):
 * Confluent REST Proxy v2's routes (v2/*.ts) — metadata, produce, and reads by partition and
 * offset, also as Server-Sent Events (v2/records.ts).
 *
 * Every route: the Accept header is checked (406), the client authenticated (rest-context.ts:
 * 401 before more than PRE_AUTH_BODY_BYTES of body is read), the body read up to
 * `gregor.rest.max.request.bytes` (413), the Content-Type checked (415), then the route runs
 * with a Kafka RequestContext, so ACLs and errors are the Kafka listeners'. Every failure is
 * `{error_code, message}` (rest-error.ts); the broker keeps serving every other client.
 */
import type uWS from 'uWebSockets.js';
import { V2_JSON, parseJsonBody, requestFormat, responseType } from './embedded-format.js';
import { openApiDocument } from './openapi.js';
import { HttpExchange } from './http-exchange.js';
import { type RestRequestContext, type RestServices, challenge, restContext } from './rest-context.js';
import { RestError, restErrorOf } from './rest-error.js';
import { getPartition, getPartitionOffsets, getTopic, listBrokers, listPartitions, listTopics } from './v2/metadata.js';
import { produceToTopic } from './v2/produce.js';
import { produceSingle, produceStream } from './v3/produce.js';
import * as consumers from './v2/consumers.js';
import type { ConsumerServices } from './v2/consumers.js';
import { readFormat, readRecords, streamRecords, wantsEventStream } from './v2/records.js';

/** The API version handlers are told REST requests come in as (for logs; no Kafka version applies). */
const REST_API_VERSION = 0;

/** What a route returns when it answered itself (a stream). */
export const STREAMED = Symbol('streamed');
/** What a route returns for `204 No Content`. */
export const NO_CONTENT = Symbol('no content');

type Route = (ex: HttpExchange, ctx: RestRequestContext, services: RestServices) => unknown | Promise<unknown>;
/** The content type to answer a request with, from its Accept header; throws RestError 406. */
type Negotiate = (ex: HttpExchange) => string;

function answer(services: RestServices, method: RestRoute['method'], pattern: string, route: Route, negotiate: Negotiate = (ex) => responseType(ex.accept)): (res: uWS.HttpResponse, req: uWS.HttpRequest) => void {
  const paramCount = (pattern.match(/:/g) ?? []).length;
  return (res, req) => {
    const params: string[] = [];
    for (let i = 0; i < paramCount; i++) params.push(decodeURIComponent(req.getParameter(i) ?? ''));
    const ex = new HttpExchange(res, req, params);
    void (async () => {
      const type = negotiate(ex);
      const ctx = await restContext(services, ex, REST_API_VERSION);
      const body = await route(ex, ctx, services);
      if (body === NO_CONTENT) ex.respond(204, type, '');
      else if (body !== STREAMED) ex.respond(200, type, JSON.stringify(body));
    })().catch((err: unknown) => {
      const e = restErrorOf(err);
      if (e.errorCode >= 50000) services.logger.warn({ err, method, path: ex.path }, 'REST request failed');
      ex.respond(e.status, 'application/vnd.kafka.v2+json', JSON.stringify({ error_code: e.errorCode, message: e.message }), e.status === 401 ? challenge(services) : []);
    });
  };
}

/** The JSON body of a request with embedded records: Content-Type checked first, then read and parsed. */
async function recordsBody(ex: HttpExchange, services: RestServices) {
  const format = requestFormat(ex.contentType);
  if (format === null) throw new RestError(415, 415, 'HTTP 415 Unsupported Media Type: producing needs application/vnd.kafka.{binary,json,string}.v2+json');
  return { format, body: parseJsonBody(await ex.body(services.maxRequestBytes)) };
}

const V2_FORMATS = ['application/vnd.kafka.binary.v2+json', 'application/vnd.kafka.json.v2+json', 'application/vnd.kafka.string.v2+json'];

/** One route: its method, OpenAPI path template, what it says of itself, and what it runs. */
export interface RestRoute {
  method: 'get' | 'post' | 'del';
  /** OpenAPI path template (`/topics/{topic}`); parameters reach the route in order. */
  path: string;
  summary: string;
  /** Request content types (POST). */
  consumes?: string[];
  /** Response content types. */
  produces: string[];
  run: Route;
  negotiate?: Negotiate;
}

const records: Route = async (ex, ctx) => {
  if (!wantsEventStream(ex)) return readRecords(ctx, ex, readFormat(ex));
  await streamRecords(ctx, ex, readFormat(ex));
  return STREAMED;
};
const recordsType: Negotiate = (ex) => (wantsEventStream(ex) ? 'text/event-stream' : responseType(ex.accept, readFormat(ex)));
const READ_TYPES = [...V2_FORMATS, 'text/event-stream'];

/** Every route of the proxy; registration and the OpenAPI document both come from this list. */
export const REST_ROUTES: readonly RestRoute[] = [
  { method: 'get', path: '/topics', summary: 'List the topics the principal may describe (internal topics left out)', produces: [V2_JSON], run: (_ex, ctx) => listTopics(ctx) },
  { method: 'get', path: '/topics/{topic}', summary: "A topic's configs and partitions", produces: [V2_JSON], run: (ex, ctx) => getTopic(ctx, ex.params[0]!) },
  { method: 'get', path: '/topics/{topic}/partitions', summary: "A topic's partitions with leaders and replicas", produces: [V2_JSON], run: (ex, ctx) => listPartitions(ctx, ex.params[0]!) },
  { method: 'get', path: '/topics/{topic}/partitions/{partition}', summary: 'One partition', produces: [V2_JSON], run: (ex, ctx) => getPartition(ctx, ex.params[0]!, ex.params[1]!) },
  { method: 'get', path: '/topics/{topic}/partitions/{partition}/offsets', summary: "A partition's beginning and end offsets", produces: [V2_JSON], run: (ex, ctx) => getPartitionOffsets(ctx, ex.params[0]!, ex.params[1]!) },
  { method: 'get', path: '/topics/{topic}/partitions/{partition}/records', summary: 'Records from an offset, with headers; Server-Sent Events with Accept: text/event-stream', produces: READ_TYPES, run: records, negotiate: recordsType },
  { method: 'get', path: '/topics/{topic}/partitions/{partition}/messages', summary: "v2's name for …/records", produces: READ_TYPES, run: records, negotiate: recordsType },
  { method: 'get', path: '/brokers', summary: 'Live broker ids', produces: [V2_JSON], run: (_ex, ctx) => listBrokers(ctx) },
  {
    method: 'post',
    path: '/topics/{topic}',
    summary: 'Produce records (partition chosen per record, or by the default partitioner)',
    consumes: V2_FORMATS,
    produces: [V2_JSON],
    run: async (ex, ctx, s) => {
      const { format, body } = await recordsBody(ex, s);
      return produceToTopic(ctx, ex.params[0]!, null, format, body);
    },
  },
  {
    method: 'post',
    path: '/topics/{topic}/partitions/{partition}',
    summary: 'Produce records to one partition',
    consumes: V2_FORMATS,
    produces: [V2_JSON],
    run: async (ex, ctx, s) => {
      const { format, body } = await recordsBody(ex, s);
      return produceToTopic(ctx, ex.params[0]!, ex.params[1]!, format, body);
    },
  },
  {
    method: 'post',
    path: '/v3/clusters/{cluster_id}/topics/{topic_name}/records',
    summary: 'v3 produce: one record, or a stream of records in a chunked body answered by one delivery report each',
    consumes: ['application/json'],
    produces: ['application/json'],
    run: async (ex, ctx, s) => {
      if (requestFormat(ex.contentType) !== null) throw new RestError(415, 415, 'HTTP 415 Unsupported Media Type: v3 records are application/json');
      if (!ex.chunked) return produceSingle(ctx, ex, ex.params[0]!, ex.params[1]!, s.maxRequestBytes);
      await produceStream(ctx, ex, ex.params[0]!, ex.params[1]!, s.maxRequestBytes);
      return STREAMED;
    },
    negotiate: (ex) => {
      responseType(ex.accept); // 406 for an Accept the proxy cannot answer
      return 'application/json';
    },
  },
  ...consumerRoutes(),
  { method: 'get', path: '/openapi.json', summary: 'This document (OpenAPI 3.0)', produces: ['application/json'], run: () => openApiDocument(REST_ROUTES), negotiate: () => 'application/json' },
];

/** The consumer-instance routes (v2/consumers.ts). */
function consumerRoutes(): RestRoute[] {
  const I = '/consumers/{group}/instances/{instance}';
  const none = (run: (ctx: RestRequestContext, ex: HttpExchange, c: ConsumerServices) => Promise<unknown>): Route => async (ex, ctx, s) => {
    await run(ctx, ex, s.consumers);
    return NO_CONTENT;
  };
  const body = (run: (ctx: RestRequestContext, ex: HttpExchange, c: ConsumerServices) => Promise<unknown>): Route => (ex, ctx, s) => run(ctx, ex, s.consumers);
  const v2 = [V2_JSON];
  return [
    { method: 'post', path: '/consumers/{group}', summary: 'Create a consumer instance in a group', consumes: [V2_JSON, 'application/json'], produces: v2, run: body(consumers.createInstance) },
    { method: 'del', path: I, summary: 'Close a consumer instance (it leaves its group)', produces: v2, run: none(consumers.deleteInstance) },
    { method: 'post', path: `${I}/subscription`, summary: 'Subscribe to topics (joins the group)', consumes: [V2_JSON, 'application/json'], produces: v2, run: none(consumers.subscribe) },
    { method: 'get', path: `${I}/subscription`, summary: 'The subscribed topics', produces: v2, run: body(consumers.getSubscription) },
    { method: 'del', path: `${I}/subscription`, summary: 'Unsubscribe', produces: v2, run: none(consumers.unsubscribe) },
    { method: 'post', path: `${I}/assignments`, summary: 'Read exactly these partitions', consumes: [V2_JSON, 'application/json'], produces: v2, run: none(consumers.assign) },
    { method: 'get', path: `${I}/assignments`, summary: 'The assigned partitions', produces: v2, run: body(consumers.getAssignments) },
    { method: 'post', path: `${I}/positions`, summary: 'Seek partitions to offsets', consumes: [V2_JSON, 'application/json'], produces: v2, run: none((c, e, s) => consumers.seek(c, e, s, 'offsets')) },
    { method: 'post', path: `${I}/positions/beginning`, summary: 'Seek partitions to their beginning', consumes: [V2_JSON, 'application/json'], produces: v2, run: none((c, e, s) => consumers.seek(c, e, s, 'beginning')) },
    { method: 'post', path: `${I}/positions/end`, summary: 'Seek partitions to their end', consumes: [V2_JSON, 'application/json'], produces: v2, run: none((c, e, s) => consumers.seek(c, e, s, 'end')) },
    { method: 'post', path: `${I}/offsets`, summary: 'Commit offsets (no body: what records handed out)', consumes: [V2_JSON, 'application/json'], produces: v2, run: none(consumers.commit) },
    { method: 'get', path: `${I}/offsets`, summary: "The group's committed offsets for the partitions in the body", produces: v2, run: body(consumers.committed) },
    {
      method: 'get',
      path: `${I}/records`,
      summary: "Records read since the last call, in the instance's format",
      produces: ['application/vnd.kafka.binary.v2+json', 'application/vnd.kafka.json.v2+json', 'application/vnd.kafka.string.v2+json'],
      run: body(consumers.records),
      negotiate: (ex) => /application\/vnd\.kafka\.(binary|json|string)\.v2\+json/.exec(ex.accept.toLowerCase())?.[0] ?? responseType(ex.accept),
    },
  ];
}

/** Registers the REST proxy's routes on `app`. */
export function registerRestProxy(app: uWS.TemplatedApp, services: RestServices): void {
  for (const route of REST_ROUTES) {
    const pattern = route.path.replace(/\{([^}]+)\}/g, ':$1');
    app[route.method](pattern, answer(services, route.method, pattern, route.run, route.negotiate));
  }
}
