/**
 * KafkaClient.requestRetained (the replica fetcher's fetches): a response's records are views
 * of a receive buffer that goes back to the frame pool on release, so the next response of the
 * same size lands in the same memory (pages already mapped) instead of a fresh buffer; the
 * bytes are the ones the broker sent, each time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/network/kafka-client.js';
import { type FetchResponse, createCreateTopicsRequest, createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic, createProduceRequest } from '../../src/protocol/generated/index.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';

const FETCH = 1;
const TOPIC = 'retained';

describe('KafkaClient retained responses', () => {
  let t: TestBroker;
  let client: KafkaClient;
  let produced: Uint8Array;
  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1 });
    client = await KafkaClient.connect(t.bootstrap);
    await client.request(19, createCreateTopicsRequest({ timeoutMs: 10_000, topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] }));
    // ~200 KB in one batch: held by the partition's tail buffer, so the broker's own reads use no pooled buffer.
    produced = t.broker.engine.encodeRecordBatch(Array.from({ length: 200 }, (_, i) => ({ key: null, value: Buffer.alloc(1000, i), timestamp: Date.now() })));
    await client.request(0, createProduceRequest({ acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: produced }] }] }), 9);
  }, 60_000);
  afterAll(async () => {
    client.close();
    await t.stop();
  });

  const fetch = () =>
    client.requestRetained<FetchResponse>(
      FETCH,
      createFetchRequest({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [createFetchRequestFetchTopic({ topic: TOPIC, partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 })] })],
      }),
      12,
    );
  const recordsOf = (r: FetchResponse) => r.responses[0]!.partitions[0]!.records!;

  it('a released response buffer receives the next response, with the right bytes each time', async () => {
    const first = await fetch();
    const firstRecords = recordsOf(first.response);
    expect(firstRecords.byteLength).toBe(produced.byteLength);
    // The broker stamps the base offset and the partition leader epoch (bytes 0–15).
    expect(Buffer.from(firstRecords.subarray(16)).equals(Buffer.from(produced.subarray(16)))).toBe(true);
    const firstMemory = firstRecords.buffer;
    first.release();
    first.release(); // a second release is a no-op
    const second = await fetch();
    const secondRecords = recordsOf(second.response);
    expect(secondRecords.buffer).toBe(firstMemory);
    expect(Buffer.from(secondRecords.subarray(16)).equals(Buffer.from(produced.subarray(16)))).toBe(true);
    second.release();
  });

  it('a response held (not released) keeps its bytes while later responses arrive', async () => {
    const held = await fetch();
    const later = await fetch();
    expect(recordsOf(later.response).buffer).not.toBe(recordsOf(held.response).buffer);
    later.release();
    (await fetch()).release();
    expect(Buffer.from(recordsOf(held.response).subarray(16)).equals(Buffer.from(produced.subarray(16)))).toBe(true);
    held.release();
  });
});
