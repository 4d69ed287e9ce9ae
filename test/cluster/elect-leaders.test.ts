/**
 * Preferred and unclean leader elections (ElectLeaders, KIP-460) and the controller's
 * automatic preferred-leader rebalance (`auto.leader.rebalance.enable`), on a real ZooKeeper
 * with two in-process brokers: after the preferred leader is stopped and comes back in sync,
 * it leads again only when asked (or, with the rebalance on, by itself); the errors are
 * Kafka's. A single broker answers ELECTION_NOT_NEEDED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { gregorCli } from '../helpers/cli.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const ELECT_LEADERS = 43;

const TOPIC = 'elections';
type TempDir = ReturnType<typeof makeTempDir>;

type Result = { topic: string; partition: number; errorCode: number };

async function elect(port: number, electionType: number, partitions: number[] | null, version = 2): Promise<{ errorCode: number; results: Result[] }> {
  const c = await RawClient.connect(port);
  try {
    const res = await c.request(ELECT_LEADERS, version, { electionType, topicPartitions: partitions && [{ topic: TOPIC, partitions }], timeoutMs: 10_000 });
    const results = (res.replicaElectionResults as Array<{ topic: string; partitionResult: Array<{ partitionId: number; errorCode: number }> }>).flatMap((t) =>
      t.partitionResult.map((p) => ({ topic: t.topic, partition: p.partitionId, errorCode: p.errorCode })),
    );
    return { errorCode: res.errorCode ?? 0, results: results.sort((a, b) => a.partition - b.partition) };
  } finally {
    c.close();
  }
}

/** Two brokers, ids 1 and 2; TOPIC has partition 0 preferring 1 and partition 1 preferring 2. */
function twoBrokerCluster(extra: Record<string, string | number>) {
  const state = { zk: null as ZooKeeperServer | null, dirs: [] as TempDir[], brokers: [] as Array<TestBroker | null> };
  const start = async (index: number) => {
    state.brokers[index] = await startTestBroker({
      logDirs: state.dirs[index]!.path,
      websocketPort: -1,
      properties: { 'node.id': index + 1, 'zookeeper.connect': state.zk!.connectString, 'replica.fetch.wait.max.ms': 100, 'zookeeper.session.timeout.ms': 6000, ...extra },
    });
  };
  const leaderOf = (partition: number) => state.brokers.find((b) => b)!.broker.metadata.partition(TOPIC, partition)?.leader;
  const isrOf = (partition: number) => state.brokers.find((b) => b)!.broker.metadata.partition(TOPIC, partition)?.isr ?? [];
  const controllerPort = () => state.brokers.find((b) => b?.broker.controller.isActive)!.broker.port;
  const setup = async () => {
    state.zk = await startZooKeeper();
    state.dirs = [makeTempDir('gregor-elect1-'), makeTempDir('gregor-elect2-')];
    await start(0);
    await start(1);
    await waitFor(() => state.brokers.every((b) => b!.broker.metadata.aliveBrokers().length === 2), 15_000, 'both brokers registered');
    await state.brokers[0]!.broker.topicAdmin.createTopic({ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignment: [[1, 2], [2, 1]], configs: {} }, false, 10_000);
    await waitFor(() => isrOf(0).length === 2 && isrOf(1).length === 2, 15_000, 'full ISRs');
  };
  /** Stops broker 1 (controlled shutdown moves its leadership to 2), then starts it again and waits until it is back in sync. */
  const bounceBroker1 = async () => {
    await state.brokers[0]!.broker.stop();
    state.brokers[0] = null;
    await waitFor(() => leaderOf(0) === 2, 15_000, 'broker 2 leading partition 0');
    await start(0);
    await waitFor(() => isrOf(0).includes(1), 20_000, 'broker 1 back in the ISR');
  };
  const teardown = async () => {
    for (const b of state.brokers) await b?.broker.stop();
    await state.zk?.stop();
    state.dirs.forEach((d) => d.remove());
  };
  return { state, setup, teardown, leaderOf, controllerPort, bounceBroker1 };
}

