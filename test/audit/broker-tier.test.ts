/**
 * The broker-side tiers on real partition logs (src/audit/broker-tier.ts hooked into
 * src/storage/log.ts): the leader counts in its append's validation walk, an idempotent
 * producer's retried batch is not counted twice, the replica tier counts what a follower
 * appends, and re-deriving from the log covers exactly the offsets not yet reported.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/broker-config.js';
import { logConfigFields, resolveTopicSettings } from '../../src/config/topic-config.js';
import { createEngine } from '../../src/engine/index.js';
import { PartitionLog } from '../../src/storage/log.js';
import { BrokerAuditTiers } from '../../src/audit/broker-tier.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });
const BUCKET = 60_000;

describe.each(['js', 'wasm'] as const)('broker audit tiers (%s engine)', (kind) => {
  const dirs: Array<ReturnType<typeof makeTempDir>> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  function open(topic: string, engine: ReturnType<typeof createEngine>, tiers: BrokerAuditTiers): PartitionLog {
    const dir = makeTempDir();
    dirs.push(dir);
    const settings = resolveTopicSettings(defaultConfig(), {});
    return PartitionLog.open(topic, 0, dir.path, { engine, tailCapacity: 64 * 1024, ...logConfigFields(settings), audit: tiers }, logger);
  }

  it('counts leader appends with their offsets, skips an idempotent retry, counts follower appends as the replica tier', () => {
    const engine = createEngine(kind);
    const tiers = new BrokerAuditTiers(engine, '1', BUCKET);
    const leader = open('t', engine, tiers);
    const records = (n: number, ts: number) => Array.from({ length: n }, (_, i) => ({ key: new Uint8Array(2), value: new Uint8Array(8), timestamp: ts + i }));
    leader.append(engine.encodeRecordBatch(records(10, BUCKET + 5)), 0);
    const idempotent = engine.encodeRecordBatch(records(5, 2 * BUCKET + 1), { producerId: 9, producerEpoch: 0, baseSequence: 0 });
    leader.append(idempotent, 0);
    expect(leader.append(idempotent, 0).duplicate).toBe(true); // the retry: not appended, not counted
    expect(() => leader.append(new Uint8Array(70), 0)).toThrow(); // a corrupt request: not counted

    const follower = open('t', engine, tiers);
    while (follower.logEndOffset < leader.logEndOffset) {
      const read = leader.read(follower.logEndOffset, 1 << 20);
      follower.appendAsFollower(Uint8Array.from(read.slice!.bytes));
      read.slice!.release?.();
    }

    const reports = tiers.takeReports();
    const broker = reports.find((r) => r.tier === 'broker')!;
    expect(broker.range).toEqual({ topic: 't', partition: 0, firstOffset: 0, lastOffset: 14 });
    expect(broker.buckets.map((b) => [b.bucketStartMs, b.records, b.bytes])).toEqual([[BUCKET, 10, 100], [2 * BUCKET, 5, 50]]);
    const replica = reports.find((r) => r.tier === 'replica')!;
    expect(replica.range).toEqual({ topic: 't', partition: 0, firstOffset: 0, lastOffset: 14 }); // two follower appends, one report
    expect(replica.buckets.map((b) => [b.bucketStartMs, b.records, b.bytes])).toEqual([[BUCKET, 10, 100], [2 * BUCKET, 5, 50]]);
    expect(tiers.takeReports()).toEqual([]);

    // re-derivation after a restart: from the offset after the last reported range
    leader.append(engine.encodeRecordBatch(records(7, BUCKET)), 0);
    tiers.takeReports(); // lost in a crash
    const fresh = new BrokerAuditTiers(engine, '1', BUCKET);
    expect(fresh.rederive(leader, 15)).toBe(7);
    const [again] = fresh.takeReports();
    expect(again!.range).toEqual({ topic: 't', partition: 0, firstOffset: 15, lastOffset: 21 });
    expect(again!.buckets[0]!.latency.totalCount).toBe(0); // latencies unknown after a restart
    tiers.dispose();
    fresh.dispose();
  });
});
