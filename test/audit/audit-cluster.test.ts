/**
 * Issue 15, the replica tier across broker processes: a two-broker cluster on ZooKeeper with
 * the audit on; a topic replicated on both; the leader counts as the broker tier, the follower
 * as the replica tier, and the reports of whichever broker does not lead `__audit` reach its
 * leader over the inter-broker listener. The collector of `__audit`'s leader shows both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import type { AuditRow } from '../../src/audit/collector.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { BUCKET_MS, createTopicReplicated, produceFrame, reportWhen } from './audit-helpers.js';

const TOPIC = 'replicated';
const sum = (rows: AuditRow[], pick: (r: AuditRow) => number | undefined) => rows.reduce((n, r) => n + (pick(r) ?? 0), 0);

describe('audit: replica tier in a cluster', () => {
  let cluster: ProcessCluster;
  beforeAll(async () => {
    cluster = await ProcessCluster.start([1, 2], [
      'gregor.websocket.port=0', 'gregor.websocket.host=127.0.0.1',
      'gregor.audit.enable=true', `gregor.audit.bucket.ms=${BUCKET_MS}`, 'gregor.audit.report.interval.ms=200', 'gregor.audit.grace.ms=0',
    ], 'gregor-audit-');
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('leader: broker tier; follower: replica tier; both reach the collector of __audit\'s leader', async () => {
    await createTopicReplicated(cluster.portOf(1), TOPIC, 2);
    // the topic's leader and __audit's leader, from Metadata
    let leaders = new Map<string, number>();
    for (let i = 0; i < 100 && (leaders.get(TOPIC) ?? -1) < 0; i++) {
      const res = await RawClient.requestOnce(cluster.portOf(1), 3, 12, createMetadataRequest({ topics: [TOPIC, '__audit'].map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })), allowAutoTopicCreation: false }));
      leaders = new Map(res.topics.map((t: { name: string; partitions: Array<{ leaderId: number }> }) => [t.name, t.partitions[0]?.leaderId ?? -1]));
      if ((leaders.get(TOPIC) ?? -1) < 0) await new Promise((r) => setTimeout(r, 100));
    }
    const leader = leaders.get(TOPIC)!;
    const auditLeader = leaders.get('__audit')!;
    expect([1, 2]).toContain(leader);
    expect([1, 2]).toContain(auditLeader);
    // the topic has a replica on both brokers, so one of the two tiers runs on a broker that
    // does not lead __audit: its reports travel over the inter-broker listener

    const client = await RawClient.connect(cluster.portOf(leader));
    for (let i = 0; i < 10; i++) {
      const answer = client.nextFrame(15_000);
      client.sendRaw(produceFrame(client, TOPIC, 100, Date.now(), 20, -1));
      await answer;
    }
    client.close();

    const httpPort = Number(/"websocketPort":(\d+)/.exec(cluster.node(auditLeader).proc!.output())![1]);
    const rows = await reportWhen(httpPort, TOPIC, (rs) => sum(rs, (r) => r.broker?.records) >= 1_000 && sum(rs, (r) => r.replica?.records) >= 1_000, 30_000);
    expect(sum(rows, (r) => r.broker?.records)).toBe(1_000);
    expect(sum(rows, (r) => r.replica?.records)).toBe(1_000);
    expect(sum(rows, (r) => r.replica?.bytes)).toBe(1_000 * 20);
  }, 90_000);
});
