/**
 * Segment roll and index lookup on real files: with log.segment.bytes = 1 MiB, a 50 MB
 * partition spans many segments; Fetch from random offsets returns the batch holding the
 * offset first, then whole batches in order, and the data matches what was produced.
 * Reopening the log (indexes loaded from disk) gives the same answers.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { prng } from '../helpers/records.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const TOPIC = 'segmented';
const RECORD_BYTES = 1000;
const RECORDS_PER_BATCH = 10;
const BATCHES = 5_000; // 5,000 × ~10 KB ≈ 50 MB

function valueFor(offset: number): Buffer {
  const v = Buffer.alloc(RECORD_BYTES, offset % 251);
  v.writeUInt32BE(offset, 0);
  return v;
}

/** Offsets and values of every record in a fetched record set (uncompressed batches). */
function parseBatches(bytes: Uint8Array): Array<{ baseOffset: number; lastOffset: number }> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let pos = 0;
  while (pos + 61 <= b.length) {
    const size = b.readInt32BE(pos + 8) + 12;
    if (pos + size > b.length) break;
    const baseOffset = Number(b.readBigInt64BE(pos));
    out.push({ baseOffset, lastOffset: baseOffset + b.readInt32BE(pos + 23) });
    pos += size;
  }
  return out;
}

describe('segments and indexes', () => {
  const dir = makeTempDir();
  let t: TestBroker;

  beforeAll(async () => {
    t = await startTestBroker({ logDirs: dir.path, properties: { 'log.segment.bytes': 1_048_576 } });
    t.broker.logs.createTopic(TOPIC, 1);
    const c = await RawClient.connect(t.broker.port);
    for (let b = 0; b < BATCHES; b++) {
      const records = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ key: null, value: valueFor(b * RECORDS_PER_BATCH + i) }));
      const batch = t.broker.engine.encodeRecordBatch(records);
      const res = await c.request(0, 7, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }] });
      expect(res.responses[0].partitionResponses[0].baseOffset).toBe(b * RECORDS_PER_BATCH);
    }
    c.close();
  });
  afterAll(async () => {
    await t.stop();
    dir.remove();
  });

  it('rolls into many segments no larger than log.segment.bytes, each with its indexes', () => {
    const files = readdirSync(join(dir.path, `${TOPIC}-0`));
    const logs = files.filter((f) => f.endsWith('.log')).sort();
    expect(logs.length).toBeGreaterThanOrEqual(45);
    for (const f of logs) {
      expect(f).toMatch(/^\d{20}\.log$/);
      expect(statSync(join(dir.path, `${TOPIC}-0`, f)).size).toBeLessThanOrEqual(1_048_576);
      expect(files).toContain(f.replace('.log', '.index'));
      expect(files).toContain(f.replace('.log', '.timeindex'));
    }
    expect(t.broker.logs.partition(TOPIC, 0)!.logEndOffset).toBe(BATCHES * RECORDS_PER_BATCH);
  });

  async function fetchRandomOffsets(port: number, seed: number): Promise<void> {
    const c = await RawClient.connect(port);
    const rand = prng(seed);
    for (let i = 0; i < 300; i++) {
      const offset = Math.floor(rand() * BATCHES * RECORDS_PER_BATCH);
      const version = [4, 11, 12][i % 3]!;
      const res = await c.request(1, version, createFetchRequest({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 64 * 1024,
        topics: [createFetchRequestFetchTopic({ topic: TOPIC, partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: offset, partitionMaxBytes: 32 * 1024 })] })],
      }));
      const p = res.responses[0].partitions[0];
      expect(p.errorCode).toBe(0);
      const batches = parseBatches(p.records);
      expect(batches.length).toBeGreaterThan(0);
      expect(batches[0]!.baseOffset).toBeLessThanOrEqual(offset);
      expect(batches[0]!.lastOffset).toBeGreaterThanOrEqual(offset);
      batches.forEach((b, j) => j > 0 && expect(b.baseOffset).toBe(batches[j - 1]!.lastOffset + 1));
      // The first record's value carries its offset.
      const bytes = Buffer.from(p.records.buffer, p.records.byteOffset, p.records.byteLength);
      const firstValue = bytes.indexOf(valueFor(batches[0]!.baseOffset).subarray(0, 8));
      expect(firstValue).toBeGreaterThan(0);
    }
    c.close();
  }

  it('fetches from random offsets return the batch holding the offset', async () => {
    await fetchRandomOffsets(t.broker.port, 1);
  });

  it('gives the same answers after a restart, with indexes loaded from disk', async () => {
    await t.stop();
    t = await startTestBroker({ logDirs: dir.path, properties: { 'log.segment.bytes': 1_048_576 } });
    expect(t.broker.logs.partition(TOPIC, 0)!.logEndOffset).toBe(BATCHES * RECORDS_PER_BATCH);
    await fetchRandomOffsets(t.broker.port, 2);
  });
});
