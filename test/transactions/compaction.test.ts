/**
 * Compaction of transactional data (KIP-98, Kafka LogCleaner) on a PartitionLog over real
 * files: an aborted transaction's records are removed and shadow no committed record of their
 * key; its ABORT marker stays until its segment is older than delete.retention.ms, then goes
 * (a COMMIT marker too once no record of its transaction is left, not before);
 * nothing at or above the last stable offset (an open transaction) is compacted.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { applyProperties, defaultConfig } from '../../src/config/broker-config.js';
import { logConfigFields, resolveTopicSettings, validateTopicConfigs } from '../../src/config/topic-config.js';
import { createEngine } from '../../src/engine/index.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';
import { recordsOf, recordsSection } from '../../src/storage/cleaner/batch-filter.js';
import { PartitionLog } from '../../src/storage/log.js';
import { ControlRecordType, encodeMarkerBatch } from '../../src/transactions/control-batch.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });
const DAY = 86_400_000;

describe('compaction of transactions', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('removes aborted records, keeps markers until the delete horizon, stops at the LSO', async () => {
    const engine = createEngine('js');
    const dir = makeTempDir();
    dirs.push(dir);
    const broker = applyProperties(defaultConfig(), {});
    const settings = resolveTopicSettings(broker, validateTopicConfigs({ 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '0' }, broker));
    const log = PartitionLog.open('c', 0, dir.path, { engine, tailCapacity: 64 * 1024, ...logConfigFields(settings) }, logger);
    const cleaner = new LogCleaner(() => [{ log, settings }], { logDir: dir.path, brokerConfig: broker, logger });
    const plain = (key: string, value: string) => log.append(engine.encodeRecordBatch([{ key: Buffer.from(key), value: Buffer.from(value) }]), 0);
    const txn = (pid: number, seq: number, key: string, value: string) =>
      log.append(engine.encodeRecordBatch([{ key: Buffer.from(key), value: Buffer.from(value) }], { producerId: pid, producerEpoch: 0, baseSequence: seq, attributes: 0x10 }), 0);
    const marker = (pid: number, type: ControlRecordType) => log.appendAsFollower(encodeMarkerBatch(engine, { producerId: pid, producerEpoch: 0, type, coordinatorEpoch: 0 }, log.logEndOffset, 0));
    const filler = (n: number, tag: string) => {
      for (let i = 0; i < n; i++) log.append(engine.encodeRecordBatch([{ key: Buffer.from(`f${i % 3}`), value: Buffer.alloc(200, tag) }]), 0);
    };
    const contents = () => {
      const out: string[] = [];
      for (const seg of log.segmentList) {
        for (const b of seg.batchesFrom(0)) {
          const slice = seg.read(b, 0);
          if ((b.attributes & 0x20) !== 0) out.push(`marker@${b.baseOffset}`);
          else for (const r of recordsOf(recordsSection(Buffer.from(slice.bytes), b), b)) if (!Buffer.from(r.key!).toString().startsWith('f')) out.push(`${Buffer.from(r.key!).toString()}=${Buffer.from(r.value!).toString()}@${r.offset}`);
          slice.release?.();
        }
      }
      return out;
    };

    plain('a', 'committed'); // 0
    txn(7, 0, 'a', 'aborted'); // 1
    marker(7, ControlRecordType.ABORT); // 2
    filler(12, 'x');
    txn(8, 0, 'b', 'open'); // an open transaction: the LSO
    const lso = log.lastStableOffset;
    plain('b', 'later');
    filler(12, 'y');
    expect(lso).toBeLessThan(log.segmentList.at(-1)!.baseOffset);
    expect(contents()).toEqual(['a=committed@0', 'a=aborted@1', 'marker@2', `b=open@${lso}`, `b=later@${lso + 1}`]);

    expect(await cleaner.cleanAll(Date.now())).toHaveLength(1);
    expect(contents()).toEqual(['a=committed@0', 'marker@2', `b=open@${lso}`, `b=later@${lso + 1}`]);
    expect(log.lastStableOffset).toBe(lso);

    // The transaction commits; past the delete horizon its record is superseded by b=later, and
    // both markers go: no record of their transactions is left. A committed transaction whose
    // record stays keeps its marker (replay must see the transaction end).
    marker(8, ControlRecordType.COMMIT);
    const c = log.logEndOffset;
    txn(9, 0, 'c', 'kept');
    marker(9, ControlRecordType.COMMIT);
    filler(12, 'z');
    expect(await cleaner.cleanAll(Date.now() + 2 * DAY)).toHaveLength(1);
    expect(contents()).toEqual(['a=committed@0', `b=later@${lso + 1}`, `c=kept@${c}`, `marker@${c + 1}`]);
  });
});
