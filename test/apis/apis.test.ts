/**
 * API behaviour at exact versions over a real socket (the raw client on the generated
 * codecs): acks=0, Fetch long poll woken by an append, ListOffsets special timestamps and
 * v0, topic ids, and Kafka's error codes for bad topics, offsets and configs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createDeleteTopicsRequest,
  createDescribeConfigsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createListOffsetsRequest,
  createMetadataRequest,
  createProduceRequest,
} from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

const PRODUCE = 0;
const FETCH = 1;
const LIST_OFFSETS = 2;
const METADATA = 3;
const CREATE_TOPICS = 19;
const DELETE_TOPICS = 20;
const DESCRIBE_CONFIGS = 32;

describe('APIs over a raw socket', () => {
  let t: TestBroker;
  let c: RawClient;

  beforeAll(async () => {
    t = await startTestBroker();
    t.broker.logs.createTopic('apis', 1);
    c = await RawClient.connect(t.broker.port);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });

  const batch = (value: string, timestamp = Date.now()) => t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.from(value), timestamp }]);
  const produce = (topic: string, records: Uint8Array, acks = 1) =>
    createProduceRequest({ acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  const fetch = (topic: string, fetchOffset: number, maxWaitMs: number, topicId?: string) =>
    createFetchRequest({
      maxWaitMs,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [createFetchRequestFetchTopic({ topic, topicId, partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 })] })],
    });

  it('acks=0 gets no response, yet the records are appended and later responses stay in order', async () => {
    const leo = t.broker.logs.partition('apis', 0)!.logEndOffset;
    c.sendRaw(c.encode(PRODUCE, 7, produce('apis', batch('fire-and-forget'), 0)));
    const meta = await c.request(METADATA, 1, createMetadataRequest({ topics: [{ name: 'apis', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }));
    expect(meta.topics[0].name).toBe('apis');
    expect(t.broker.logs.partition('apis', 0)!.logEndOffset).toBe(leo + 1);
  });

  it('a long-poll fetch parks until an append wakes it, and answers later requests in order', async () => {
    const log = t.broker.logs.partition('apis', 0)!;
    const leo = log.logEndOffset;
    const other = await RawClient.connect(t.broker.port);
    // max_wait_ms of 60 s: if only a timer could end the wait, the test would time out.
    const parked = other.request(FETCH, 11, fetch('apis', leo, 60_000));
    const metaAfter = other.request(METADATA, 1, createMetadataRequest({ topics: [] }));
    let settled = false;
    void parked.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    expect(t.broker.fetchPurgatory.size).toBe(1);
    await c.request(PRODUCE, 9, produce('apis', batch('wake-up')));
    const res = await parked;
    expect(res.responses[0].partitions[0].errorCode).toBe(0);
    expect(Buffer.from(res.responses[0].partitions[0].records).includes('wake-up')).toBe(true);
    await metaAfter;
    other.close();
  });

  it('a fetch with nothing to read returns empty when max_wait_ms passes', async () => {
    const leo = t.broker.logs.partition('apis', 0)!.logEndOffset;
    const res = await c.request(FETCH, 4, fetch('apis', leo, 50));
    expect(res.responses[0].partitions[0].errorCode).toBe(0);
    expect(res.responses[0].partitions[0].records.byteLength).toBe(0);
    expect(res.responses[0].partitions[0].highWatermark).toBe(leo);
  });

  it('fetch errors: OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID (v13+)', async () => {
    const leo = t.broker.logs.partition('apis', 0)!.logEndOffset;
    let res = await c.request(FETCH, 11, fetch('apis', leo + 10, 0));
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    res = await c.request(FETCH, 11, fetch('nope', 0, 0));
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    res = await c.request(FETCH, 13, fetch('', 0, 0, 'AAAAAAAAAAAAAAAAAAAAAQ'));
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    const topicId = t.broker.logs.topic('apis')!.topicId;
    res = await c.request(FETCH, 17, fetch('', 0, 0, topicId));
    expect(res.responses[0].topicId).toBe(topicId);
    expect(res.responses[0].partitions[0].errorCode).toBe(0);
    expect(res.responses[0].partitions[0].records.byteLength).toBeGreaterThan(0);
  });

  it('ListOffsets: earliest, latest, max timestamp, by timestamp, and v0 old-style offsets', async () => {
    t.broker.logs.createTopic('times', 1);
    const base = 1_800_000_000_000;
    for (const [i, ts] of [base + 10, base + 30, base + 20].entries()) await c.request(PRODUCE, 9, produce('times', batch(`r${i}`, ts)));
    const ask = (version: number, timestamp: number) =>
      c.request(LIST_OFFSETS, version, createListOffsetsRequest({ replicaId: -1, topics: [{ name: 'times', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }] }));
    const one = async (version: number, timestamp: number) => (await ask(version, timestamp)).topics[0].partitions[0];
    expect((await one(9, -2)).offset).toBe(0);
    expect((await one(9, -1)).offset).toBe(3);
    expect(await one(9, -3)).toMatchObject({ offset: 1, timestamp: base + 30 });
    expect(await one(9, base + 15)).toMatchObject({ offset: 1, timestamp: base + 30 });
    expect(await one(9, base + 31)).toMatchObject({ offset: -1, timestamp: -1 });
    expect((await one(0, -1)).oldStyleOffsets).toEqual([3]);
    expect((await one(1, -2)).offset).toBe(0);
    const unknown = await c.request(LIST_OFFSETS, 5, createListOffsetsRequest({ replicaId: -1, topics: [{ name: 'nope', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] }));
    expect(unknown.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('Metadata: v0 empty list and v1+ null list mean all topics; v1+ empty means none', async () => {
    const all0 = await c.request(METADATA, 0, createMetadataRequest({ topics: [] }));
    const all12 = await c.request(METADATA, 12, createMetadataRequest({ topics: null }));
    const none = await c.request(METADATA, 12, createMetadataRequest({ topics: [] }));
    const names = t.broker.logs.allTopics().map((x) => x.name).sort();
    expect(all0.topics.map((x: { name: string }) => x.name).sort()).toEqual(names);
    expect(all12.topics.map((x: { name: string }) => x.name).sort()).toEqual(names);
    expect(none.topics).toEqual([]);
    expect(all12.clusterId).toBe(t.broker.clusterId);
    expect(all12.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: t.broker.port, rack: null }]);
    const byId = await c.request(METADATA, 12, createMetadataRequest({ topics: [{ topicId: t.broker.logs.topic('apis')!.topicId, name: null }] }));
    expect(byId.topics[0].name).toBe('apis');
    const noCreate = await c.request(METADATA, 12, createMetadataRequest({ topics: [{ name: 'not-created', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
    expect(noCreate.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(t.broker.logs.topic('not-created')).toBeUndefined();
  });

  it('CreateTopics: validate_only, replication factor above the broker count, unknown configs, duplicates', async () => {
    const topic = (name: string, extra: object = {}) => createCreateTopicsRequestCreatableTopic({ name, numPartitions: 2, replicationFactor: 1, ...extra });
    const res = await c.request(
      CREATE_TOPICS,
      7,
      createCreateTopicsRequest({
        timeoutMs: 1000,
        topics: [topic('ok-topic'), topic('rf3', { replicationFactor: 3 }), topic('cfg', { configs: [{ name: 'no.such.config', value: '1' }] }), topic('dup'), topic('dup'), topic('apis')],
      }),
    );
    const codes = Object.fromEntries(res.topics.map((x: { name: string; errorCode: number }) => [x.name, x.errorCode]));
    expect(codes).toEqual({
      'ok-topic': 0,
      rf3: ErrorCode.INVALID_REPLICATION_FACTOR,
      cfg: ErrorCode.INVALID_CONFIG,
      dup: ErrorCode.INVALID_REQUEST,
      apis: ErrorCode.TOPIC_ALREADY_EXISTS,
    });
    expect(t.broker.logs.topic('ok-topic')!.partitions).toHaveLength(2);
    const dry = await c.request(CREATE_TOPICS, 7, createCreateTopicsRequest({ timeoutMs: 1000, validateOnly: true, topics: [topic('dry-run')] }));
    expect(dry.topics[0].errorCode).toBe(0);
    expect(t.broker.logs.topic('dry-run')).toBeUndefined();
  });

  it('DeleteTopics by name (v5) and by topic id (v6)', async () => {
    t.broker.logs.createTopic('del-by-name', 1);
    const byId = t.broker.logs.createTopic('del-by-id', 1);
    const v5 = await c.request(DELETE_TOPICS, 5, createDeleteTopicsRequest({ topicNames: ['del-by-name', 'never-was'], timeoutMs: 1000 }));
    expect(v5.responses.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const v6 = await c.request(DELETE_TOPICS, 6, createDeleteTopicsRequest({ topics: [{ name: null, topicId: byId.topicId }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }], timeoutMs: 1000 }));
    expect(v6.responses.map((r: { errorCode: number; name: string }) => [r.name, r.errorCode])).toEqual([
      ['del-by-id', 0],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    expect(t.broker.logs.topic('del-by-name')).toBeUndefined();
    expect(t.broker.logs.topic('del-by-id')).toBeUndefined();
  });

  it('DescribeConfigs: topic defaults, broker configs, unknown topic', async () => {
    const res = await c.request(
      DESCRIBE_CONFIGS,
      4,
      createDescribeConfigsRequest({
        includeDocumentation: true,
        resources: [
          { resourceType: 2, resourceName: 'apis', configurationKeys: ['segment.bytes', 'cleanup.policy'] },
          { resourceType: 4, resourceName: '0', configurationKeys: null },
          { resourceType: 2, resourceName: 'nope', configurationKeys: null },
        ],
      }),
    );
    const [topic, broker, unknown] = res.results;
    expect(topic.errorCode).toBe(0);
    expect(Object.fromEntries(topic.configs.map((x: { name: string; value: string }) => [x.name, x.value]))).toEqual({ 'segment.bytes': '1073741824', 'cleanup.policy': 'delete' });
    expect(broker.configs.find((x: { name: string }) => x.name === 'num.partitions').value).toBe('1');
    expect(unknown.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