describe('ElectLeaders', () => {
  const cluster = twoBrokerCluster({ 'auto.leader.rebalance.enable': 'false' });
  beforeAll(cluster.setup, 60_000);
  afterAll(cluster.teardown);

  it('moves leadership back to the preferred replica only when asked', async () => {
    expect((await elect(cluster.controllerPort(), 0, [0, 1])).results.map((r) => r.errorCode)).toEqual([ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED]);
    await cluster.bounceBroker1();
    // Back in sync, but no rebalance: broker 2 still leads partition 0.
    await new Promise((r) => setTimeout(r, 1500));
    expect(cluster.leaderOf(0)).toBe(2);

    const nonController = cluster.state.brokers.find((b) => !b!.broker.controller.isActive)!.broker.port;
    expect((await elect(nonController, 0, [0])).results[0]!.errorCode).toBe(ErrorCode.NOT_CONTROLLER);

    const epochBefore = cluster.state.brokers[1]!.broker.metadata.partition(TOPIC, 0)!.leaderEpoch;
    const res = await elect(cluster.controllerPort(), 0, null);
    expect(res.errorCode).toBe(ErrorCode.NONE);
    const mine = res.results.filter((r) => r.topic === TOPIC);
    expect(mine.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.ELECTION_NOT_NEEDED]);
    await waitFor(() => cluster.leaderOf(0) === 1, 10_000, 'broker 1 leading partition 0 again');
    expect(cluster.state.brokers[1]!.broker.metadata.partition(TOPIC, 0)!.leaderEpoch).toBe(epochBefore + 1);
  });

  it('gregor leaders elect reaches the controller through any broker and reports as Kafka\'s tool', async () => {
    await cluster.bounceBroker1();
    const bootstrap = `127.0.0.1:${cluster.state.brokers.find((b) => !b!.broker.controller.isActive)!.broker.port}`;
    const run = await gregorCli(['leaders', 'elect', '--election-type', 'preferred', '--topic', TOPIC, '-b', bootstrap]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Successfully completed leader election (PREFERRED) for partitions ${TOPIC}-0`);
    expect(run.stdout).toContain(`Valid replica already elected for partitions ${TOPIC}-1`);
    await waitFor(() => cluster.leaderOf(0) === 1, 10_000, 'broker 1 leading partition 0 again');
    const bad = await gregorCli(['leaders', 'elect', '--election-type', 'preferred', '-b', bootstrap]);
    expect(bad.code).toBe(1);
  });

  it('answers unknown partitions, unclean elections with a live leader, and v0 requests', async () => {
    const res = await elect(cluster.controllerPort(), 0, [7]);
    expect(res.results[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await elect(cluster.controllerPort(), 1, [0])).results[0]!.errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    expect((await elect(cluster.controllerPort(), 0, [1], 0)).results[0]!.errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    expect((await elect(cluster.controllerPort(), 5, [1])).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('auto.leader.rebalance.enable', () => {
  const cluster = twoBrokerCluster({ 'auto.leader.rebalance.enable': 'true', 'leader.imbalance.check.interval.seconds': 1 });
  beforeAll(cluster.setup, 60_000);
  afterAll(cluster.teardown);

  it('gives leadership back to the preferred replica once it is in sync', async () => {
    await cluster.bounceBroker1();
    await waitFor(() => cluster.leaderOf(0) === 1, 15_000, 'the controller electing broker 1 again by itself');
    expect(cluster.leaderOf(1)).toBe(2);
  });
});

describe('ElectLeaders on a single broker', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1 });
    t.broker.logs.createTopic(TOPIC, 2);
  });
  afterAll(() => t.stop());

  it('is never needed', async () => {
    expect((await elect(t.broker.port, 0, [0, 1, 5])).results.map((r) => r.errorCode)).toEqual([ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });
});
