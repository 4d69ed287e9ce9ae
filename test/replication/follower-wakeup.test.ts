/**
 * A follower's long-poll fetch does not sit out `replica.fetch.wait.max.ms` (10 s here): two
 * in-process brokers on a real ZooKeeper, one partition with replication factor 2.
 *  - The leader's append answers the follower's parked fetch, so each acks=all produce
 *    completes in far less than the 10 s wait (a behaviour bound, not a speed measure).
 *  - The follower's fetch that moves the high watermark is answered at once with it, so the
 *    follower's high watermark reaches the leader's without another append or a 10 s wait.
 * Source: Kafka DelayedFetch (completed by the append); protocol guide "Fetch" (high_watermark).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createCreateTopicsRequest, createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'wakeup';
const FETCH_WAIT_MS = 10_000;

describe('a follower fetch parked at the leader', () => {
  let zk: ZooKeeperServer;
  const brokers = new Map<number, TestBroker>();
  const engine = createEngine('js');

  const request = async (id: number, apiKey: number, version: number, body: unknown) => {
    const c = await RawClient.connect(brokers.get(id)!.broker.port);
    try {
      return await c.request(apiKey, version, body);
    } finally {
      c.close();
    }
  };
  const partition = async () => {
    const res = await request(1, 3, 12, createMetadataRequest({ topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
    const p = res.topics[0].partitions[0] as { leaderId: number; isrNodes: number[] } | undefined;
    return { leader: p?.leaderId ?? -1, isr: p?.isrNodes ?? [] };
  };
  const produce = async (leader: number, n: number) => {
    const records = engine.encodeRecordBatch(Array.from({ length: 3 }, (_, i) => ({ key: null, value: Buffer.from(`v${n}-${i}`) })));
    const res = await request(leader, 0, 9, createProduceRequest({ acks: -1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }));
    return res.responses[0].partitionResponses[0].errorCode as number;
  };
  const log = (id: number) => brokers.get(id)!.broker.logs.partition(TOPIC, 0)!;

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const id of [1, 2]) {
      brokers.set(id, await startTestBroker({
        websocketPort: -1,
        properties: {
          'node.id': id, 'zookeeper.connect': zk.connectString, 'zookeeper.session.timeout.ms': 2000,
          'replica.fetch.wait.max.ms': FETCH_WAIT_MS, 'offsets.topic.replication.factor': 1,
        },
      }));
    }
    const created = await request(1, 19, 5, createCreateTopicsRequest({ topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }));
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    await waitForAsync(async () => (await partition()).isr.length === 2, 15_000, 'a full ISR');
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers.values()) await b.stop();
    await zk?.stop();
  });

  it('is answered by the append: acks=all produces complete long before replica.fetch.wait.max.ms', async () => {
    const { leader } = await partition();
    const started = Date.now();
    for (let n = 0; n < 5; n++) expect(await produce(leader, n)).toBe(ErrorCode.NONE);
    // Waiting out the follower's long poll would take 10 s per produce.
    expect(Date.now() - started).toBeLessThan(FETCH_WAIT_MS / 2);
  }, 60_000);

  it('tells the follower the high watermark its fetch moved, without waiting for the next append', async () => {
    const { leader } = await partition();
    const follower = leader === 1 ? 2 : 1;
    expect(await produce(leader, 100)).toBe(ErrorCode.NONE);
    const end = log(leader).logEndOffset;
    expect(log(leader).highWatermark).toBe(end);
    // Without the answer, the follower would learn it only after its 10 s long poll.
    await waitFor(() => log(follower).highWatermark === end, FETCH_WAIT_MS / 2, `the follower's high watermark at ${end}`);
    expect(log(follower).logEndOffset).toBe(end);
  }, 60_000);
});
