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
import type { RequestContext } from '../apis/api.js';
import { requestFormat, parseJsonBody, responseType } from './embedded-format.js';
import { HttpExchange } from './http-exchange.js';
import { type RestServices, challenge, restContext } from './rest-context.js';
import { RestError, restErrorOf } from './rest-error.js';
import { getPartition, getPartitionOffsets, getTopic, listBrokers, listPartitions, listTopics } from './v2/metadata.js';
import { produceToTopic } from './v2/produce.js';
import { readFormat, readRecords, streamRecords, wantsEventStream } from './v2/records.js';

/** The API version handlers are told REST requests come in as (for logs; no Kafka version applies). */
const REST_API_VERSION = 0;

/** What a route returns when it answered itself (a stream). */
export const STREAMED = Symbol('streamed');

type Route = (ex: HttpExchange, ctx: RequestContext, services: RestServices) => unknown | Promise<unknown>;
/** The content type to answer a request with, from its Accept header; throws RestError 406. */
type Negotiate = (ex: HttpExchange) => string;

function answer(services: RestServices, method: 'get' | 'post', pattern: string, route: Route, negotiate: Negotiate = (ex) => responseType(ex.accept)): (res: uWS.HttpResponse, req: uWS.HttpRequest) => void {
  const paramCount = (pattern.match(/:/g) ?? []).length;
  return (res, req) => {
    const params: string[] = [];
    for (let i = 0; i < paramCount; i++) params.push(decodeURIComponent(req.getParameter(i) ?? ''));
    const ex = new HttpExchange(res, req, params);
    void (async () => {
      const type = negotiate(ex);
      const ctx = await restContext(services, ex, REST_API_VERSION);
      const body = await route(ex, ctx, services);
      if (body !== STREAMED) ex.respond(200, type, JSON.stringify(body));
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

/** Registers the REST proxy's routes on `app`. */
export function registerRestProxy(app: uWS.TemplatedApp, services: RestServices): void {
  const get = (pattern: string, route: Route, negotiate?: Negotiate) => app.get(pattern, answer(services, 'get', pattern, route, negotiate));
  const post = (pattern: string, route: Route) => app.post(pattern, answer(services, 'post', pattern, route));

  get('/topics', (_ex, ctx) => listTopics(ctx));
  get('/topics/:topic', (ex, ctx) => getTopic(ctx, ex.params[0]!));
  get('/topics/:topic/partitions', (ex, ctx) => listPartitions(ctx, ex.params[0]!));
  get('/topics/:topic/partitions/:partition', (ex, ctx) => getPartition(ctx, ex.params[0]!, ex.params[1]!));
  get('/topics/:topic/partitions/:partition/offsets', (ex, ctx) => getPartitionOffsets(ctx, ex.params[0]!, ex.params[1]!));
  get('/brokers', (_ex, ctx) => listBrokers(ctx));
  const records: Route = async (ex, ctx) => {
    if (!wantsEventStream(ex)) return readRecords(ctx, ex, readFormat(ex));
    await streamRecords(ctx, ex, readFormat(ex));
    return STREAMED;
  };
  const recordsType: Negotiate = (ex) => (wantsEventStream(ex) ? 'text/event-stream' : responseType(ex.accept, readFormat(ex)));
  get('/topics/:topic/partitions/:partition/records', records, recordsType);
  get('/topics/:topic/partitions/:partition/messages', records, recordsType);

  post('/topics/:topic', async (ex, ctx, s) => {
    const { format, body } = await recordsBody(ex, s);
    return produceToTopic(ctx, ex.params[0]!, null, format, body);
  });
  post('/topics/:topic/partitions/:partition', async (ex, ctx, s) => {
    const { format, body } = await recordsBody(ex, s);
    return produceToTopic(ctx, ex.params[0]!, ex.params[1]!, format, body);
  });
}
