/**
 * The @platformatic/kafka wrappers (src/audit/wrappers/platformatic.ts) against an in-process
 * broker with the audit on: 50 messages sent by a wrapped Producer and read through a wrapped
 * MessagesStream of group `pk-audit` (for await); the collector then shows the producer and
 * consumer tiers' counts equal to the broker's, no loss and no lag. Without the wrappers the
 * producer and consumer tiers would be empty.
 */
import { Consumer, Producer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPlatformaticProducer, auditPlatformaticStream } from '../../src/audit/wrappers/platformatic.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { waitForAsync } from '../helpers/wait.js';

const TOPIC = 'pk-audited';

describe('@platformatic/kafka producer and consumer stream with the audit tiers', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'gregor.audit.enable': true, 'gregor.audit.report.interval.ms': 200, 'gregor.audit.grace.ms': 0 } });
    t.broker.logs.createTopic(TOPIC, 1);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('counts what the producer sent and the group consumed; the collector matches them with the broker', async () => {
    const producer = auditPlatformaticProducer(new Producer({ clientId: 'pk-audit', bootstrapBrokers: [t.bootstrap] }), { reportIntervalMs: 0 });
    await producer.send({ messages: Array.from({ length: 50 }, (_, i) => ({ topic: TOPIC, key: Buffer.from(`k${i}`), value: Buffer.alloc(10, 0x61) })) });

    const consumer = new Consumer({ clientId: 'pk-audit-c', groupId: 'pk-audit', bootstrapBrokers: [t.bootstrap], maxWaitTime: 200 });
    const stream = auditPlatformaticStream(await consumer.consume({ topics: [TOPIC], mode: 'earliest' }), { groupId: 'pk-audit', producer, reportIntervalMs: 0 });
    let seen = 0;
    for await (const _ of stream) if (++seen === 50) break;
    await stream.close();
    await consumer.close();
    await producer.close();

    const bytes = 50 * 10 + 10 * 2 + 40 * 3;
    // Promise.resolve: report() is synchronous or asynchronous depending on the audit core's version
    const report = async () => Promise.resolve(t.broker.audit!.report({ topic: TOPIC }));
    await waitForAsync(async () => {
      const [row] = await report();
      return row?.producer?.records === 50 && row.broker?.records === 50 && row.consumers['pk-audit']?.records === 50;
    }, 20_000, 'the producer, broker and consumer tiers at 50');
    const [row] = await report();
    expect(row.producer).toMatchObject({ records: 50, bytes });
    expect(row.broker).toMatchObject({ records: 50, bytes });
    expect(row.consumers['pk-audit']).toMatchObject({ records: 50, bytes });
    expect(row.missing).toBe(0);
    expect(row.lag).toEqual({ 'pk-audit': 0 });
  }, 60_000);
});
