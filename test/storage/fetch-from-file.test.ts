/**
 * Fetch of batches the partition's tail buffer no longer holds (a follower or consumer
 * behind the newest megabyte): served by one read of the segment file into a recycled buffer
 * (segment-reader.ts readBatchesFromFile) that goes back to the pool after the socket write.
 * The bytes must be exactly those on disk, cut after the last whole batch within the limit,
 * including when several such fetches are in flight on one connection (a buffer must not be
 * reused while its response is still being written).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/network/kafka-client.js';
import { type FetchResponse, createCreateTopicsRequest, createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic, createProduceRequest } from '../../src/protocol/generated/index.js';
import { wholeBatches } from '../../src/storage/batch-header.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';

const TOPIC = 'from-file';
const BATCHES = 48;
/** ~64 KB per batch: 3 MB in all, three times the tail buffer (1 MiB). */
const RECORDS_PER_BATCH = 64;

describe('Fetch from the segment file', () => {
  let t: TestBroker;
  let client: KafkaClient;
  let onDisk: Buffer;
  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1 });
    client = await KafkaClient.connect(t.bootstrap);
    await client.request(19, createCreateTopicsRequest({ timeoutMs: 10_000, topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] }));
    for (let b = 0; b < BATCHES; b++) {
      const records = t.broker.engine.encodeRecordBatch(Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ key: null, value: Buffer.alloc(1000, (b * 7 + i) & 0xff), timestamp: Date.now() })));
      await client.request(0, createProduceRequest({ acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }), 9);
    }
    onDisk = readFileSync(join(t.logDir, `${TOPIC}-0`, '00000000000000000000.log'));
  }, 60_000);
  afterAll(async () => {
    client.close();
    await t.stop();
  });

  /** Fetch (v12) from `offset`, at most `maxBytes` for the partition (followers read through the same path). */
  const fetch = (offset: number, maxBytes: number) =>
    client.request<FetchResponse>(
      1,
      createFetchRequest({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 50 << 20,
        topics: [createFetchRequestFetchTopic({ topic: TOPIC, partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: offset, partitionMaxBytes: maxBytes })] })],
      }),
      12,
    );
  /** Position in the file of the batch starting at `offset`, and where the whole batches within `maxBytes` from it end. */
  const expected = (offset: number, maxBytes: number) => {
    let start = -1;
    let end = -1;
    for (const h of wholeBatches(onDisk)) {
      if (h.baseOffset === offset) start = h.position;
      if (start >= 0 && h.position + h.sizeInBytes - start <= maxBytes) end = h.position + h.sizeInBytes;
    }
    return onDisk.subarray(start, end);
  };

  it('returns exactly the bytes on disk, whole batches within the limit', async () => {
    expect(onDisk.byteLength).toBeGreaterThan(3 * 1024 * 1024 - 100_000);
    // 1 MiB + 100 bytes: the limit falls inside a batch, which is left out.
    const { response } = await fetch(0, (1 << 20) + 100);
    const records = Buffer.from(response.responses[0]!.partitions[0]!.records!);
    const want = expected(0, (1 << 20) + 100);
    expect(records.byteLength).toBe(want.byteLength);
    expect(records.equals(want)).toBe(true);
  });

  it('at least one whole batch when the limit is below it (KIP-74)', async () => {
    const { response } = await fetch(RECORDS_PER_BATCH, 100);
    const records = Buffer.from(response.responses[0]!.partitions[0]!.records!);
    const first = [...wholeBatches(onDisk)][1]!;
    expect(records.equals(onDisk.subarray(first.position, first.position + first.sizeInBytes))).toBe(true);
  });

  it('several fetches from the file in flight at once each get their own bytes', async () => {
    const offsets = [0, 5, 10, 15, 20, 25].map((b) => b * RECORDS_PER_BATCH);
    const responses = await Promise.all(offsets.map((o) => fetch(o, 512 * 1024)));
    responses.forEach(({ response }, i) => {
      const records = Buffer.from(response.responses[0]!.partitions[0]!.records!);
      expect(records.equals(expected(offsets[i]!, 512 * 1024)), `fetch from offset ${offsets[i]}`).toBe(true);
    });
  });
});
