/**
 * The one produce path in cluster mode: for every engine × workers combination (js, wasm ×
 * 0, 1, 2 append workers) a two-broker cluster on a real ZooKeeper takes the same pipelined
 * produce corpus as the single-broker test (test/helpers/produce-corpus.ts) on a topic with
 * replication factor 2, each partition's requests sent to its leader with acks=-1. The
 * leaders (epoch 0, as a single broker) write segment and index files byte for byte equal to
 * a single broker's, answer the same error codes and offsets, and every follower holds the
 * same log bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Request, PARTITIONS, hashFiles, hashLogBytes, makeRequests, producePipelined } from '../helpers/produce-corpus.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const PROPERTIES = { 'log.segment.bytes': 48 * 1024, 'log.index.interval.bytes': 1024, 'message.max.bytes': 64 * 1024 };
const PARTITION_LIST = Array.from({ length: PARTITIONS }, (_, p) => p);

/** The requests' parts for one partition, in order, each as a request of its own. */
function partitionRequests(requests: readonly Request[], partition: number): Request[] {
  return requests.map((r) => ({ partitions: r.partitions.filter((p) => p.index === partition) })).filter((r) => r.partitions.length > 0);
}

describe('engine × workers write identical logs in cluster mode', () => {
  const requests = makeRequests();
  const dirs: Array<{ remove: () => void }> = [];
  let zk: ZooKeeperServer;
  let reference: { files: Record<string, string>; answers: string[][] };

  beforeAll(async () => {
    zk = await startZooKeeper();
    // The single-broker reference: the same per-partition requests (js engine, inline).
    const dir = makeTempDir();
    dirs.push(dir);
    const t = await startTestBroker({ logDirs: dir.path, engine: 'js', workers: 0, websocketPort: -1, properties: PROPERTIES });
    t.broker.logs.createTopic('same', PARTITIONS);
    const client = await RawClient.connect(t.broker.port);
    const answers = await Promise.all(PARTITION_LIST.map((p) => producePipelined(client, 'same', partitionRequests(requests, p))));
    client.close();
    await t.broker.stop();
    reference = { files: hashFiles(dir.path), answers };
  }, 60_000);
  afterAll(async () => {
    await zk?.stop();
    dirs.forEach((d) => d.remove());
  });

  let round = 0;
  for (const engine of ['js', 'wasm'] as const) {
    for (const workers of [0, 1, 2]) {
      it(`engine ${engine}, ${workers} workers, replication factor 2`, async () => {
        round++;
        const topic = `same-${engine}-${workers}`;
        const brokers: TestBroker[] = [];
        const brokerDirs: string[] = [];
        try {
          for (const id of [round * 10 + 1, round * 10 + 2]) {
            const dir = makeTempDir();
            dirs.push(dir);
            brokerDirs.push(dir.path);
            brokers.push(await startTestBroker({
              logDirs: dir.path, engine, workers, websocketPort: -1,
              properties: { ...PROPERTIES, 'node.id': id, 'zookeeper.connect': zk.connectString, 'replica.fetch.wait.max.ms': 100 },
            }));
          }
          for (const b of brokers) expect(b.broker.appendPool?.workers ?? 0).toBe(workers);
          await brokers[0]!.broker.topicAdmin.createTopic({ name: topic, numPartitions: PARTITIONS, replicationFactor: 2, assignment: null, configs: {} }, false, 10_000);
          const state = (p: number) => brokers[0]!.broker.cluster!.metadata.state(topic, p);
          await waitFor(() => PARTITION_LIST.every((p) => (state(p)?.isr.length ?? 0) === 2 && brokers.every((b) => b.broker.replicas.replica(topic, p)?.role !== undefined)), 15_000, 'leaders and full ISRs');
          const leaderOf = (p: number) => brokers.findIndex((b) => b.broker.config.nodeId === state(p)!.leader);
          await waitFor(() => PARTITION_LIST.every((p) => brokers[leaderOf(p)]!.broker.replicas.replica(topic, p)?.role === 'leader'), 15_000, 'leaders that know it');

          // Each partition's requests go to its leader, pipelined, all partitions at once.
          const clients = await Promise.all(brokers.map((b) => RawClient.connect(b.broker.port)));
          const answers = await Promise.all(PARTITION_LIST.map((p) => producePipelined(clients[leaderOf(p)]!, topic, partitionRequests(requests, p))));
          clients.forEach((c) => c.close());
          expect(answers).toEqual(reference.answers);

          const leo = (b: TestBroker, p: number) => b.broker.logs.partition(topic, p)!.logEndOffset as number;
          await waitFor(() => PARTITION_LIST.every((p) => leo(brokers[0]!, p) === leo(brokers[1]!, p)), 15_000, 'followers caught up');
          const leaderIndex = PARTITION_LIST.map(leaderOf);
          if (workers > 0) expect(brokers.reduce((n, b) => n + b.broker.appendPool!.stats().handoffs, 0)).toBeGreaterThan(0);
          for (const b of brokers) await b.broker.stop();
          brokers.length = 0;

          const expected = (p: number) => Object.fromEntries(Object.entries(reference.files).filter(([name]) => name.startsWith(`${p}/`)));
          for (const p of PARTITION_LIST) {
            const leaderDir = brokerDirs[leaderIndex[p]!]!;
            const followerDir = brokerDirs[1 - leaderIndex[p]!]!;
            expect(hashFiles(leaderDir, topic, [p])).toEqual(expected(p));
            expect(hashLogBytes(followerDir, topic, p)).toBe(hashLogBytes(leaderDir, topic, p));
          }
        } finally {
          for (const b of brokers) await b.broker.stop();
        }
      }, 120_000);
    }
  }
});
