/**
 * The REST proxy's v2 metadata and produce routes (Confluent REST Proxy's request and response
 * shapes) against a real broker on its gateway port, from curl, a Python urllib script (a
 * language with no Gregor client) and Node's fetch; what was produced is read back with kcat.
 * Every kind of bad request gets its documented error, and the broker keeps serving.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';

const run = promisify(execFile);
const V2 = 'application/vnd.kafka.v2+json';
const BINARY = 'application/vnd.kafka.binary.v2+json';
const JSON_EMBEDDED = 'application/vnd.kafka.json.v2+json';
const b64 = (s: string) => Buffer.from(s).toString('base64');

const PYTHON = `
import json, sys, urllib.request, urllib.error
base = sys.argv[1]
def call(method, path, body=None, ctype=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header('Accept', 'application/vnd.kafka.v2+json')
    if ctype: req.add_header('Content-Type', ctype)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
out = {}
out['produce'] = call('POST', '/topics/py', {'records': [{'key': 'k1', 'value': {'n': 1}}, {'value': [1, 2, 3]}]}, 'application/vnd.kafka.json.v2+json')
out['topic'] = call('GET', '/topics/py')
out['offsets'] = call('GET', '/topics/py/partitions/0/offsets')
out['missing'] = call('GET', '/topics/nope')
print(json.dumps(out))
`;

describe('REST proxy v2: metadata and produce', () => {
  let t: TestBroker;
  let base: string;
  const fetchJson = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(base + path, init);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> & unknown[] };
  };
  const post = (path: string, body: unknown, contentType = BINARY) =>
    fetchJson(path, { method: 'POST', headers: { 'Content-Type': contentType, Accept: V2 }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'gregor.rest.max.request.bytes': 64 * 1024 } });
    base = `http://127.0.0.1:${t.broker.websocketPort}`;
    t.broker.logs.createTopic('orders', 3);
    t.broker.logs.createTopic('py', 1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('curl: topics, a topic with configs and partitions, offsets, brokers', async () => {
    const curl = async (path: string) => {
      const { stdout } = await run('curl', ['-sS', '-H', `Accept: ${V2}`, base + path]);
      return JSON.parse(stdout) as unknown;
    };
    expect(await curl('/topics')).toEqual(['orders', 'py']);
    const topic = (await curl('/topics/orders')) as { name: string; configs: Record<string, string>; partitions: unknown[] };
    expect(topic.name).toBe('orders');
    expect(topic.configs['cleanup.policy']).toBe('delete');
    expect(topic.partitions).toHaveLength(3);
    const nodeId = t.broker.config.nodeId;
    expect(await curl('/topics/orders/partitions/1')).toEqual({ partition: 1, leader: nodeId, replicas: [{ broker: nodeId, leader: true, in_sync: true }] });
    expect(await curl('/topics/orders/partitions')).toHaveLength(3);
    expect(await curl('/topics/orders/partitions/2/offsets')).toEqual({ beginning_offset: 0, end_offset: 0 });
    expect(await curl('/brokers')).toEqual({ brokers: [nodeId] });
  });

  it('binary records: per-record offsets in request order, keyed records by murmur2, kcat reads them back', async () => {
    const records = [
      { key: b64('k-a'), value: b64('v0') },
      { key: b64('k-b'), value: b64('v1') },
      { value: b64('v2'), partition: 2 },
      { key: b64('k-a'), value: b64('v3'), headers: [{ name: 'trace', value: b64('t-1') }] },
    ];
    const { status, type, body } = await post('/topics/orders', { records });
    expect(status).toBe(200);
    expect(type).toBe(V2);
    expect(body.key_schema_id).toBeNull();
    const offsets = body.offsets as Array<{ partition: number; offset: number; error_code: number | null; error: string | null }>;
    expect(offsets).toHaveLength(4);
    expect(offsets.every((o) => o.error_code === null && o.error === null)).toBe(true);
    expect(offsets[2]!.partition).toBe(2);
    expect(offsets[3]!.partition).toBe(offsets[0]!.partition);
    expect(offsets[3]!.offset).toBe(offsets[0]!.offset + 1);

    const read = await kcat(['-b', t.bootstrap, '-C', '-t', 'orders', '-o', 'beginning', '-e', '-q', '-f', CONSUME_FORMAT]);
    const got = parseConsumed(read.stdout).map((r) => ({ p: r.partition, o: r.offset, k: r.key?.toString() ?? null, v: r.value!.toString(), h: r.headers }));
    for (const [i, o] of offsets.entries()) {
      const found = got.find((g) => g.p === o.partition && g.o === o.offset);
      expect(found?.v).toBe(`v${i}`);
    }
    expect(got.find((g) => g.v === 'v3')?.h).toBe('trace=t-1');
    expect(got.find((g) => g.v === 'v0')?.k).toBe('k-a');
  });

  it('json and string embedded formats; a fixed partition in the URL', async () => {
    const json = await post('/topics/orders/partitions/1', { records: [{ key: 'x', value: { amount: 3, tags: ['a'] } }] }, JSON_EMBEDDED);
    expect(json.status).toBe(200);
    const string = await post('/topics/orders/partitions/1', { records: [{ key: 'y', value: 'plain text' }] }, 'application/vnd.kafka.string.v2+json');
    const at = [(json.body.offsets as Array<{ offset: number }>)[0]!.offset, (string.body.offsets as Array<{ offset: number }>)[0]!.offset];
    const read = await kcat(['-b', t.bootstrap, '-C', '-t', 'orders', '-p', '1', '-o', String(at[0]), '-c', '2', '-e', '-q', '-f', CONSUME_FORMAT]);
    const got = parseConsumed(read.stdout);
    expect(got.map((r) => [r.key!.toString(), r.value!.toString()])).toEqual([
      ['"x"', '{"amount":3,"tags":["a"]}'],
      ['y', 'plain text'],
    ]);
  });

  it('a Python urllib client produces and reads metadata by the documented shapes', async () => {
    const { stdout } = await run('python3', ['-c', PYTHON, base]);
    const out = JSON.parse(stdout) as Record<string, [number, Record<string, unknown>]>;
    expect(out['produce']![0]).toBe(200);
    expect(out['produce']![1]['offsets']).toEqual([
      { partition: 0, offset: 0, error_code: null, error: null },
      { partition: 0, offset: 1, error_code: null, error: null },
    ]);
    expect(out['topic']![1]['name']).toBe('py');
    expect(out['offsets']![1]).toEqual({ beginning_offset: 0, end_offset: 2 });
    expect(out['missing']).toEqual([404, { error_code: 40401, message: 'Topic nope not found.' }]);
  });

  it('/openapi.json lists every route, and every GET it lists is served', async () => {
    const doc = (await fetchJson('/openapi.json')).body as unknown as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/topics', '/topics/{topic}/partitions/{partition}/records', '/v3/clusters/{cluster_id}/topics/{topic_name}/records']));
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!ops['get'] || path.startsWith('/consumers/')) continue; // instance routes need an instance (rest-consumers.test.ts)
      const res = await fetch(base + path.replace('{topic}', 'orders').replace('{partition}', '0'), { headers: { Accept: '*/*' } });
      expect(res.status, path).toBe(200);
    }
  });

  it('bad requests get their documented errors and the broker keeps serving', async () => {
    expect(await post('/topics/orders', '{"records": [', BINARY)).toMatchObject({ status: 400, body: { error_code: 400 } });
    expect(await post('/topics/orders', { records: [{ value: 'x' }] }, 'text/plain')).toMatchObject({ status: 415, body: { error_code: 415 } });
    expect(await post('/topics/orders', { records: [{ value: 'x' }] }, 'application/vnd.kafka.avro.v2+json')).toMatchObject({ status: 415 });
    expect(await post('/topics/orders', { records: [{ value: 'not base64!' }] })).toMatchObject({ status: 422, body: { error_code: 42206 } });
    expect(await post('/topics/orders', { records: [] })).toMatchObject({ status: 422, body: { error_code: 42206 } });
    expect(await post('/topics/orders', { rows: [] })).toMatchObject({ status: 422, body: { error_code: 42206 } });
    expect(await post('/topics/ghost', { records: [{ value: b64('x') }] })).toMatchObject({ status: 404, body: { error_code: 40401 } });
    expect(await post('/topics/orders/partitions/9', { records: [{ value: b64('x') }] })).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await post('/topics/orders', { records: [{ value: b64('x'), partition: 7 }] })).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await fetchJson('/topics/orders/partitions/x')).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await fetchJson('/topics', { headers: { Accept: 'text/html' } })).toMatchObject({ status: 406, body: { error_code: 406 } });
    const big = { records: [{ value: b64('x'.repeat(100 * 1024)) }] };
    expect(await post('/topics/orders', big)).toMatchObject({ status: 413, body: { error_code: 413 } });
    // Nothing of the above was written, and the proxy still answers.
    const read = await kcat(['-b', t.bootstrap, '-C', '-t', 'orders', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    expect(read.stdout.toString()).not.toMatch(/^x$/m);
    expect((await post('/topics/orders', { records: [{ value: b64('after') }] })).status).toBe(200);
  });
});
