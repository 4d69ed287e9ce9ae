/**
 * A single broker checkpoints a partition's leader epoch when it becomes the partition's
 * leader (Kafka Partition.makeLeader → maybeAssignEpochStartOffset), not on the first
 * produce: after CreateTopics, CreatePartitions and a restart the `leader-epoch-checkpoint`
 * is on disk before any record is produced, and a produce does not rewrite it (the atomic
 * write would replace the file: a new inode). Real broker, real files, KafkaJS.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { LEADER_EPOCH_CHECKPOINT } from '../../src/replication/leader-epoch-cache.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const EPOCH_0 = '0\n1\n0 0\n';

describe('leader epoch checkpoint on becoming leader (single broker)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const start = async (logDir: string): Promise<TestBroker> => {
    const b = await startTestBroker({ logDirs: logDir, properties: { 'auto.create.topics.enable': 'false' } });
    cleanups.push(() => b.stop());
    return b;
  };
  const checkpoint = (logDir: string, topic: string, p: number) => join(logDir, `${topic}-${p}`, LEADER_EPOCH_CHECKPOINT);
  const client = (b: TestBroker) => new Kafka({ clientId: 'epoch-test', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  const freshDir = () => {
    const dir = makeTempDir();
    cleanups.push(() => dir.remove());
    return dir.path;
  };
  /** A connected KafkaJS admin and producer, disconnected after the test (again: harmless). */
  const connect = async (b: TestBroker) => {
    const admin = client(b).admin();
    const producer = client(b).producer();
    await admin.connect();
    await producer.connect();
    cleanups.push(() => admin.disconnect(), () => producer.disconnect());
    return { admin, producer };
  };

  it('is written by CreateTopics and CreatePartitions, and a produce leaves it alone', async () => {
    const dir = freshDir();
    const b = await start(dir);
    const { admin, producer } = await connect(b);
    expect(await admin.createTopics({ topics: [{ topic: 'lead', numPartitions: 2 }] })).toBe(true);
    await admin.createPartitions({ topicPartitions: [{ topic: 'lead', count: 3 }] });

    const before = [0, 1, 2].map((p) => {
      const path = checkpoint(dir, 'lead', p);
      expect(readFileSync(path, 'utf8')).toBe(EPOCH_0);
      return statSync(path);
    });

    for (let p = 0; p < 3; p++) await producer.send({ topic: 'lead', acks: 1, messages: [{ partition: p, value: `v${p}` }, { partition: p, value: `w${p}` }] });

    [0, 1, 2].forEach((p) => {
      const after = statSync(checkpoint(dir, 'lead', p));
      expect(after.ino).toBe(before[p]!.ino);
      expect(after.mtimeMs).toBe(before[p]!.mtimeMs);
      expect(readFileSync(checkpoint(dir, 'lead', p), 'utf8')).toBe(EPOCH_0);
    });
  }, 60_000);

  it('is written at start-up for a loaded partition that lacks it (a crash before it was durable)', async () => {
    const dir = freshDir();
    const first = await start(dir);
    const { admin, producer } = await connect(first);
    await admin.createTopics({ topics: [{ topic: 'again', numPartitions: 1 }] });
    await producer.send({ topic: 'again', acks: 1, messages: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }] });
    await producer.disconnect();
    await admin.disconnect();
    await first.stop();

    rmSync(checkpoint(dir, 'again', 0));
    await start(dir);
    expect(existsSync(checkpoint(dir, 'again', 0))).toBe(true);
    expect(readFileSync(checkpoint(dir, 'again', 0), 'utf8')).toBe(EPOCH_0);
  }, 60_000);
});
