/**
 * Partition reassignment (AlterPartitionReassignments / ListPartitionReassignments, KIP-455)
 * on a real ZooKeeper with three in-process brokers: a partition with data moves from
 * brokers [1, 2] to [2, 3] — broker 3 catches up byte for byte, the leader leaves broker 1,
 * broker 1 deletes its replica, and the records stay readable; a move to a broker that is
 * registered but never fetches stays in progress (listed with its adding and removing
 * replicas) until cancelled, which restores the original replicas; bad requests get Kafka's
 * errors.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/cluster/zk-client.js';
import { ZK_PATHS, encodeBroker } from '../../src/cluster/zk-paths.js';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { gregorCli } from '../helpers/cli.js';
import { hashLogBytes } from '../helpers/produce-corpus.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'moving';

describe('partition reassignment', () => {
  let zk: ZooKeeperServer;
  const dirs = [1, 2, 3].map((id) => makeTempDir(`gregor-move${id}-`));
  const brokers: Array<TestBroker | null> = [null, null, null];
  const start = async (id: number) => {
    brokers[id - 1] = await startTestBroker({
      logDirs: dirs[id - 1]!.path,
      websocketPort: -1,
      properties: { 'node.id': id, 'zookeeper.connect': zk.connectString, 'replica.fetch.wait.max.ms': 100, 'zookeeper.session.timeout.ms': 6000, 'auto.leader.rebalance.enable': 'false' },
    });
  };
  const any = () => brokers.find((b) => b)!.broker;
  const controller = () => brokers.find((b) => b?.broker.controller.isActive)!.broker;
  const state = (p: number) => any().metadata.partition(TOPIC, p);
  const request = (port: number, apiKey: number, body: unknown) => RawClient.requestOnce(port, apiKey, 0, body);
  const reassign = (port: number, partitions: Array<[number, number[] | null]>) =>
    request(port, 45, { timeoutMs: 10_000, topics: [{ name: TOPIC, partitions: partitions.map(([partitionIndex, replicas]) => ({ partitionIndex, replicas })) }] });
  const ongoing = async () => (await request(controller().port, 46, { timeoutMs: 10_000, topics: null })).topics as Array<{ name: string; partitions: Array<{ partitionIndex: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }> }>;

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const id of [1, 2, 3]) await start(id);
    await waitFor(() => brokers.every((b) => b!.broker.metadata.aliveBrokers().length === 3), 15_000, 'three brokers registered');
    await any().topicAdmin.createTopic({ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignment: [[1, 2], [1, 2]], configs: { 'segment.bytes': '4096' } }, false, 10_000);
    await waitFor(() => state(0)?.isr.length === 2 && state(1)?.isr.length === 2, 15_000, 'full ISRs');
    // Data on both partitions, several segments each.
    const engine = createEngine('js');
    const c = await RawClient.connect(brokers[0]!.broker.port);
    for (let i = 0; i < 30; i++) {
      const res = await c.request(0, 9, createProduceRequest({
        acks: -1, timeoutMs: 10_000,
        topicData: [{ name: TOPIC, partitionData: [0, 1].map((index) => ({ index, records: engine.encodeRecordBatch(Array.from({ length: 5 }, (_, j) => ({ key: null, value: Buffer.alloc(100, i + j) }))) })) }],
      }));
      expect(res.responses[0].partitionResponses.map((p: { errorCode: number }) => p.errorCode)).toEqual([0, 0]);
    }
    c.close();
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers) await b?.broker.stop();
    await zk?.stop();
    dirs.forEach((d) => d.remove());
  });

  it('moves a partition with its data to new brokers and deletes the old replica', async () => {
    const leo = brokers[0]!.broker.logs.partition(TOPIC, 0)!.logEndOffset;
    expect(leo).toBe(150);
    const res = await reassign(controller().port, [[0, [2, 3]]]);
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => JSON.stringify(state(0)?.replicas) === '[2,3]' && JSON.stringify([...state(0)!.isr].sort()) === '[2,3]', 20_000, 'the assignment and the ISR to become [2, 3]');
    // Broker 1 stays out of the ISR (the new leader never takes a removed replica back).
    await new Promise((r) => setTimeout(r, 500));
    expect([...state(0)!.isr].sort()).toEqual([2, 3]);
    expect([2, 3]).toContain(state(0)!.leader);
    expect(await ongoing()).toEqual([]);
    // Broker 3 holds the same bytes; broker 1's replica is gone from its log dir.
    await waitFor(() => brokers[2]!.broker.logs.partition(TOPIC, 0)?.logEndOffset === leo, 10_000, 'broker 3 caught up');
    expect(hashLogBytes(dirs[2]!.path, TOPIC, 0)).toBe(hashLogBytes(dirs[1]!.path, TOPIC, 0));
    await waitFor(() => !existsSync(join(dirs[0]!.path, `${TOPIC}-0`)), 10_000, 'broker 1 deleting its replica');
    expect(brokers[0]!.broker.logs.partition(TOPIC, 1)).toBeDefined();
  });

  it('a move to a broker that never catches up stays in progress until cancelled', async () => {
    // Broker 9 is registered (as a live broker's znode) but no process serves it: it never fetches.
    const fake = await ZkClient.connect(zk.connectString, 6000, 10_000);
    try {
      await fake.create(ZK_PATHS.broker(9), encodeBroker({ id: 9, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9 }], rack: null, websocketPort: -1 }), true);
      await waitFor(() => controller().metadata.isAlive(9), 10_000, 'broker 9 registered');
      expect((await reassign(controller().port, [[1, [9, 2]]])).responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
      expect(await ongoing()).toEqual([{ name: TOPIC, partitions: [{ partitionIndex: 1, replicas: [9, 2, 1], addingReplicas: [9], removingReplicas: [1] }] }]);
      await new Promise((r) => setTimeout(r, 500));
      expect((await ongoing()).length).toBe(1);
      expect(state(1)!.leader).toBe(1);
      const cancel = await reassign(controller().port, [[1, null]]);
      expect(cancel.responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
      // The original replicas again, in the order Kafka restores them: RS − adding = [2, 1].
      await waitFor(() => JSON.stringify(state(1)?.replicas) === '[2,1]', 10_000, 'the original replicas back');
      expect(await ongoing()).toEqual([]);
      expect(state(1)!.leader).toBe(1);
      expect((await reassign(controller().port, [[1, null]])).responses[0].partitions[0].errorCode).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    } finally {
      fake.close();
    }
    await waitFor(() => !controller().metadata.isAlive(9), 10_000, 'broker 9 gone');
    expect((await reassign(controller().port, [[1, [9, 2]]])).responses[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });

  it('takes the classic /admin/reassign_partitions znode and removes it once done', async () => {
    const zkClient = await ZkClient.connect(zk.connectString, 6000, 10_000);
    try {
      const before = JSON.stringify(state(0)!.replicas);
      await zkClient.create(ZK_PATHS.reassignPartitions, Buffer.from(JSON.stringify({ version: 1, partitions: [{ topic: TOPIC, partition: 0, replicas: [1, 3] }] })));
      await waitFor(() => JSON.stringify(state(0)?.replicas) === '[1,3]', 20_000, `partition 0 moved from ${before} to [1, 3]`);
      await waitFor(() => brokers[0]!.broker.logs.partition(TOPIC, 0)?.logEndOffset === 150, 10_000, 'broker 1 holding partition 0 again');
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = !(await zkClient.exists(ZK_PATHS.reassignPartitions));
        if (!gone) await new Promise((r) => setTimeout(r, 100));
      }
      expect(gone).toBe(true);
    } finally {
      zkClient.close();
    }
  });

  it('refuses bad requests in Kafka terms', async () => {
    const res = await reassign(controller().port, [[0, [2, 2]], [0, []], [9, [1]]]);
    expect(res.responses[0].partitions.map((p: { errorCode: number }) => p.errorCode)).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    const other = brokers.find((b) => b && !b.broker.controller.isActive)!.broker;
    expect((await reassign(other.port, [[0, [1, 2]]])).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
  });

  it('gregor reassign generates, executes, verifies and cancels with kafka-reassign-partitions.sh\'s files', async () => {
    const dir = makeTempDir('gregor-plan-');
    try {
      const bootstrap = ['-b', `127.0.0.1:${any().port}`];
      writeFileSync(join(dir.path, 'topics.json'), JSON.stringify({ version: 1, topics: [{ topic: TOPIC }] }));
      const generated = await gregorCli(['reassign', '--generate', '--topics-to-move-json-file', join(dir.path, 'topics.json'), '--broker-list', '2,3', ...bootstrap]);
      expect(generated.stderr).toBe('');
      const [, currentJson, proposedJson] = /Current partition replica assignment\n(.*)\n\nProposed partition reassignment configuration\n(.*)/.exec(generated.stdout)!;
      expect(JSON.parse(currentJson!).partitions.map((p: { replicas: number[] }) => p.replicas)).toEqual([state(0)!.replicas, state(1)!.replicas]);
      const proposed = JSON.parse(proposedJson!).partitions as Array<{ topic: string; partition: number; replicas: number[] }>;
      expect(proposed.every((p) => p.replicas.length === 2 && p.replicas.every((r) => r === 2 || r === 3))).toBe(true);

      const plan = join(dir.path, 'plan.json');
      writeFileSync(plan, JSON.stringify({ version: 1, partitions: [{ topic: TOPIC, partition: 1, replicas: [3, 2], log_dirs: ['any', 'any'] }] }));
      // Kafka's log-dir throttle is accepted with --execute (no effect: one log dir) and refused elsewhere.
      const logDirThrottle = ['--replica-alter-log-dirs-throttle', '1000000'];
      const refused = await gregorCli(['reassign', '--verify', '--reassignment-json-file', plan, ...logDirThrottle, ...bootstrap]);
      expect([refused.code, refused.stderr]).toEqual([1, 'gregor: --replica-alter-log-dirs-throttle can only be used with --execute\n']);
      const executed = await gregorCli(['reassign', '--execute', '--reassignment-json-file', plan, ...logDirThrottle, ...bootstrap]);
      expect(executed.code).toBe(0);
      expect(executed.stdout).toContain(`Successfully started partition reassignments for ${TOPIC}-1`);
      await waitFor(() => JSON.stringify(state(1)?.replicas) === '[3,2]', 20_000, 'partition 1 on [3, 2]');
      const verified = await gregorCli(['reassign', '--verify', '--reassignment-json-file', plan, ...bootstrap]);
      expect(verified.stdout).toContain(`Reassignment of partition ${TOPIC}-1 is completed.`);
      const cancelled = await gregorCli(['reassign', '--cancel', '--reassignment-json-file', plan, ...bootstrap]);
      expect(cancelled.code).toBe(1);
      expect(cancelled.stdout).toContain('NO_REASSIGNMENT_IN_PROGRESS');
    } finally {
      dir.remove();
    }
  });
});
