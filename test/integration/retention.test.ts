/**
 * Retention and DeleteRecords end to end, with real clients and the broker's own retention
 * timer (log.retention.check.interval.ms=100):
 *   - size retention while kcat keeps producing: the partition's files stay under
 *     retention.bytes + one segment, and the log start offset advances;
 *   - a kcat consumer at the old log start gets OFFSET_OUT_OF_RANGE (auto.offset.reset=error)
 *     or resets to the new log start (earliest);
 *   - time retention deletes segments of old records (KafkaJS sends the timestamps);
 *   - KafkaJS admin.deleteTopicRecords moves the low watermark, kept across a restart.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SEGMENT_BYTES = 32 * 1024;
const RETENTION_BYTES = 128 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dirBytes(dir: string, suffix?: string): number {
  return readdirSync(dir)
    .filter((f) => !suffix || f.endsWith(suffix))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

describe('retention and DeleteRecords with real clients', () => {
  const dir = makeTempDir();
  let t: TestBroker;
  let kafka: Kafka;
  const start = async () => {
    t = await startTestBroker({ logDirs: dir.path, properties: { 'log.retention.check.interval.ms': 100 } });
    kafka = new Kafka({ clientId: 'retention-test', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  };
  beforeAll(start);
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  it('size retention keeps a partition under retention.bytes + one segment while kcat produces', async () => {
    t.broker.logs.createTopic('sized', 1, { 'retention.bytes': String(RETENTION_BYTES), 'segment.bytes': String(SEGMENT_BYTES), 'file.delete.delay.ms': '0' });
    const log = t.broker.logs.partition('sized', 0)!;
    const lines = (round: number) => Buffer.from(Array.from({ length: 500 }, (_, i) => `${round}-${i}-${'v'.repeat(80)}\n`).join(''));
    let lastStart = 0;
    for (let round = 0; round < 12; round++) {
      const r = await kcat(['-P', '-b', t.bootstrap, '-t', 'sized', '-p', '0', '-X', 'linger.ms=5'], lines(round));
      expect(r.code).toBe(0);
      await sleep(250);
      // Whole files in the partition directory: logs, indexes, metadata.
      expect(dirBytes(log.dir, '.log')).toBeLessThanOrEqual(RETENTION_BYTES + SEGMENT_BYTES);
      expect(dirBytes(log.dir)).toBeLessThanOrEqual(RETENTION_BYTES + SEGMENT_BYTES + 16 * 1024);
      expect(log.logStartOffset).toBeGreaterThanOrEqual(lastStart);
      lastStart = log.logStartOffset;
    }
    expect(log.logEndOffset).toBe(6000);
    expect(log.logStartOffset).toBeGreaterThan(3000);
  });

  it('a consumer at the old log start gets OFFSET_OUT_OF_RANGE and resets per its auto.offset.reset', async () => {
    const log = t.broker.logs.partition('sized', 0)!;
    const start = log.logStartOffset;
    const c = await RawClient.connect(t.broker.port);
    const res = await c.request(
      1,
      11,
      createFetchRequest({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [createFetchRequestFetchTopic({ topic: 'sized', partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 })] })],
      }),
    );
    c.close();
    expect(res.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: start, highWatermark: 6000 });

    const err = await kcat(['-C', '-b', t.bootstrap, '-t', 'sized', '-p', '0', '-o', '0', '-e', '-X', 'auto.offset.reset=error'], undefined, 30_000);
    expect(err.stderr).toMatch(/Offset out of range/i);

    const earliest = await kcat(['-C', '-b', t.bootstrap, '-t', 'sized', '-p', '0', '-o', '0', '-e', '-X', 'auto.offset.reset=earliest', '-f', CONSUME_FORMAT], undefined, 30_000);
    expect(earliest.code).toBe(0);
    const records = parseConsumed(earliest.stdout);
    expect(records[0]!.offset).toBe(start);
    expect(records.length).toBe(6000 - start);
    expect(records.at(-1)!.value!.toString()).toBe(`11-499-${'v'.repeat(80)}`);
  });

  it('time retention deletes the segments of old records (timestamps set by KafkaJS)', async () => {
    t.broker.logs.createTopic('timed', 1, { 'retention.ms': String(3_600_000), 'segment.bytes': '4096', 'file.delete.delay.ms': '0' });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const now = Date.now();
    const send = (n: number, timestamp: number, tag: string) =>
      producer.send({ topic: 'timed', acks: -1, messages: Array.from({ length: n }, (_, i) => ({ partition: 0, value: `${tag}-${i}-${'x'.repeat(200)}`, timestamp: String(timestamp) })) });
    for (let i = 0; i < 10; i++) await send(10, now - 2 * 3_600_000, 'old');
    for (let i = 0; i < 3; i++) await send(10, now, 'new');
    await producer.disconnect();
    await sleep(400);
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets('timed');
    await admin.disconnect();
    expect(offsets).toMatchObject({ partition: 0, high: '130' });
    // Every segment of only old records is gone; the first left holds the first new record.
    expect(Number(offsets!.low)).toBe(100);
  });

  it('KafkaJS deleteTopicRecords moves the low watermark; it survives a restart', async () => {
    t.broker.logs.createTopic('trimmed', 1, { 'segment.bytes': '2048' });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'trimmed', messages: Array.from({ length: 5 }, (_, j) => ({ partition: 0, value: `r${i * 5 + j}-${'y'.repeat(100)}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: ['trimmed'] });
    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '37' }] });
    expect((await admin.fetchTopicOffsets('trimmed'))[0]).toMatchObject({ low: '37', high: '100' });
    await expect(admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '500' }] })).rejects.toThrow();
    await admin.disconnect();
    const segmentsBefore = t.broker.logs.partition('trimmed', 0)!.segmentCount;

    await t.broker.stop();
    await start();
    const log = t.broker.logs.partition('trimmed', 0)!;
    expect(log.logStartOffset).toBe(37);
    expect(log.segmentCount).toBe(segmentsBefore);
    const read = await kcat(['-C', '-b', t.bootstrap, '-t', 'trimmed', '-p', '0', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT], undefined, 30_000);
    const records = parseConsumed(read.stdout);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 63 }, (_, i) => 37 + i));
  });
});
