/**
 * DeleteRecords waits for the followers (Kafka DelayedDeleteRecords), on a real ZooKeeper
 * with two broker processes: while the follower is paused (SIGSTOP, still registered and in
 * the ISR) the leader moves its own log start offset but the answer is REQUEST_TIMED_OUT
 * after `timeout_ms`, with the low watermark still the follower's; resumed, the follower
 * takes the leader's log start offset from its next Fetch (and checkpoints it), and the same
 * request succeeds with the new low watermark.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createCreateTopicsRequest, createDeleteRecordsRequest, createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { type ClusterNode, ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';

const TOPIC = 'dr-lagging';

describe('DeleteRecords with a lagging follower', () => {
  let cluster: ProcessCluster;
  const engine = createEngine('js');

  const request = (id: number, apiKey: number, version: number, body: unknown) => RawClient.requestOnce(cluster.portOf(id), apiKey, version, body);
  const deleteRecords = async (id: number, offset: number, timeoutMs: number) => {
    const res = await request(id, 21, 2, createDeleteRecordsRequest({ timeoutMs, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset }] }] }));
    const p = res.topics[0].partitions[0];
    return { errorCode: p.errorCode as number, lowWatermark: Number(p.lowWatermark) };
  };
  /** The log start offset a broker checkpointed for the partition (0 when it has no entry). */
  const checkpointed = (n: ClusterNode) => {
    const file = join(n.dir.path, 'log-start-offset-checkpoint');
    if (!existsSync(file)) return 0;
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${TOPIC} 0 `));
    return line ? Number(line.split(' ')[2]) : 0;
  };

  beforeAll(async () => {
    cluster = await ProcessCluster.start([1, 2], [
      'zookeeper.session.timeout.ms=10000', 'replica.lag.time.max.ms=10000',
      'replica.fetch.wait.max.ms=100', 'offsets.topic.replication.factor=1',
    ], 'gregor-drlag');
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('times out while the follower is paused, completes once it has the new start', async () => {
    const created = await request(1, 19, 5, createCreateTopicsRequest({ topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }));
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    let leader = -1;
    await waitForAsync(async () => {
      const res = await request(1, 3, 12, createMetadataRequest({ topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
      const p = res.topics[0].partitions[0];
      leader = p.leaderId;
      return p.isrNodes.length === 2;
    }, 15_000, 'a full ISR');
    const follower = cluster.node(leader === 1 ? 2 : 1);
    const res = await request(leader, 0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: engine.encodeRecordBatch(Array.from({ length: 20 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`) }))) }] }] }));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);

    follower.proc!.child.kill('SIGSTOP');
    expect(await deleteRecords(leader, 10, 1000)).toEqual({ errorCode: ErrorCode.REQUEST_TIMED_OUT, lowWatermark: 0 });
    expect(checkpointed(cluster.node(leader))).toBe(10);
    expect(checkpointed(follower)).toBe(0);

    follower.proc!.child.kill('SIGCONT');
    await waitFor(() => checkpointed(follower) === 10, 10_000, 'the follower to checkpoint log start offset 10');
    expect(await deleteRecords(leader, 10, 5000)).toEqual({ errorCode: ErrorCode.NONE, lowWatermark: 10 });
  }, 60_000);
});
