/**
 * REST Proxy v2 consumer instances against a real broker: a Python urllib client (a language
 * with no Gregor client) creates an instance, subscribes, reads every record and commits by
 * Confluent's documented shapes; a REST instance shares a group with a KafkaJS consumer — the
 * group splits the partitions between them and each record is read exactly once; committed
 * offsets are what the REST instance handed out. Unknown instances, taken names, another
 * format in Accept and bad bodies get their documented errors.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { kcat } from '../helpers/kcat.js';
import { waitForAsync } from '../helpers/wait.js';

const run = promisify(execFile);
const V2 = 'application/vnd.kafka.v2+json';

const PYTHON = `
import json, sys, time, urllib.request, urllib.error
base, topic, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
def call(method, path, body=None, accept='application/vnd.kafka.v2+json'):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, method=method, data=data)
    req.add_header('Accept', accept)
    if data is not None: req.add_header('Content-Type', 'application/vnd.kafka.v2+json')
    try:
        with urllib.request.urlopen(req) as r:
            text = r.read()
            return r.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
status, created = call('POST', '/consumers/py-group', {'name': 'py-1', 'format': 'string', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false'})
assert status == 200, (status, created)
inst = '/consumers/py-group/instances/py-1'
assert created['base_uri'].endswith(inst), created
assert call('POST', inst + '/subscription', {'topics': [topic]})[0] == 204
got, deadline = [], time.time() + 30
while len(got) < want and time.time() < deadline:
    status, records = call('GET', inst + '/records?timeout=1000', accept='application/vnd.kafka.string.v2+json')
    assert status == 200, (status, records)
    got += records
assert call('POST', inst + '/offsets')[0] == 204
status, committed = call('GET', inst + '/offsets', {'partitions': [{'topic': topic, 'partition': 0}]})
subscription = call('GET', inst + '/subscription')[1]
assert call('DELETE', inst)[0] == 204
gone = call('GET', inst + '/subscription')
print(json.dumps({'values': [r['value'] for r in got], 'keys': [r['key'] for r in got], 'committed': committed, 'subscription': subscription, 'gone': gone}))
`;

describe('REST proxy v2 consumer instances', () => {
  let t: TestBroker;
  let base: string;
  const call = async (method: string, path: string, body?: unknown, accept = V2) => {
    const res = await fetch(base + path, { method, headers: { Accept: accept, 'Content-Type': V2 }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & Array<Record<string, unknown>> };
  };
  const produce = async (topic: string, partition: number, values: string[]) => {
    const res = await kcat(['-b', t.bootstrap, '-P', '-t', topic, '-p', String(partition), '-K', '|'], Buffer.from(values.map((v) => `${v}|${v}`).join('\n') + '\n'));
    expect(res.code).toBe(0);
  };

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 } });
    base = `http://127.0.0.1:${t.broker.websocketPort}`;
    t.broker.logs.createTopic('py', 1);
    t.broker.logs.createTopic('shared', 2);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a Python urllib client: create, subscribe, read, commit, committed offsets, delete', async () => {
    await produce('py', 0, Array.from({ length: 30 }, (_, i) => `p${i}`));
    const { stdout } = await run('python3', ['-c', PYTHON, base, 'py', '30'], { timeout: 60_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out['values']).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`));
    expect(out['keys']).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`));
    expect(out['committed']).toEqual({ offsets: [{ topic: 'py', partition: 0, offset: 30, metadata: '' }] });
    expect(out['subscription']).toEqual({ topics: ['py'] });
    expect(out['gone']).toEqual([404, { error_code: 40403, message: 'Consumer instance not found.' }]);
  }, 90_000);

  it('shares a group with KafkaJS: the partitions are split and every record is read once', async () => {
    await produce('shared', 0, Array.from({ length: 10 }, (_, i) => `a${i}`));
    await produce('shared', 1, Array.from({ length: 10 }, (_, i) => `b${i}`));
    const kafka = new Kafka({ clientId: 'kjs', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
    const kjs = kafka.consumer({ groupId: 'mixed', heartbeatInterval: 500, sessionTimeout: 10_000 });
    const kjsGot: string[] = [];
    let kjsPartitions: number[] = [];
    kjs.on(kjs.events.GROUP_JOIN, (e) => (kjsPartitions = (e.payload.memberAssignment['shared'] ?? []) as number[]));
    await kjs.connect();
    await kjs.subscribe({ topic: 'shared', fromBeginning: true });
    await kjs.run({ autoCommit: false, eachMessage: async ({ message }) => void kjsGot.push(message.value!.toString()) });
    await waitForAsync(async () => kjsPartitions.length === 2, 20_000, 'KafkaJS alone in the group');

    const created = await call('POST', '/consumers/mixed', { name: 'rest-1', format: 'string', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    expect(created.status).toBe(200);
    const inst = '/consumers/mixed/instances/rest-1';
    expect((await call('POST', `${inst}/subscription`, { topics: ['shared'] })).status).toBe(204);
    await waitForAsync(async () => kjsPartitions.length === 1, 30_000, 'the group split between KafkaJS and the REST instance');
    const restPartitions = ((await call('GET', `${inst}/assignments`)).body as unknown as { partitions: Array<{ partition: number }> }).partitions.map((p) => p.partition);
    expect(restPartitions).toEqual([kjsPartitions[0] === 0 ? 1 : 0]);

    const restGot: string[] = [];
    await waitForAsync(
      async () => {
        const r = await call('GET', `${inst}/records?timeout=500`, undefined, 'application/vnd.kafka.string.v2+json');
        expect(r.status).toBe(200);
        restGot.push(...r.body.map((rec) => rec['value'] as string));
        return restGot.length >= 10 && kjsGot.filter((v) => v[0] === (kjsPartitions[0] === 0 ? 'a' : 'b')).length >= 10;
      },
      30_000,
      'both members reading their partition',
    );
    const restPrefix = restPartitions[0] === 0 ? 'a' : 'b';
    expect(restGot).toEqual(Array.from({ length: 10 }, (_, i) => `${restPrefix}${i}`));

    expect((await call('POST', `${inst}/offsets`)).status).toBe(204);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'mixed', topics: ['shared'] });
    await admin.disconnect();
    expect(offsets[0]!.partitions.find((p) => p.partition === restPartitions[0])!.offset).toBe('10');
    expect((await call('DELETE', inst)).status).toBe(204);
    await kjs.disconnect();
  }, 90_000);

  it('errors: unknown instance, taken name, another format, bad bodies', async () => {
    expect(await call('GET', '/consumers/g/instances/none/subscription')).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect((await call('POST', '/consumers/g', { name: 'dup', format: 'json' })).status).toBe(200);
    expect(await call('POST', '/consumers/g', { name: 'dup' })).toMatchObject({ status: 409, body: { error_code: 40902 } });
    expect(await call('GET', '/consumers/g/instances/dup/records', undefined, 'application/vnd.kafka.binary.v2+json')).toMatchObject({ status: 406, body: { error_code: 40601 } });
    expect(await call('POST', '/consumers/g', { name: 'x', format: 'avro' })).toMatchObject({ status: 422, body: { error_code: 42206 } });
    expect(await call('POST', '/consumers/g/instances/dup/subscription', { topics: [] })).toMatchObject({ status: 422, body: { error_code: 42206 } });
    expect(await call('POST', '/consumers/g/instances/dup/positions', { offsets: [{ topic: 'py', partition: 0 }] })).toMatchObject({ status: 422 });
    expect((await call('DELETE', '/consumers/g/instances/dup')).status).toBe(204);
  });
});
