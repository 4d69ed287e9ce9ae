/**
 * In a two-broker cluster (real ZooKeeper, in-process brokers), a topic with
 * `message.timestamp.type=LogAppendTime` and `compression.type=zstd` (replication factor 2):
 * the leader alone stamps and recompresses; the follower appends the leader's batches as they
 * are, so both replicas hold the same log bytes, stamped and zstd-compressed, and a consumer
 * reading from either sees the leader's append time. Producer batches come from kcat (-z none).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTES_OFFSET, BATCH_LENGTH_OFFSET, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET } from '../../src/engine/layout.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { KCAT_PRODUCE_DELIMITERS, kcat, kcatInput, makeKcatRecords } from '../helpers/kcat.js';
import { hashLogBytes } from '../helpers/produce-corpus.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

const TOPIC = 'stamped-replicated';

/** [attributes, maxTimestamp] of every batch in `topic`-0's .log files. */
function batchHeaders(logDir: string): Array<[number, number]> {
  const dir = join(logDir, `${TOPIC}-0`);
  const out: Array<[number, number]> = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const bytes = readFileSync(join(dir, name));
    for (let pos = 0; pos + LOG_OVERHEAD <= bytes.length; pos += bytes.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD) {
      out.push([bytes.readInt16BE(pos + ATTRIBUTES_OFFSET), Number(bytes.readBigInt64BE(pos + MAX_TIMESTAMP_OFFSET))]);
    }
  }
  return out;
}

describe('LogAppendTime and compression.type are the leader\'s work; followers copy its bytes', () => {
  let zk: ZooKeeperServer;
  const brokers: TestBroker[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const id of [1, 2]) {
      brokers.push(await startTestBroker({ websocketPort: -1, properties: { 'node.id': id, 'zookeeper.connect': zk.connectString, 'replica.fetch.wait.max.ms': 100 } }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers) await b.stop();
    await zk?.stop();
  });

  it('both replicas hold the same stamped zstd batches', async () => {
    const admin = brokers[0]!.broker.topicAdmin;
    await admin.createTopic({ name: TOPIC, numPartitions: 1, replicationFactor: 2, assignment: null, configs: { 'message.timestamp.type': 'LogAppendTime', 'compression.type': 'zstd' } }, false, 10_000);
    const state = () => brokers[0]!.broker.cluster!.metadata.state(TOPIC, 0);
    await waitFor(() => state()?.isr.length === 2 && brokers.every((b) => b.broker.replicas.replica(TOPIC, 0)?.role === (b.broker.config.nodeId === state()!.leader ? 'leader' : 'follower')), 15_000, 'leader and full ISR');
    const leader = brokers.find((b) => b.broker.config.nodeId === state()!.leader)!;
    const follower = brokers.find((b) => b !== leader)!;

    const before = Date.now();
    const produced = await kcat(['-P', '-b', leader.bootstrap, '-t', TOPIC, '-p', '0', '-z', 'none', '-X', 'acks=all', ...KCAT_PRODUCE_DELIMITERS], kcatInput(makeKcatRecords(7, 300)));
    expect(produced.stderr).not.toMatch(/ERROR|Failed/i);
    const leo = (b: TestBroker) => b.broker.logs.partition(TOPIC, 0)!.logEndOffset as number;
    expect(leo(leader)).toBe(300);
    await waitFor(() => leo(follower) === 300, 15_000, 'follower caught up');

    const headers = batchHeaders(leader.logDir);
    expect(headers.length).toBeGreaterThan(0);
    for (const [attributes, maxTimestamp] of headers) {
      expect(attributes & 0x0f).toBe(0x08 | 4);
      expect(maxTimestamp).toBeGreaterThanOrEqual(before);
      expect(maxTimestamp).toBeLessThanOrEqual(Date.now());
    }
    expect(batchHeaders(follower.logDir)).toEqual(headers);
    expect(hashLogBytes(follower.logDir, TOPIC, 0)).toBe(hashLogBytes(leader.logDir, TOPIC, 0));

    // kcat reads the append times back from the follower's broker too (it fetches from the leader; same bytes).
    const consumed = await kcat(['-C', '-b', follower.bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-f', '%T\n']);
    expect(consumed.code).toBe(0);
    const times = new Set(consumed.stdout.toString().trim().split('\n').map(Number));
    expect(times).toEqual(new Set(headers.map(([, t]) => t)));
  }, 90_000);
});
