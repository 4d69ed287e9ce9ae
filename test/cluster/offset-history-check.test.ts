/**
 * The committed-offset checker of the network-fault suites (test/helpers/offset-history.ts):
 * crafted histories, and a real group on one broker whose committed offset is reset backwards
 * with KafkaJS's admin (AlterConsumerGroupOffsets' classic path, OffsetCommit by an empty group):
 * the checker must catch it, or it proves nothing in the fault scenarios.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCommittedOffsets } from '../helpers/fault-checks.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { GroupOffsetHistory, type OffsetObservation, checkOffsetHistory } from '../helpers/offset-history.js';
import { waitFor } from '../helpers/wait.js';

const commit = (partition: number, offset: number, at: number): OffsetObservation => ({ partition, offset, source: 'commit', sentAt: at, at });
const fetched = (partition: number, offset: number, sentAt: number, at = sentAt + 5): OffsetObservation => ({ partition, offset, source: 'fetch', sentAt, at });

describe('checkOffsetHistory over crafted histories', () => {
  it('accepts offsets that only grow, on each partition independently', () => {
    const history = [commit(0, 10, 100), fetched(0, 10, 110), commit(1, 3, 115), commit(0, 20, 200), fetched(0, 20, 210), fetched(1, 3, 220)];
    expect(checkOffsetHistory(history)).toEqual({ regressions: [], unackedDrops: 0 });
  });

  it('catches a committed offset reset below an acknowledged commit (fetched, or acknowledged again)', () => {
    const reset = fetched(0, 4, 300);
    const lowerCommit = commit(0, 7, 400);
    const check = checkOffsetHistory([commit(0, 10, 100), fetched(0, 10, 110), commit(0, 20, 200), reset, lowerCommit, fetched(1, 5, 310)]);
    expect(check.regressions.map((r) => [r.partition, r.observed, r.acknowledged.offset])).toEqual([
      [0, reset, 20],
      [0, lowerCommit, 20],
    ]);
  });

  it('allows a fetch sent before an acknowledgement arrived to show the older offset', () => {
    // Sent at 190, answered at 205: the commit of 20 was acknowledged at 200, after it was sent.
    expect(checkOffsetHistory([commit(0, 10, 100), commit(0, 20, 200), fetched(0, 10, 190, 205)]).regressions).toEqual([]);
  });

  it('allows an unacknowledged commit to be undone by a failover, and counts it', () => {
    // 30 was seen committed but its commit never acknowledged (timed out); the new coordinator has 20.
    const check = checkOffsetHistory([commit(0, 20, 200), fetched(0, 30, 300), fetched(0, 20, 400), commit(0, 25, 500)]);
    expect(check).toEqual({ regressions: [], unackedDrops: 1 });
  });
});

describe('GroupOffsetHistory on a real broker', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 200, 'group.min.session.timeout.ms': 1000 } });
  });
  afterAll(async () => t?.stop());

  it('records commits and fetches, and the checker catches the group offset reset backwards', async () => {
    const kafka = new Kafka({ clientId: 'offset-reset', brokers: [t.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    const group = new GroupOffsetHistory([t.bootstrap], 'offset-reset', 'offset-reset-readers', 100, 1);
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'offset-reset', numPartitions: 1 }] });
      await producer.send({ topic: 'offset-reset', messages: Array.from({ length: 50 }, (_, i) => ({ value: `r${i}` })) });
      await group.start();
      await waitFor(() => group.history.some((o) => o.source === 'fetch' && o.offset === 50), 30_000, 'offset 50 committed and fetched');
      await group.stop();
      expect(checkOffsetHistory(group.history)).toEqual({ regressions: [], unackedDrops: 0 });
      expect(verifyCommittedOffsets(group).backwards).toBe(0);

      await admin.setOffsets({ groupId: 'offset-reset-readers', topic: 'offset-reset', partitions: [{ partition: 0, offset: '10' }] });
      await group.fetchOnce();
      const check = checkOffsetHistory(group.history);
      expect(check.regressions.map((r) => [r.observed.source, r.observed.offset, r.acknowledged.offset])).toEqual([['fetch', 10, 50]]);
      // And the scenarios' assertion fails on it.
      expect(() => verifyCommittedOffsets(group)).toThrow(/gone backwards/);
    } finally {
      await group.stop();
      group.close();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
