/**
 * DeleteRecords in a cluster (real ZooKeeper, three in-process brokers, replication factor 3):
 *  - sent to a follower it answers NOT_LEADER_OR_FOLLOWER and moves nothing anywhere;
 *  - at the leader it moves the log start offset there and, through the logStartOffset of
 *    the leader's Fetch responses, on every follower too (their whole segments below it are
 *    deleted as on the leader); the answer's low watermark is the replicas' minimum, so it
 *    comes once every follower has it (Kafka DelayedDeleteRecords);
 *  - after the leader stops, the new leader's ListOffsets EARLIEST reports the new start.
 * Source: protocol guide "DeleteRecords"; KIP-107; Kafka ReplicaFetcherThread.processPartitionData.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createCreateTopicsRequest, createDeleteRecordsRequest, createListOffsetsRequest, createMetadataRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'dr-replicated';

describe('DeleteRecords on a replicated partition', () => {
  let zk: ZooKeeperServer;
  const brokers = new Map<number, TestBroker>();
  const engine = createEngine('js');

  const request = (id: number, apiKey: number, version: number, body: unknown) => RawClient.requestOnce(brokers.get(id)!.broker.port, apiKey, version, body);
  const state = async (via: number) => {
    const res = await request(via, 3, 12, createMetadataRequest({ topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
    const p = res.topics[0].partitions[0];
    return { leader: p.leaderId as number, isr: p.isrNodes as number[] };
  };
  const deleteRecords = async (id: number, offset: number) => {
    const res = await request(id, 21, 2, createDeleteRecordsRequest({ timeoutMs: 3000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset }] }] }));
    const p = res.topics[0].partitions[0];
    return { errorCode: p.errorCode as number, lowWatermark: Number(p.lowWatermark) };
  };
  const logOf = (id: number) => brokers.get(id)!.broker.logs.partition(TOPIC, 0)!;

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const id of [1, 2, 3]) {
      brokers.set(id, await startTestBroker({
        properties: { 'node.id': id, 'zookeeper.connect': zk.connectString, 'zookeeper.session.timeout.ms': 2000, 'replica.fetch.wait.max.ms': 100, 'offsets.topic.replication.factor': 1 },
      }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers.values()) await b.stop();
    await zk?.stop();
  });

  it('a follower refuses; the leader moves the start on every replica; a new leader keeps it', async () => {
    const created = await request(1, 19, 5, createCreateTopicsRequest({
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [{ name: 'segment.bytes', value: '300' }] }],
      timeoutMs: 10_000,
      validateOnly: false,
    }));
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    await waitForAsync(async () => (await state(1)).isr.length === 3, 15_000, 'a full ISR');
    const { leader } = await state(1);
    const followers = [...brokers.keys()].filter((id) => id !== leader);

    // 40 batches of one record (~80 bytes each): several segments of 300 bytes.
    for (let i = 0; i < 40; i++) {
      const res = await request(leader, 0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: engine.encodeRecordBatch([{ key: null, value: Buffer.from(`record-${i}`) }]) }] }] }));
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    }
    await waitFor(() => [...brokers.keys()].every((id) => logOf(id).highWatermark === 40), 10_000, 'the high watermark on every replica');
    expect(logOf(leader).segmentCount).toBeGreaterThan(3);

    // (a) Sent to a follower: NOT_LEADER_OR_FOLLOWER, and no replica moves.
    expect(await deleteRecords(followers[0]!, 25)).toEqual({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, lowWatermark: -1 });
    for (const id of brokers.keys()) expect(logOf(id).logStartOffset).toBe(0);

    // (b) At the leader: beyond the high watermark is OFFSET_OUT_OF_RANGE; 25 moves every replica.
    expect(await deleteRecords(leader, 41)).toEqual({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 });
    const segmentsBefore = new Map([...brokers.keys()].map((id) => [id, logOf(id).segmentCount]));
    // The low watermark answered is the minimum over the replicas: every follower has it already.
    expect(await deleteRecords(leader, 25)).toEqual({ errorCode: ErrorCode.NONE, lowWatermark: 25 });
    for (const id of followers) expect(logOf(id).logStartOffset).toBe(25);
    await waitFor(() => [...brokers.keys()].every((id) => logOf(id).logStartOffset === 25), 10_000, 'the log start offset on every replica');
    for (const id of brokers.keys()) {
      expect(logOf(id).segmentCount).toBeLessThan(segmentsBefore.get(id)!);
      expect(logOf(id).segmentList[0]!.baseOffset).toBeLessThanOrEqual(25);
    }

    // The leader stops: the new one answers ListOffsets EARLIEST with the new start.
    await brokers.get(leader)!.stop();
    brokers.delete(leader);
    let newLeader = -1;
    await waitForAsync(async () => {
      newLeader = (await state(followers[0]!)).leader;
      return newLeader !== leader && newLeader >= 0;
    }, 15_000, 'a new leader');
    await waitForAsync(async () => {
      const res = await request(newLeader, 2, 7, createListOffsetsRequest({ replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 }] }] }));
      const p = res.topics[0].partitions[0];
      expect(p.errorCode).toBe(ErrorCode.NONE);
      return Number(p.offset) === 25;
    }, 10_000, 'the new leader to report log start offset 25');
  }, 60_000);
});
