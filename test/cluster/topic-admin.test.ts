/**
 * A single broker is a cluster of one: CreateTopics, CreatePartitions, Metadata, Fetch's
 * missing-partition errors and ControlledShutdown run through the same handlers and the same
 * checks on a single broker and on two brokers over a real ZooKeeper, and differ only where
 * the number of live brokers does. Manual replica assignments work in both (they were refused
 * in cluster mode).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ZERO_UUID } from '../../src/protocol/primitives.js';
import {
  createControlledShutdownRequest,
  createCreatePartitionsRequest,
  createCreateTopicsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createMetadataRequest,
} from '../../src/protocol/generated/index.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitForAsync } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

type Assignment = Array<{ partitionIndex: number; brokerIds: number[] }>;

interface Mode {
  name: string;
  brokers: TestBroker[];
  /** Broker ids, the first being the one requests go to. */
  ids: number[];
}

describe('topic administration, single broker and cluster alike', () => {
  let zk: ZooKeeperServer;
  const dirs: Array<{ path: string; remove: () => void }> = [];
  const single: Mode = { name: 'single broker', brokers: [], ids: [1] };
  const cluster: Mode = { name: 'two brokers on ZooKeeper', brokers: [], ids: [11, 12] };

  const start = async (id: number, extra: Record<string, string | number>) => {
    const dir = makeTempDir(`gregor-admin${id}-`);
    dirs.push(dir);
    return startTestBroker({ logDirs: dir.path, websocketPort: -1, properties: { 'node.id': id, 'replica.fetch.wait.max.ms': 100, ...extra } });
  };

  beforeAll(async () => {
    zk = await startZooKeeper();
    single.brokers.push(await start(1, {}));
    for (const id of cluster.ids) cluster.brokers.push(await start(id, { 'zookeeper.connect': zk.connectString }));
    await waitForAsync(async () => cluster.brokers.every((b) => b.broker.metadata.aliveBrokers().length === 2), 15_000, 'both brokers registered');
  }, 60_000);
  afterAll(async () => {
    for (const b of [...single.brokers, ...cluster.brokers]) await b.broker.stop();
    await zk?.stop();
    dirs.forEach((d) => d.remove());
  });

  const request = (mode: Mode, apiKey: number, version: number, body: unknown, index = 0) => RawClient.requestOnce(mode.brokers[index]!.broker.port, apiKey, version, body);
  const createTopic = async (mode: Mode, name: string, options: { numPartitions?: number; replicationFactor?: number; assignments?: Assignment }) => {
    const res = await request(mode, 19, 7, createCreateTopicsRequest({
      timeoutMs: 10_000,
      validateOnly: false,
      topics: [{ name, numPartitions: options.numPartitions ?? -1, replicationFactor: options.replicationFactor ?? -1, assignments: options.assignments ?? [], configs: [] }],
    }));
    return res.topics[0] as { errorCode: number; errorMessage: string | null; numPartitions: number; replicationFactor: number };
  };
  const createPartitions = async (mode: Mode, name: string, count: number, assignments: number[][] | null) => {
    const res = await request(mode, 37, 3, createCreatePartitionsRequest({ timeoutMs: 10_000, validateOnly: false, topics: [{ name, count, assignments: assignments?.map((brokerIds) => ({ brokerIds })) ?? null }] }));
    return res.results[0] as { errorCode: number; errorMessage: string | null };
  };
  const fetchFrom = (mode: Mode, topic: string, partition: number, index = 0) =>
    request(mode, 1, 12, createFetchRequest({
      replicaId: -1, maxWaitMs: 0, maxBytes: 1 << 20, sessionEpoch: -1,
      topics: [createFetchRequestFetchTopic({ topic, partitions: [createFetchRequestFetchPartition({ partition, partitionMaxBytes: 1 << 20 })] })],
    }), index);
  const replicasOf = async (mode: Mode, name: string) => {
    const res = await request(mode, 3, 12, createMetadataRequest({ topics: [{ name, topicId: ZERO_UUID }], allowAutoTopicCreation: false }));
    const topic = res.topics[0];
    return { errorCode: topic.errorCode as number, replicas: (topic.partitions as Array<{ partitionIndex: number; replicaNodes: number[] }>).sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.replicaNodes) };
  };

  for (const mode of [single, cluster]) {
    describe(mode.name, () => {
      it('creates a topic from a manual assignment and reports its replicas', async () => {
        const assignment = mode.ids.length === 1 ? [[1], [1]] : [[12, 11], [11, 12]];
        const created = await createTopic(mode, 'manual', { assignments: assignment.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })) });
        expect(created).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: assignment[0]!.length });
        expect((await replicasOf(mode, 'manual')).replicas).toEqual(assignment);
      });

      it('refuses bad assignments and replication factors above the live brokers, in Kafka terms', async () => {
        const live = mode.ids.length;
        const cases: Array<[Parameters<typeof createTopic>[2], number]> = [
          [{ assignments: [{ partitionIndex: 0, brokerIds: [99] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
          [{ assignments: [{ partitionIndex: 0, brokerIds: [mode.ids[0]!, mode.ids[0]!] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
          [{ assignments: [{ partitionIndex: 0, brokerIds: [mode.ids[0]!] }, { partitionIndex: 1, brokerIds: [] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
          [{ assignments: [{ partitionIndex: 1, brokerIds: [mode.ids[0]!] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
          [{ numPartitions: 1, assignments: [{ partitionIndex: 0, brokerIds: [mode.ids[0]!] }] }, ErrorCode.INVALID_REQUEST],
          [{ numPartitions: 1, replicationFactor: live + 1 }, ErrorCode.INVALID_REPLICATION_FACTOR],
          [{ numPartitions: 0, replicationFactor: 1 }, ErrorCode.INVALID_PARTITIONS],
        ];
        for (const [options, code] of cases) expect((await createTopic(mode, 'refused', options)).errorCode, JSON.stringify(options)).toBe(code);
        expect((await replicasOf(mode, 'refused')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      });

      it('grows a topic by a manual assignment or by the rotation; a wrong assignment count is refused', async () => {
        expect((await createTopic(mode, 'grown', { numPartitions: 1, replicationFactor: 1 })).errorCode).toBe(ErrorCode.NONE);
        expect((await createPartitions(mode, 'grown', 3, [[mode.ids[0]!]])).errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        expect((await createPartitions(mode, 'grown', 3, [[mode.ids.at(-1)!], [mode.ids[0]!, mode.ids[0]!]])).errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        expect((await createPartitions(mode, 'grown', 3, [[mode.ids.at(-1)!], [mode.ids[0]!]])).errorCode).toBe(ErrorCode.NONE);
        expect((await createPartitions(mode, 'grown', 4, null)).errorCode).toBe(ErrorCode.NONE);
        expect((await createPartitions(mode, 'grown', 2, null)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
        const { replicas } = await replicasOf(mode, 'grown');
        expect(replicas.length).toBe(4);
        expect(replicas.slice(1, 3)).toEqual([[mode.ids.at(-1)!], [mode.ids[0]!]]);
        expect(replicas.every((r) => r.length === 1 && mode.ids.includes(r[0]!))).toBe(true);
      });

      it('a Fetch for a partition the topic does not have is UNKNOWN_TOPIC_OR_PARTITION', async () => {
        const res = await fetchFrom(mode, 'manual', 7);
        expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      });

      it('ControlledShutdown: the controller answers; an unknown broker is BROKER_NOT_AVAILABLE', async () => {
        const controllerIndex = mode.brokers.findIndex((b) => b.broker.controller.isActive);
        expect(controllerIndex).toBeGreaterThanOrEqual(0);
        const unknown = await request(mode, 7, 3, createControlledShutdownRequest({ brokerId: 99, brokerEpoch: -1 }), controllerIndex);
        expect(unknown.errorCode).toBe(ErrorCode.BROKER_NOT_AVAILABLE);
        if (mode.ids.length === 1) {
          // Nobody to hand leadership to: everything the single broker leads remains.
          const res = await request(mode, 7, 3, createControlledShutdownRequest({ brokerId: 1, brokerEpoch: -1 }));
          expect(res.errorCode).toBe(ErrorCode.NONE);
          const led = mode.brokers[0]!.broker.metadata.topics().reduce((n, t) => n + t.partitionCount, 0);
          expect(res.remainingPartitions.length).toBe(led);
          expect(led).toBeGreaterThan(0);
        } else {
          const other = await request(mode, 7, 3, createControlledShutdownRequest({ brokerId: mode.ids[0]!, brokerEpoch: -1 }), 1 - controllerIndex);
          expect(other.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
        }
      });
    });
  }

  it('in the cluster, a Fetch to a broker without a replica is NOT_LEADER_OR_FOLLOWER', async () => {
    expect((await createTopic(cluster, 'only-on-11', { assignments: [{ partitionIndex: 0, brokerIds: [11] }] })).errorCode).toBe(ErrorCode.NONE);
    const res = await fetchFrom(cluster, 'only-on-11', 0, 1);
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});
