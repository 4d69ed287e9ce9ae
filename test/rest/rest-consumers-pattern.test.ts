/**
 * `topic_pattern` subscriptions of REST Proxy v2 consumer instances (Confluent's
 * `{"topic_pattern": "regex"}`, Kafka's subscribe(Pattern)): the instance reads every topic
 * whose whole name matches, internal topics left out; a topic created later joins the
 * subscription; mixing a pattern with a topic list is 40903 (in one body, or one after the
 * other) and a pattern that does not compile is 42204.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { waitForAsync } from '../helpers/wait.js';

const V2 = 'application/vnd.kafka.v2+json';
const STRING = 'application/vnd.kafka.string.v2+json';

describe('REST consumer instances: topic_pattern', () => {
  let t: TestBroker;
  let base: string;
  const call = async (method: string, path: string, body?: unknown, accept = V2, contentType = V2) => {
    const res = await fetch(base + path, { method, headers: { Accept: accept, 'Content-Type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const produce = async (topic: string, values: string[]) => {
    const res = await call('POST', `/topics/${topic}`, { records: values.map((value) => ({ value })) }, V2, STRING);
    expect(res.status).toBe(200);
  };
  const create = async (name: string) => {
    const res = await call('POST', '/consumers/pattern-group', { name, format: 'string', 'auto.offset.reset': 'earliest' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return `/consumers/pattern-group/instances/${name}`;
  };
  /** Reads from `inst` until `count` values arrived (bounded by 30 s). */
  const readValues = async (inst: string, count: number) => {
    const got: string[] = [];
    const deadline = Date.now() + 30_000;
    while (got.length < count && Date.now() < deadline) {
      const res = await call('GET', `${inst}/records?timeout=500`, undefined, STRING);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      got.push(...res.body.map((r: { topic: string; value: string }) => `${r.topic}:${r.value}`));
    }
    return got.sort();
  };

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 } });
    base = `http://127.0.0.1:${t.broker.websocketPort}`;
    for (const topic of ['metrics.cpu', 'metrics.mem', 'logs.app', 'metrics.cpu.raw']) t.broker.logs.createTopic(topic, 1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('reads every topic whose whole name matches, and a matching topic created later', async () => {
    await produce('metrics.cpu', ['c1', 'c2']);
    await produce('metrics.mem', ['m1']);
    await produce('logs.app', ['l1']);
    await produce('metrics.cpu.raw', ['r1']);
    const inst = await create('p-1');
    expect((await call('POST', `${inst}/subscription`, { topic_pattern: 'metrics\\.[a-z]+' })).status).toBe(204);
    expect((await call('GET', `${inst}/subscription`)).body).toEqual({ topics: ['metrics.cpu', 'metrics.mem'] });
    expect(await readValues(inst, 3)).toEqual(['metrics.cpu:c1', 'metrics.cpu:c2', 'metrics.mem:m1']);

    t.broker.logs.createTopic('metrics.disk', 1);
    await produce('metrics.disk', ['d1']);
    await waitForAsync(async () => (await call('GET', `${inst}/subscription`)).body.topics.includes('metrics.disk'), 20_000, 'metrics.disk in the subscription');
    expect(await readValues(inst, 1)).toEqual(['metrics.disk:d1']);
    expect((await call('DELETE', inst)).status).toBe(204);
  });

  it('a pattern that matches only part of a name matches nothing; internal topics are left out', async () => {
    const inst = await create('p-2');
    expect((await call('POST', `${inst}/subscription`, { topic_pattern: 'metrics' })).status).toBe(204);
    expect((await call('GET', `${inst}/subscription`)).body).toEqual({ topics: [] });
    expect((await call('POST', `${inst}/subscription`, { topic_pattern: '.*consumer.*' })).status).toBe(204);
    expect((await call('GET', `${inst}/subscription`)).body).toEqual({ topics: [] });
    expect((await call('DELETE', inst)).status).toBe(204);
  });

  it('topics and a pattern are mutually exclusive (40903); a bad pattern is 42204', async () => {
    const inst = await create('p-3');
    expect(await call('POST', `${inst}/subscription`, { topics: ['logs.app'], topic_pattern: 'logs\\..*' })).toMatchObject({ status: 409, body: { error_code: 40903 } });
    expect(await call('POST', `${inst}/subscription`, { topic_pattern: 'metrics(' })).toMatchObject({ status: 422, body: { error_code: 42204 } });
    expect(await call('POST', `${inst}/subscription`, { topic_pattern: 42 })).toMatchObject({ status: 422, body: { error_code: 42206 } });
    expect((await call('POST', `${inst}/subscription`, { topics: ['logs.app'] })).status).toBe(204);
    expect(await call('POST', `${inst}/subscription`, { topic_pattern: 'logs\\..*' })).toMatchObject({ status: 409, body: { error_code: 40903 } });
    expect((await call('DELETE', `${inst}/subscription`)).status).toBe(204);
    expect((await call('POST', `${inst}/subscription`, { topic_pattern: 'logs\\..*' })).status).toBe(204);
    expect(await call('POST', `${inst}/subscription`, { topics: ['logs.app'] })).toMatchObject({ status: 409, body: { error_code: 40903 } });
    expect((await call('GET', `${inst}/subscription`)).body).toEqual({ topics: ['logs.app'] });
    expect((await call('DELETE', inst)).status).toBe(204);
  });
});
