/**
 * The REST proxy in a cluster: 3 real broker processes over a real ZooKeeper, every REST
 * request sent to broker 1's gateway port only. Partitions are spread over the brokers
 * (replication factor 1), and one topic has no replica on broker 1 at all; v2 produce (by
 * partition and by key), v3 produce (one record, and a chunked stream partitioned by key),
 * partition offsets, stateless reads and Server-Sent Events all reach partitions other
 * brokers lead (forwarded to the leader, src/rest/partition-router.ts). kcat reads back every
 * record where its delivery report put it. ACLs are checked with the REST caller's principal
 * before forwarding: a user without WRITE is refused for remote partitions too, although the
 * inter-broker principal (User:ANONYMOUS here) is a super user.
 */
import { request } from 'node:http';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { waitForAsync } from '../helpers/wait.js';

const SPREAD = 'spread';
const REMOTE_ONLY = 'remote-only';
const PARTITIONS = 6;
const BINARY = 'application/vnd.kafka.binary.v2+json';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE = basic('alice', 'alice-secret');
const BOB = basic('bob', 'bob-secret');
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Landed {
  partition: number;
  offset: number;
  value: string;
}

describe('REST proxy in a 3-broker cluster, through one broker', () => {
  let cluster: ProcessCluster;
  let base: string;
  let clusterId: string;
  /** Leader of each partition of SPREAD. */
  let leaders: number[] = [];
  const landed: Landed[] = [];

  const call = async (method: string, path: string, body?: unknown, auth = ALICE, contentType = BINARY) => {
    const headers: Record<string, string> = { Accept: 'application/vnd.kafka.v2+json', Authorization: auth };
    if (body !== undefined) headers['Content-Type'] = contentType;
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    cluster = await ProcessCluster.start(
      [1, 2, 3],
      [
        'gregor.websocket.port=0',
        'gregor.websocket.host=127.0.0.1',
        'gregor.websocket.authentication=sasl',
        'listener.name.websocket.sasl.enabled.mechanisms=PLAIN',
        'listener.name.websocket.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";',
        'authorizer.class.name=kafka.security.authorizer.AclAuthorizer',
        'super.users=User:ANONYMOUS',
        'offsets.topic.num.partitions=1',
        'replica.fetch.wait.max.ms=200',
        'auto.leader.rebalance.enable=false',
      ],
      'gregor-rest-cluster',
    );
    const wsPort = /"websocketPort":(\d+)/.exec(cluster.node(1).proc!.output())?.[1];
    base = `http://127.0.0.1:${wsPort}`;
    clusterId = /"clusterId":"([^"]+)"/.exec(cluster.node(1).proc!.output())![1]!;
    const kafka = new Kafka({ clientId: 'rest-cluster', brokers: cluster.bootstrap(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: SPREAD, numPartitions: PARTITIONS, replicationFactor: 1 },
          { topic: REMOTE_ONLY, replicaAssignment: [{ partition: 0, replicas: [2] }] },
        ],
      });
      const allow = (principal: string, operation: AclOperationTypes) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: '*',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      });
      // alice: WRITE, READ and DESCRIBE on every topic; bob: DESCRIBE and READ only.
      const { WRITE, READ, DESCRIBE } = AclOperationTypes;
      await admin.createAcls({ acl: [allow('User:alice', WRITE), allow('User:alice', READ), allow('User:alice', DESCRIBE), allow('User:bob', DESCRIBE), allow('User:bob', READ)] });
    } finally {
      await admin.disconnect();
    }
    // Broker 1 knows every partition's leader, and alice's ACLs have reached it.
    await waitForAsync(
      async () => {
        const res = await call('GET', `/topics/${SPREAD}/partitions`);
        if (res.status !== 200 || res.body.length !== PARTITIONS || res.body.some((p: { leader: number }) => p.leader < 0)) return false;
        leaders = res.body.map((p: { leader: number }) => p.leader);
        return (await call('GET', `/topics/${REMOTE_ONLY}/partitions`)).body[0]?.leader === 2;
      },
      30_000,
      'partition leaders and ACLs on broker 1',
    );
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('spreads the partitions over the brokers (the premise of the other tests)', () => {
    expect(new Set(leaders).size).toBe(3);
  });

  it('v2: one POST through broker 1 writes to every partition, by partition and by key', async () => {
    const records: Array<{ partition?: number; key?: string; value: string }> = [];
    for (let p = 0; p < PARTITIONS; p++) for (let i = 0; i < 3; i++) records.push({ partition: p, value: b64(`v2-p${p}-${i}`) });
    for (let i = 0; i < 30; i++) records.push({ key: b64(`key-${i}`), value: b64(`v2-key-${i}`) });
    const res = await call('POST', `/topics/${SPREAD}`, { records });
    expect(res.status).toBe(200);
    const offsets = res.body.offsets as Array<{ partition: number; offset: number; error_code: number | null; error: string | null }>;
    expect(offsets).toHaveLength(records.length);
    offsets.forEach((o, i) => {
      expect(o, JSON.stringify(o)).toMatchObject({ error_code: null, error: null });
      expect(o.offset).toBeGreaterThanOrEqual(0);
      landed.push({ partition: o.partition, offset: o.offset, value: Buffer.from(records[i]!.value, 'base64').toString() });
    });
    expect(new Set(offsets.slice(18).map((o) => o.partition)).size).toBeGreaterThan(1);
    // The same for a route naming a partition that broker 1 does not lead.
    const remote = leaders.findIndex((l) => l !== 1);
    const one = await call('POST', `/topics/${SPREAD}/partitions/${remote}`, { records: [{ value: b64('v2-fixed') }] });
    expect(one.body.offsets[0]).toMatchObject({ partition: remote, error_code: null });
    landed.push({ partition: remote, offset: one.body.offsets[0].offset, value: 'v2-fixed' });
  });

  it('v2: a topic with no replica on broker 1 is written through it', async () => {
    const res = await call('POST', `/topics/${REMOTE_ONLY}`, { records: [{ value: b64('far') }, { key: b64('k'), value: b64('away') }] });
    expect(res.body.offsets).toMatchObject([
      { partition: 0, offset: 0, error_code: null },
      { partition: 0, offset: 1, error_code: null },
    ]);
    const { stdout } = await kcat(['-C', '-b', cluster.bootstrap().join(','), '-t', REMOTE_ONLY, '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(stdout.toString()).toBe('far\naway\n');
  });

  it('v3: one record per request and a chunked stream partitioned by key reach every partition', async () => {
    const path = `${base}/v3/clusters/${clusterId}/topics/${SPREAD}/records`;
    for (let p = 0; p < PARTITIONS; p++) {
      const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: ALICE }, body: JSON.stringify({ partition_id: p, value: { type: 'STRING', data: `v3-p${p}` } }) });
      const report = (await res.json()) as { error_code: number; partition_id: number; offset: number };
      expect(report, JSON.stringify(report)).toMatchObject({ error_code: 200, partition_id: p });
      landed.push({ partition: p, offset: report.offset, value: `v3-p${p}` });
    }
    const values = Array.from({ length: 200 }, (_, i) => `v3-stream-${i}`);
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Authorization: ALICE } }, (res) => {
        let out = '';
        res.on('data', (d) => (out += d));
        res.on('end', () => resolve(out));
      });
      req.on('error', reject);
      for (let i = 0; i < values.length; i += 50) req.write(values.slice(i, i + 50).map((v, k) => JSON.stringify({ key: { type: 'STRING', data: `sk-${i + k}` }, value: { type: 'STRING', data: v } })).join('\n'));
      req.end();
    });
    const reports = text.trim().split('\n').map((l) => JSON.parse(l) as { error_code: number; partition_id: number; offset: number });
    expect(reports).toHaveLength(values.length);
    reports.forEach((r, i) => {
      expect(r, JSON.stringify(r)).toMatchObject({ error_code: 200 });
      landed.push({ partition: r.partition_id, offset: r.offset, value: values[i]! });
    });
    expect(new Set(reports.map((r) => r.partition_id)).size).toBe(PARTITIONS);
  });

  it('kcat reads back every record where its delivery report put it', async () => {
    const { code, stdout, stderr } = await kcat(['-C', '-b', cluster.bootstrap().join(','), '-t', SPREAD, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
    expect(code, stderr).toBe(0);
    const read = parseConsumed(stdout).map((r) => ({ partition: r.partition, offset: r.offset, value: r.value!.toString() }));
    const order = (a: Landed, b: Landed) => a.partition - b.partition || a.offset - b.offset;
    expect(read.sort(order)).toEqual([...landed].sort(order));
  });

  it('offsets and stateless reads of a partition another broker leads', async () => {
    const remote = leaders.findIndex((l) => l !== 1);
    const mine = landed.filter((l) => l.partition === remote).sort((a, b) => a.offset - b.offset);
    const offsets = await call('GET', `/topics/${SPREAD}/partitions/${remote}/offsets`);
    expect(offsets).toMatchObject({ status: 200, body: { beginning_offset: 0, end_offset: mine.length } });
    const read = await fetch(`${base}/topics/${SPREAD}/partitions/${remote}/records?offset=0`, { headers: { Accept: 'application/vnd.kafka.string.v2+json', Authorization: ALICE } });
    expect(read.status).toBe(200);
    const records = (await read.json()) as Array<{ offset: number; value: string; partition: number }>;
    expect(records.map((r) => [r.partition, r.offset, r.value])).toEqual(mine.map((m) => [remote, m.offset, m.value]));
  });

  it('Server-Sent Events through broker 1 from a partition broker 2 leads, live records included', async () => {
    const remote = leaders.indexOf(2);
    const before = landed.filter((l) => l.partition === remote).length;
    const abort = new AbortController();
    const res = await fetch(`${base}/topics/${SPREAD}/partitions/${remote}/records?offset=beginning&format=string`, { headers: { Accept: 'text/event-stream', Authorization: ALICE }, signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const events: Array<{ id: number; value: string }> = [];
    let text = '';
    const readUntil = async (count: number) => {
      const deadline = Date.now() + 20_000;
      while (events.length < count && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          if (id && data && /^event: record$/m.test(block)) events.push({ id: Number(id[1]), value: JSON.parse(data[1]!).value });
        }
      }
    };
    try {
      await readUntil(before);
      expect(events.map((e) => e.id)).toEqual(Array.from({ length: before }, (_, i) => i));
      const live = await call('POST', `/topics/${SPREAD}/partitions/${remote}`, { records: [{ value: b64('live-1') }, { value: b64('live-2') }] });
      expect(live.body.offsets[0].error_code).toBeNull();
      await readUntil(before + 2);
      expect(events.slice(before)).toEqual([
        { id: before, value: 'live-1' },
        { id: before + 1, value: 'live-2' },
      ]);
    } finally {
      abort.abort();
      await reader.cancel().catch(() => {});
    }
  });

  it("ACLs are the caller's, checked before forwarding: bob (no WRITE) is refused on every partition", async () => {
    for (let p = 0; p < PARTITIONS; p++) {
      const res = await call('POST', `/topics/${SPREAD}/partitions/${p}`, { records: [{ value: b64('bob') }] }, BOB);
      expect(res, `partition ${p} (leader ${leaders[p]})`).toMatchObject({ status: 403, body: { error_code: 40301 } });
    }
    const v3 = await fetch(`${base}/v3/clusters/${clusterId}/topics/${REMOTE_ONLY}/records`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: BOB }, body: JSON.stringify({ value: { type: 'STRING', data: 'bob' } }) });
    expect(v3.status).toBe(403);
    const { stdout } = await kcat(['-C', '-b', cluster.bootstrap().join(','), '-t', REMOTE_ONLY, '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(stdout.toString()).toBe('far\naway\n');
    // bob may read (READ is granted): reads of remote partitions work for him.
    const remote = leaders.findIndex((l) => l !== 1);
    const read = await fetch(`${base}/topics/${SPREAD}/partitions/${remote}/records?offset=0&count=1`, { headers: { Accept: BINARY, Authorization: BOB } });
    expect(read.status).toBe(200);
  });
});
