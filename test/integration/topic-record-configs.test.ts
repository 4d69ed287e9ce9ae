/**
 * Topic configs that change what the leader stores, checked with real clients against an
 * in-process broker (issue 13, Kafka LogValidator):
 *  - `message.timestamp.type=LogAppendTime`: Produce answers log_append_time_ms; KafkaJS and
 *    kcat (`%T`) read the append time; the .log file's batches carry the timestamp-type bit and
 *    maxTimestamp = the append time.
 *  - `message.timestamp.before.max.ms` / `after.max.ms` / deprecated `difference.max.ms`:
 *    INVALID_TIMESTAMP for any record out of range (also inside a compressed batch), the whole
 *    batch refused; surfaced by KafkaJS and kcat.
 *  - `compression.type`: batches produced uncompressed (kcat -z none) or with another codec are
 *    stored with the topic's codec (read from the .log file) and read back unchanged.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTES_OFFSET, BATCH_LENGTH_OFFSET, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, RECORDS_COUNT_OFFSET, RECORDS_OFFSET } from '../../src/engine/layout.js';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { leaderClock } from '../../src/storage/leader-records.js';
import { RawClient } from '../helpers/raw-client.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { CONSUME_FORMAT, KCAT_PRODUCE_DELIMITERS, checkConsumedExactly, kcat, kcatInput, makeKcatRecords, parseConsumed } from '../helpers/kcat.js';

const HOUR = 3_600_000;

interface StoredBatch {
  attributes: number;
  maxTimestamp: number;
  recordCount: number;
}

/** The batch headers of every .log file of `topic`-0, in order. */
function storedBatches(logDir: string, topic: string): StoredBatch[] {
  const dir = join(logDir, `${topic}-0`);
  const out: StoredBatch[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const bytes = readFileSync(join(dir, name));
    for (let pos = 0; pos + LOG_OVERHEAD <= bytes.length; ) {
      out.push({
        attributes: bytes.readInt16BE(pos + ATTRIBUTES_OFFSET),
        maxTimestamp: Number(bytes.readBigInt64BE(pos + MAX_TIMESTAMP_OFFSET)),
        recordCount: bytes.readInt32BE(pos + RECORDS_COUNT_OFFSET),
      });
      pos += bytes.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    }
  }
  return out;
}

