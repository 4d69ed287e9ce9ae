/**
 * The KafkaJS wrappers (src/audit/wrappers/kafkajs.ts) against an in-process broker with the
 * audit on: 60 messages sent by a wrapped KafkaJS producer (send and sendBatch) and read by a
 * wrapped consumer of group `kjs-audit`; the collector then shows the producer and consumer
 * tiers' counts, equal to the broker's, no loss and no lag. Without the wrappers the
 * producer and consumer tiers would be empty.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditKafkaJsConsumer, auditKafkaJsProducer } from '../../src/audit/wrappers/kafkajs.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';

const TOPIC = 'kjs-audited';

describe('KafkaJS producer and consumer with the audit tiers', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'gregor.audit.enable': true, 'gregor.audit.report.interval.ms': 200, 'gregor.audit.grace.ms': 0 } });
    t.broker.logs.createTopic(TOPIC, 1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('counts what the producer sent and the group consumed; the collector matches them with the broker', async () => {
    const kafka = new Kafka({ clientId: 'kjs-audit', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
    const producer = auditKafkaJsProducer(kafka.producer(), { reportIntervalMs: 0 });
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(10) })) });
    await producer.sendBatch({ topicMessages: [{ topic: TOPIC, messages: Array.from({ length: 20 }, () => ({ value: 'w'.repeat(10) })) }] });

    const consumer = auditKafkaJsConsumer(kafka.consumer({ groupId: 'kjs-audit' }), { groupId: 'kjs-audit', producer, reportIntervalMs: 0 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor(() => seen === 60, 20_000, '60 messages consumed');
    await consumer.disconnect();
    await producer.disconnect();

    const bytes = 60 * 10 + 10 * 2 + 30 * 3; // values, then keys k0..k9 and k10..k39
    // Promise.resolve: report() is synchronous or asynchronous depending on the audit core's version
    const report = async () => Promise.resolve(t.broker.audit!.report({ topic: TOPIC }));
    await waitForAsync(async () => {
      const [row] = await report();
      return row?.producer?.records === 60 && row.broker?.records === 60 && row.consumers['kjs-audit']?.records === 60;
    }, 20_000, 'the producer, broker and consumer tiers at 60');
    const rows = await report();
    expect(rows).toHaveLength(1);
    expect(rows[0].producer).toMatchObject({ records: 60, bytes });
    expect(rows[0].broker).toMatchObject({ records: 60, bytes });
    expect(rows[0].consumers['kjs-audit']).toMatchObject({ records: 60, bytes });
    expect(rows[0].missing).toBe(0);
    expect(rows[0].duplicated).toBe(0);
    expect(rows[0].lag).toEqual({ 'kjs-audit': 0 });
  }, 60_000);
});
