/**
 * `gregor perf consume --consumer-props isolation.level=…` (KIP-98's consumer property, as
 * kafka-consumer-perf-test takes it from its consumer config): read_committed reads the
 * committed transaction's records only, read_uncommitted the aborted one's too; a value that is
 * neither is refused in Kafka's words. bench:transactions measures with this engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { gregorCli } from '../helpers/cli.js';
import { RawClient } from '../helpers/raw-client.js';
import { addPartitions, endTxn, findTxnCoordinator, openTransaction, produceTransactional, waitForState } from './txn-raw.js';

const TOPIC = 'perf-isolation';

/** The data.consumed.in.nMsg field of perf consume's result line. */
const consumedOf = (stdout: string) => Number(stdout.trim().split('\n')[1]!.split(', ')[4]);

describe('gregor perf consume: isolation.level', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'group.initial.rebalance.delay.ms': 0 } });
    t.broker.logs.createTopic(TOPIC, 1);
    const c = await RawClient.connect(t.broker.port);
    try {
      await findTxnCoordinator(c, 'perf-iso');
      const { producerId, producerEpoch } = await openTransaction(c, c, t.broker.engine, 'perf-iso', TOPIC);
      expect(await endTxn(c, 'perf-iso', producerId, producerEpoch, true)).toBe(0);
      await waitForState(c, 'perf-iso', 'CompleteCommit');
      expect((await addPartitions(c, 'perf-iso', producerId, producerEpoch, [{ name: TOPIC, partitions: [0] }]))[`${TOPIC}-0`]).toBe(0);
      expect(await produceTransactional(c, t.broker.engine, TOPIC, 0, producerId, producerEpoch, 2, 3)).toBe(0);
      expect(await endTxn(c, 'perf-iso', producerId, producerEpoch, false)).toBe(0);
      await waitForState(c, 'perf-iso', 'CompleteAbort');
    } finally {
      c.close();
    }
  }, 30_000);
  afterAll(() => t?.stop());

  it('read_committed skips the aborted records, read_uncommitted reads them', async () => {
    const committed = await gregorCli(['perf', 'consume', '--topic', TOPIC, '--messages', '5', '--timeout', '2000', '-b', t.bootstrap, '--consumer-props', 'isolation.level=read_committed'], {}, 40_000);
    expect(committed.code, committed.stderr).toBe(0);
    expect(consumedOf(committed.stdout)).toBe(2);
    expect(committed.stderr).toContain('WARNING: Exiting before consuming the expected number of messages');
    const all = await gregorCli(['perf', 'consume', '--topic', TOPIC, '--messages', '5', '--timeout', '5000', '-b', t.bootstrap, '--consumer-props', 'isolation.level=read_uncommitted'], {}, 40_000);
    expect(all.code, all.stderr).toBe(0);
    expect(consumedOf(all.stdout)).toBe(5);
    expect(all.stderr).not.toContain('WARNING');
  }, 90_000);

  it('refuses an isolation.level that is neither', async () => {
    const r = await gregorCli(['perf', 'consume', '--topic', TOPIC, '--messages', '1', '--timeout', '1000', '-b', t.bootstrap, '--consumer-props', 'isolation.level=snapshot'], {}, 40_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Invalid value snapshot for configuration isolation.level');
  }, 60_000);
});