describe('LogAppendTime, timestamp bounds and compression.type with real clients', () => {
  let t: TestBroker;
  let kafka: Kafka;
  const created = new Set<string>();

  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1 });
    kafka = new Kafka({ clientId: 'record-configs', brokers: [t.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  });
  afterAll(async () => {
    await t?.stop();
  });
  afterEach(() => {
    leaderClock.now = () => Date.now();
  });

  async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
      created.add(topic);
    } finally {
      await admin.disconnect();
    }
  }

  async function consumeAll(topic: string, count: number): Promise<Array<{ key: string; value: string; timestamp: string }>> {
    const consumer = kafka.consumer({ groupId: `g-${topic}`, maxWaitTimeInMs: 100 });
    const got: Array<{ key: string; value: string; timestamp: string }> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${got.length} of ${count} records of ${topic}`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            got.push({ key: message.key!.toString(), value: message.value!.toString(), timestamp: message.timestamp });
            if (got.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return got;
  }

  it('LogAppendTime: Produce answers log_append_time_ms, KafkaJS and kcat read it, the log holds it', async () => {
    await createTopic('lat', { 'message.timestamp.type': 'LogAppendTime' });
    const producer = kafka.producer();
    await producer.connect();
    const createTime = Date.now() - 5 * HOUR;
    const before = Date.now();
    const [meta] = await producer.send({ topic: 'lat', messages: [0, 1, 2].map((i) => ({ key: `k${i}`, value: `v${i}`, timestamp: String(createTime + i) })) });
    const after = Date.now();
    // A second batch, compressed by the producer: stamped on its wrapper.
    const [meta2] = await producer.send({ topic: 'lat', compression: CompressionTypes.GZIP, messages: [{ key: 'k3', value: 'v3', timestamp: String(createTime) }] });
    await producer.disconnect();
    const appendTime = Number(meta!.logAppendTime);
    expect(appendTime).toBeGreaterThanOrEqual(before);
    expect(appendTime).toBeLessThanOrEqual(after);
    const appendTime2 = Number(meta2!.logAppendTime);
    expect(appendTime2).toBeGreaterThanOrEqual(appendTime);

    const batches = storedBatches(t.logDir, 'lat');
    expect(batches.map((b) => [b.attributes & 0x08, b.attributes & 0x07, b.maxTimestamp])).toEqual([
      [0x08, 0, appendTime],
      [0x08, 1, appendTime2],
    ]);

    const consumed = await consumeAll('lat', 4);
    expect(consumed.map((m) => [m.key, m.value, Number(m.timestamp)])).toEqual([
      ['k0', 'v0', appendTime],
      ['k1', 'v1', appendTime],
      ['k2', 'v2', appendTime],
      ['k3', 'v3', appendTime2],
    ]);
    const { code, stdout } = await kcat(['-C', '-b', t.bootstrap, '-t', 'lat', '-o', 'beginning', '-e', '-f', '%T\n']);
    expect(code).toBe(0);
    expect(stdout.toString().trim().split('\n').map(Number)).toEqual([appendTime, appendTime, appendTime, appendTime2]);

    // ListOffsets by timestamp searches the append times, not the producer's (a LogAppendTime batch's records all carry its time).
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchTopicOffsetsByTimestamp('lat', appendTime)).toEqual([{ partition: 0, offset: '0' }]);
      expect(await admin.fetchTopicOffsetsByTimestamp('lat', createTime + 1)).toEqual([{ partition: 0, offset: '0' }]);
    } finally {
      await admin.disconnect();
    }
  });

  it('CreateTime (the default) keeps the producer\'s timestamps and answers log_append_time_ms -1', async () => {
    await createTopic('create-time', {});
    const producer = kafka.producer();
    await producer.connect();
    const createTime = Date.now() - 5 * HOUR;
    const [meta] = await producer.send({ topic: 'create-time', messages: [{ key: 'k', value: 'v', timestamp: String(createTime) }] });
    await producer.disconnect();
    expect(meta!.logAppendTime).toBe('-1');
    expect(storedBatches(t.logDir, 'create-time')).toEqual([{ attributes: 0, maxTimestamp: createTime, recordCount: 1 }]);

    // Altered to LogAppendTime: the next batch is stamped (the setting takes effect at once).
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'create-time', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }] });
    await admin.disconnect();
    await producer.connect();
    const [meta2] = await producer.send({ topic: 'create-time', messages: [{ key: 'k', value: 'v', timestamp: String(createTime) }] });
    await producer.disconnect();
    expect(Number(meta2!.logAppendTime)).toBeGreaterThan(createTime);
    expect(storedBatches(t.logDir, 'create-time')[1]).toEqual({ attributes: 0x08, maxTimestamp: Number(meta2!.logAppendTime), recordCount: 1 });
  });

  it('message.timestamp.before/after.max.ms: a record out of range gets INVALID_TIMESTAMP and its whole batch is refused (KafkaJS)', async () => {
    await createTopic('bounded', { 'message.timestamp.before.max.ms': String(HOUR), 'message.timestamp.after.max.ms': String(HOUR) });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const now = Date.now();
      await expect(producer.send({ topic: 'bounded', messages: [{ value: 'old', timestamp: String(now - 2 * HOUR) }] })).rejects.toMatchObject({ type: 'INVALID_TIMESTAMP' });
      await expect(producer.send({ topic: 'bounded', messages: [{ value: 'future', timestamp: String(now + 2 * HOUR) }] })).rejects.toMatchObject({ type: 'INVALID_TIMESTAMP' });
      // One bad record among good ones, in a compressed batch: every record is checked.
      await expect(
        producer.send({ topic: 'bounded', compression: CompressionTypes.GZIP, messages: [{ value: 'ok' }, { value: 'ok' }, { value: 'old', timestamp: String(now - 2 * HOUR) }] }),
      ).rejects.toMatchObject({ type: 'INVALID_TIMESTAMP' });
      expect(t.broker.logs.partition('bounded', 0)!.logEndOffset).toBe(0);
      const [meta] = await producer.send({ topic: 'bounded', messages: [{ value: 'in range', timestamp: String(now - HOUR / 2) }, { value: 'now' }] });
      expect(meta!.baseOffset).toBe('0');
      expect(t.broker.logs.partition('bounded', 0)!.logEndOffset).toBe(2);
    } finally {
      await producer.disconnect();
    }
  });

  it('Produce v9 names every record out of range in record_errors, as Kafka does', async () => {
    await createTopic('bounded-raw', { 'message.timestamp.before.max.ms': String(HOUR), 'message.timestamp.after.max.ms': String(HOUR) });
    await createTopic('lat-raw', { 'message.timestamp.type': 'LogAppendTime' });
    const now = Date.now();
    leaderClock.now = () => now;
    const engine = createEngine('js');
    const stamps = [now, now - 2 * HOUR, now, now + 3 * HOUR];
    const batch = engine.encodeRecordBatch(stamps.map((timestamp, i) => ({ key: null, value: Buffer.from(`r${i}`), timestamp })));
    const client = await RawClient.connect(t.broker.port);
    try {
      const produce = async (topic: string, records: Uint8Array) => {
        const res = await client.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }));
        return res.responses[0].partitionResponses[0];
      };
      const refused = await produce('bounded-raw', batch);
      expect(refused.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
      expect(refused.errorMessage).toMatch(/One or more records have been rejected due to invalid timestamp/);
      expect(refused.recordErrors.map((e: { batchIndex: number }) => e.batchIndex)).toEqual([1, 3]);
      expect(refused.recordErrors[0].batchIndexErrorMessage).toBe(`Timestamp ${stamps[1]} of message with offset 1 is out of range. The timestamp should be within [${now - HOUR}, ${now + HOUR}]`);
      // A producer may not set the LogAppendTime bit itself (Kafka: INVALID_TIMESTAMP).
      const flagged = Buffer.from(engine.encodeRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: now }], { attributes: 0x08 }));
      expect((await produce('lat-raw', flagged)).errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
      expect(t.broker.logs.partition('bounded-raw', 0)!.logEndOffset).toBe(0);
      expect(t.broker.logs.partition('lat-raw', 0)!.logEndOffset).toBe(0);
    } finally {
      client.close();
    }
  });

  it('the deprecated message.timestamp.difference.max.ms bounds both sides', async () => {
    await createTopic('difference', { 'message.timestamp.difference.max.ms': String(HOUR) });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: 'difference', messages: [{ value: 'old', timestamp: String(Date.now() - 2 * HOUR) }] })).rejects.toMatchObject({ type: 'INVALID_TIMESTAMP' });
      await expect(producer.send({ topic: 'difference', messages: [{ value: 'future', timestamp: String(Date.now() + 2 * HOUR) }] })).rejects.toMatchObject({ type: 'INVALID_TIMESTAMP' });
      await producer.send({ topic: 'difference', messages: [{ value: 'now' }] });
    } finally {
      await producer.disconnect();
    }
    expect(t.broker.logs.partition('difference', 0)!.logEndOffset).toBe(1);
  });

  it('kcat surfaces INVALID_TIMESTAMP when its records are older than before.max.ms allows', async () => {
    await createTopic('bounded-kcat', { 'message.timestamp.before.max.ms': String(HOUR) });
    leaderClock.now = () => Date.now() + 2 * HOUR; // the broker's clock runs 2 h ahead of kcat's
    const produced = await kcat(['-P', '-b', t.bootstrap, '-t', 'bounded-kcat', '-z', 'none', ...KCAT_PRODUCE_DELIMITERS], kcatInput(makeKcatRecords(3, 5)));
    expect(produced.stderr).toMatch(/Invalid timestamp|INVALID_TIMESTAMP/i);
    expect(t.broker.logs.partition('bounded-kcat', 0)!.logEndOffset).toBe(0);
  });

  for (const [codec, bits, from] of [['zstd', 4, 'none'], ['gzip', 1, 'none'], ['lz4', 3, 'snappy'], ['snappy', 2, 'gzip'], ['uncompressed', 0, 'zstd']] as const) {
    it(`compression.type=${codec}: kcat -z ${from} batches are stored as ${codec} and read back unchanged`, async () => {
      const topic = `codec-${codec}`;
      await createTopic(topic, { 'compression.type': codec });
      const records = makeKcatRecords(40 + bits, 200);
      const produced = await kcat(['-P', '-b', t.bootstrap, '-t', topic, '-z', from, ...KCAT_PRODUCE_DELIMITERS, '-X', 'linger.ms=20'], kcatInput(records));
      expect(produced.stderr).not.toMatch(/ERROR|Failed/i);
      expect(produced.code).toBe(0);
      const batches = storedBatches(t.logDir, topic);
      expect(batches.length).toBeGreaterThan(0);
      expect(new Set(batches.map((b) => b.attributes & 0x07))).toEqual(new Set([bits]));
      expect(batches.reduce((n, b) => n + b.recordCount, 0)).toBe(records.length);
      const consumed = await kcat(['-C', '-b', t.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
      expect(consumed.code).toBe(0);
      expect(checkConsumedExactly(parseConsumed(consumed.stdout), records)).toBe(1);
    });
  }

  // KafkaJS decodes gzip only (other codecs need plugins); kcat reads the others above.
  it('compression.type=gzip with LogAppendTime: KafkaJS reads the recompressed, stamped batches', async () => {
    await createTopic('gzip-lat', { 'compression.type': 'gzip', 'message.timestamp.type': 'LogAppendTime', 'compression.gzip.level': '9' });
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'gzip-lat', messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `value ${i} `.repeat(20) })) });
    await producer.disconnect();
    const appendTime = Number(meta!.logAppendTime);
    expect(storedBatches(t.logDir, 'gzip-lat')).toEqual([{ attributes: 0x08 | 1, maxTimestamp: appendTime, recordCount: 20 }]);
    // compression.gzip.level=9: the gzip stream's XFL byte says "maximum compression" (RFC 1952).
    const log = readFileSync(join(t.logDir, 'gzip-lat-0', '00000000000000000000.log'));
    expect([...log.subarray(RECORDS_OFFSET, RECORDS_OFFSET + 3)]).toEqual([0x1f, 0x8b, 8]);
    expect(log[RECORDS_OFFSET + 8]).toBe(2);
    const consumed = await consumeAll('gzip-lat', 20);
    expect(consumed.map((m) => m.value)).toEqual(Array.from({ length: 20 }, (_, i) => `value ${i} `.repeat(20)));
    expect(new Set(consumed.map((m) => Number(m.timestamp)))).toEqual(new Set([appendTime]));
  });

  it('the broker properties log.message.timestamp.type and compression.type apply to topics that set none', async () => {
    const other = await startTestBroker({ websocketPort: -1, properties: { 'log.message.timestamp.type': 'LogAppendTime', 'compression.type': 'lz4' } });
    try {
      const records = makeKcatRecords(11, 50);
      const before = Date.now();
      const produced = await kcat(['-P', '-b', other.bootstrap, '-t', 'auto-created', '-z', 'none', ...KCAT_PRODUCE_DELIMITERS], kcatInput(records));
      expect(produced.code).toBe(0);
      const batches = storedBatches(other.logDir, 'auto-created');
      expect(new Set(batches.map((b) => b.attributes))).toEqual(new Set([0x08 | 3]));
      for (const b of batches) expect(b.maxTimestamp).toBeGreaterThanOrEqual(before);
      const consumed = await kcat(['-C', '-b', other.bootstrap, '-t', 'auto-created', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
      expect(checkConsumedExactly(parseConsumed(consumed.stdout), records)).toBe(1);
      expect(new Set(parseConsumed(consumed.stdout).map((r) => r.timestamp))).toEqual(new Set(batches.map((b) => b.maxTimestamp)));

      // Both are dynamic broker configs (KIP-226): changed at run time, they apply to the next batch.
      const admin = new Kafka({ clientId: 'record-configs', brokers: [other.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      await admin.connect();
      try {
        const brokerId = String(other.broker.config.nodeId);
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configEntries: [{ name: 'compression.type', value: 'zstd' }, { name: 'log.message.timestamp.type', value: 'CreateTime' }] }] });
        const again = await kcat(['-P', '-b', other.bootstrap, '-t', 'auto-created', '-z', 'none', ...KCAT_PRODUCE_DELIMITERS], kcatInput(records.slice(0, 5)));
        expect(again.code).toBe(0);
        // kcat may send the 5 records as one batch or several (its linger timer on a loaded machine).
        const fresh = storedBatches(other.logDir, 'auto-created').slice(batches.length);
        expect(fresh.length).toBeGreaterThan(0);
        expect(new Set(fresh.map((b) => b.attributes))).toEqual(new Set([4]));
        const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: brokerId, configNames: ['compression.type'] }] });
        expect(described.resources[0]!.configEntries.find((e) => e.configName === 'compression.type')?.configValue).toBe('zstd');
      } finally {
        await admin.disconnect();
      }
    } finally {
      await other.stop();
    }
  });
});
