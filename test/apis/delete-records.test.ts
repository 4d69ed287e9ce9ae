/**
 * DeleteRecords (key 21) error codes over a raw socket: -1 means the high watermark, an
 * offset below the low watermark changes nothing, above the high watermark is
 * OFFSET_OUT_OF_RANGE, unknown partitions UNKNOWN_TOPIC_OR_PARTITION, and a compact-only
 * topic refuses with POLICY_VIOLATION.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createDeleteRecordsRequest } from '../../src/protocol/generated/index.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

describe('DeleteRecords over a raw socket', () => {
  let t: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    t = await startTestBroker();
    c = await RawClient.connect(t.broker.port);
    t.broker.logs.createTopic('dr', 2);
    t.broker.logs.createTopic('dr-compact', 1, { 'cleanup.policy': 'compact' });
    const log = t.broker.logs.partition('dr', 0)!;
    for (let i = 0; i < 10; i++) log.append(t.broker.engine.encodeRecordBatch([{ key: null, value: Buffer.from(`v${i}`) }]), 0);
  });
  afterAll(async () => {
    c.close();
    await t.stop();
  });

  const del = async (version: number, topic: string, partitions: Array<[number, number]>) => {
    const res = await c.request(21, version, createDeleteRecordsRequest({ timeoutMs: 1000, topics: [{ name: topic, partitions: partitions.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) }] }));
    return res.topics[0].partitions.map((p: { lowWatermark: number; errorCode: number }) => [p.errorCode, p.lowWatermark]);
  };

  it('moves the low watermark, never down; -1 is the high watermark', async () => {
    expect(await del(2, 'dr', [[0, 4]])).toEqual([[0, 4]]);
    expect(await del(0, 'dr', [[0, 2]])).toEqual([[0, 4]]);
    expect(await del(1, 'dr', [[0, -1], [1, -1]])).toEqual([[0, 10], [0, 0]]);
  });

  it('error codes: OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION, POLICY_VIOLATION', async () => {
    expect(await del(2, 'dr', [[0, 11], [1, -2], [5, 0]])).toEqual([
      [ErrorCode.OFFSET_OUT_OF_RANGE, -1],
      [ErrorCode.OFFSET_OUT_OF_RANGE, -1],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
    ]);
    expect(await del(2, 'dr-compact', [[0, 0]])).toEqual([[ErrorCode.POLICY_VIOLATION, -1]]);
  });
});
