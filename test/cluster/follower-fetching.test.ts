/**
 * Fetch from follower (KIP-392) on a real ZooKeeper with three in-process brokers in racks
 * r1, r2, r3 and `replica.selector.class` = Kafka's RackAwareReplicaSelector: a real
 * librdkafka consumer (kcat, `client.rack=r2`) reads every record of a partition led by
 * broker 1 and broker 2 — the follower in its rack — serves them (its
 * gregor_follower_consumer_fetch_bytes_total); a consumer in the leader's rack is served by
 * the leader. On the wire: the leader answers a consumer in r2 with preferred_read_replica 2 and
 * no records; the follower answers Fetch v11+ up to its high watermark, and gives Kafka's
 * errors: NOT_LEADER_OR_FOLLOWER below v11, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH for
 * an older / newer current_leader_epoch, OFFSET_OUT_OF_RANGE past its log end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic, createProduceRequest } from '../../src/protocol/generated/index.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { type ZkCluster, startZkCluster } from '../helpers/zk-cluster.js';

const TOPIC = 'nearby';
const RECORDS = 300;
const SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

describe('fetch from follower (KIP-392)', () => {
  let cluster: ZkCluster;
  const brokers: TestBroker[] = [];
  const state = () => brokers[0]!.broker.metadata.partition(TOPIC, 0)!;
  const servedAsFollower = async (b: TestBroker) => {
    const text = await b.broker.metrics.registry.getSingleMetricAsString('gregor_follower_consumer_fetch_bytes_total');
    return Number(/ (\d+)$/m.exec(text)?.[1] ?? 0);
  };
  const fetch = async (b: TestBroker, version: number, opts: { offset?: number; rack?: string; epoch?: number } = {}) => {
    const res = await RawClient.requestOnce(b.broker.port, 1, version, createFetchRequest({
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: opts.rack ?? '',
      topics: [createFetchRequestFetchTopic({
        topic: TOPIC,
        topicId: version >= 13 ? b.broker.logs.topic(TOPIC)!.topicId : undefined,
        partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: opts.offset ?? 0, currentLeaderEpoch: opts.epoch ?? -1, partitionMaxBytes: 1 << 20 })],
      })],
    }));
    return res.responses[0].partitions[0] as { errorCode: number; highWatermark: number; preferredReadReplica: number; records: Uint8Array | null };
  };
  const consume = (rack: string) => kcat(['-b', `127.0.0.1:${brokers[0]!.broker.port}`, '-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `client.rack=${rack}`, '-f', CONSUME_FORMAT]);

  beforeAll(async () => {
    cluster = await startZkCluster(3, (id) => ({ 'broker.rack': `r${id}`, 'replica.selector.class': SELECTOR }));
    brokers.push(...cluster.brokers);
    await brokers[0]!.broker.topicAdmin.createTopic({ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignment: [[1, 2, 3]], configs: {} }, false, 10_000);
    await waitFor(() => state()?.isr.length === 3, 15_000, 'a full ISR');
    const engine = createEngine('js');
    const c = await RawClient.connect(brokers[0]!.broker.port);
    for (let i = 0; i < RECORDS / 10; i++) {
      const records = engine.encodeRecordBatch(Array.from({ length: 10 }, (_, j) => ({ key: Buffer.from(`k${i * 10 + j}`), value: Buffer.from(`value-${i * 10 + j}`) })));
      const res = await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    c.close();
    // The followers' high watermarks follow the leader's on their next fetch.
    await waitFor(() => brokers.every((b) => b.broker.logs.partition(TOPIC, 0)?.highWatermark === RECORDS), 10_000, 'every replica at the high watermark');
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('kcat with client.rack=r2 reads every record, served by the follower in r2', async () => {
    expect(state().leader).toBe(1);
    const before = await servedAsFollower(brokers[1]!);
    const res = await consume('r2');
    expect(res.code).toBe(0);
    const got = parseConsumed(res.stdout);
    expect(got.map((r) => r.offset)).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
    expect(got.map((r) => r.value!.toString())).toEqual(Array.from({ length: RECORDS }, (_, i) => `value-${i}`));
    expect(await servedAsFollower(brokers[1]!)).toBeGreaterThan(before);
    expect(await servedAsFollower(brokers[2]!)).toBe(0);
  }, 60_000);

  it('a consumer in the leader\'s rack reads from the leader', async () => {
    const before = [await servedAsFollower(brokers[1]!), await servedAsFollower(brokers[2]!)];
    const res = await consume('r1');
    expect(parseConsumed(res.stdout).length).toBe(RECORDS);
    expect([await servedAsFollower(brokers[1]!), await servedAsFollower(brokers[2]!)]).toEqual(before);
  }, 60_000);

  it('the leader points a consumer to the follower in its rack; the follower answers with Kafka\'s errors', async () => {
    const [leader, follower] = [brokers[0]!, brokers[1]!];
    // Moving the partition off broker 3 bumps the leader epoch (so an older one exists to be fenced).
    const moved = await RawClient.requestOnce(brokers.find((b) => b.broker.controller.isActive)!.broker.port, 45, 0, { timeoutMs: 10_000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: [1, 2] }] }] });
    expect(moved.responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    const settled = () => state().leaderEpoch > 0 && state().leader === 1 && JSON.stringify(state().replicas) === '[1,2]' && [leader, follower].every((b) => b.broker.replicas.replica(TOPIC, 0)?.leaderEpoch === state().leaderEpoch);
    await waitFor(settled, 15_000, 'a new leader epoch on both replicas');
    await waitFor(() => [leader, follower].every((b) => b.broker.logs.partition(TOPIC, 0)?.highWatermark === RECORDS), 10_000, 'both replicas at the high watermark');
    // The new epoch restarts the leader's view of its followers: follower 2 is a candidate again
    // once it has fetched in it.
    await waitFor(() => leader.broker.replicas.replica(TOPIC, 0)?.followers.get(2)?.logEndOffset === RECORDS, 10_000, 'follower 2 fetching in the new epoch');
    const epoch = state().leaderEpoch;
    const redirected = await fetch(leader, 12, { rack: 'r2' });
    expect(redirected).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: 2, highWatermark: RECORDS });
    expect(redirected.records?.length ?? 0).toBe(0);
    expect(await fetch(leader, 12, { rack: 'r1' })).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: -1 });
    expect(await fetch(leader, 12, { rack: 'r9' })).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: -1 });
    // Below v11 there is no fetching from followers.
    expect((await fetch(leader, 10, { rack: 'r2' })).records?.length).toBeGreaterThan(0);
    expect((await fetch(follower, 10)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const served = await fetch(follower, 13, { epoch });
    expect(served).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: RECORDS, preferredReadReplica: -1 });
    expect(served.records?.length).toBeGreaterThan(0);
    expect((await fetch(follower, 12, { epoch: epoch - 1 })).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await fetch(follower, 12, { epoch: epoch + 1 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await fetch(follower, 12, { offset: RECORDS + 5 })).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    // At its high watermark: no records, no error (the consumer waits there).
    expect(await fetch(follower, 12, { offset: RECORDS })).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: RECORDS });
  });

  it('refuses a replica.selector.class it does not have', async () => {
    const dir = makeTempDir('gregor-kip392-bad-');
    try {
      await expect(startTestBroker({ logDirs: dir.path, websocketPort: -1, properties: { 'replica.selector.class': 'com.example.Mine' } })).rejects.toThrow(/replica.selector.class.*not supported/);
    } finally {
      dir.remove();
    }
  });
});
