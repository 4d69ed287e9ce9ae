/**
 * Followers replicate through incremental fetch sessions (KIP-227): two in-process brokers on
 * a real ZooKeeper, a topic of 4 partitions with replication factor 2 (each broker leads some
 * and follows the others). acks=all produces succeed and both replicas end equal; each
 * leader's /metrics shows one follower (privileged) session holding the partitions it leads
 * and incremental Fetch requests served. When a leader drops its sessions, the follower gets
 * FETCH_SESSION_ID_NOT_FOUND, opens a new session and replication carries on.
 * Source: KIP-227; Kafka ReplicaFetcherThread with FetchSessionHandler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createCreateTopicsRequest, createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'fs-replicated';
const PARTITIONS = 4;

describe('followers on incremental fetch sessions', () => {
  let zk: ZooKeeperServer;
  const brokers = new Map<number, TestBroker>();
  const engine = createEngine('js');

  const request = (id: number, apiKey: number, version: number, body: unknown) => RawClient.requestOnce(brokers.get(id)!.broker.port, apiKey, version, body);
  const partitions = async () => {
    const res = await request(1, 3, 12, createMetadataRequest({ topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
    return (res.topics[0].partitions as Array<{ partitionIndex: number; leaderId: number; isrNodes: number[] }>).map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, isr: p.isrNodes }));
  };
  /** Prometheus text of broker `id`, from its /metrics port. */
  const metrics = async (id: number) => {
    const res = await fetch(`http://127.0.0.1:${brokers.get(id)!.broker.metricsPort}/metrics`);
    return res.text();
  };
  const value = (text: string, line: RegExp) => {
    const m = text.split('\n').find((l) => line.test(l));
    return m ? Number(m.split(' ').pop()) : 0;
  };
  const produceAll = async (round: number) => {
    for (const { partition, leader } of await partitions()) {
      const records = engine.encodeRecordBatch(Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`r${round}-${partition}-${i}`) })));
      const res = await request(leader, 0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] }));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    }
  };
  const replicasEqual = (end: number) =>
    [...brokers.values()].every((b) => Array.from({ length: PARTITIONS }, (_, p) => b.broker.logs.partition(TOPIC, p)).every((log) => log?.logEndOffset === end && log.highWatermark === end));

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const id of [1, 2]) {
      brokers.set(id, await startTestBroker({
        websocketPort: -1,
        properties: {
          'node.id': id, 'zookeeper.connect': zk.connectString, 'zookeeper.session.timeout.ms': 2000, 'replica.fetch.wait.max.ms': 100,
          'offsets.topic.replication.factor': 1, 'gregor.metrics.port': 0, 'gregor.metrics.host': '127.0.0.1',
        },
      }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers.values()) await b.stop();
    await zk?.stop();
  });

  it('replicate on sessions, and after a lost session on a new one', async () => {
    const created = await request(1, 19, 5, createCreateTopicsRequest({ topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }));
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    await waitForAsync(async () => (await partitions()).every((p) => p.isr.length === 2), 15_000, 'a full ISR');
    await produceAll(0);
    await waitFor(() => replicasEqual(5), 10_000, 'both replicas at 5');
    await produceAll(1);
    await waitFor(() => replicasEqual(10), 10_000, 'both replicas at 10');

    const led = new Map<number, number>();
    for (const { leader } of await partitions()) led.set(leader, (led.get(leader) ?? 0) + 1);
    expect(led.size).toBe(2);
    for (const [id, count] of led) {
      const text = await metrics(id);
      // The other broker fetches from this one in one session holding every partition led here.
      expect(value(text, /^gregor_fetch_sessions\{privileged="true"\}/)).toBe(1);
      expect(value(text, /^gregor_fetch_session_partitions /)).toBe(count);
      expect(value(text, /^gregor_fetch_requests_total\{session="incremental"\}/)).toBeGreaterThan(0);
      expect(value(text, /^gregor_fetch_requests_total\{session="sessionless"\}/)).toBe(0);
    }

    // Both leaders forget their sessions: followers get FETCH_SESSION_ID_NOT_FOUND and start again.
    const lost = new Map([...brokers].map(([id, b]) => [id, b.broker.fetchSessions.sessionIds()]));
    for (const [id, ids] of lost) for (const s of ids) brokers.get(id)!.broker.fetchSessions.remove(s);
    await produceAll(2);
    await waitFor(() => replicasEqual(15), 10_000, 'both replicas at 15');
    for (const [id, ids] of lost) {
      const text = await metrics(id);
      expect(value(text, /^gregor_fetch_requests_total\{session="error"\}/)).toBeGreaterThan(0);
      const now = brokers.get(id)!.broker.fetchSessions.sessionIds();
      expect(now).toHaveLength(1);
      expect(ids).not.toContain(now[0]);
    }
  }, 60_000);
});
