/**
 * The partition side of an aborted transaction on a PartitionLog over real files: the LSO
 * holds at the transaction's first offset until the ABORT marker; the marker writes a 34-byte
 * `.txnindex` entry beside its segment's `.log`; a truncation below the marker (a follower
 * catching up with a new leader) drops the entry and re-opens the transaction; retention
 * deletes the `.txnindex` with its segment; the log cleaner carries it into the cleaned segment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { PartitionLog, type LogConfig } from '../../src/storage/log.js';
import { applyProperties, defaultConfig } from '../../src/config/broker-config.js';
import { logConfigFields, resolveTopicSettings, validateTopicConfigs } from '../../src/config/topic-config.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';
import { ControlRecordType, encodeMarkerBatch } from '../../src/transactions/control-batch.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

const logger = pino({ level: 'silent' });
const config = (engine: Engine): LogConfig => ({ engine, indexIntervalBytes: 256, tailCapacity: 64 * 1024, segmentBytes: 1 << 20, rollMs: 3_600_000, maxBatchBytes: 1_000_000, flushIntervalMessages: Number.MAX_SAFE_INTEGER });
const PID = 7;

describe('.txnindex on a partition log', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('is written by an ABORT marker, undone by truncation, deleted by retention', async () => {
    const engine = createEngine('js');
    const dir = makeTempDir();
    dirs.push(dir);
    const log = PartitionLog.open('t', 0, dir.path, config(engine), logger);
    const txnBatch = (seq: number) => engine.encodeRecordBatch([{ key: null, value: Buffer.from(`v${seq}`) }], { producerId: PID, producerEpoch: 0, baseSequence: seq, attributes: 0x10 });
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('plain') }], {}), 0); // 0
    log.append(txnBatch(0), 0); // 1
    log.append(txnBatch(1), 0); // 2
    expect([log.highWatermark, log.lastStableOffset]).toEqual([3, 1]);
    log.appendAsFollower(encodeMarkerBatch(engine, { producerId: PID, producerEpoch: 0, type: ControlRecordType.ABORT, coordinatorEpoch: 0 }, 3, 0)); // 3
    expect([log.highWatermark, log.lastStableOffset]).toEqual([4, 4]);
    const indexPath = join(dir.path, '00000000000000000000.txnindex');
    const bytes = readFileSync(indexPath);
    expect(bytes.length).toBe(34);
    expect([bytes.readInt16BE(0), Number(bytes.readBigInt64BE(2)), Number(bytes.readBigInt64BE(10)), Number(bytes.readBigInt64BE(18)), Number(bytes.readBigInt64BE(26))]).toEqual([0, PID, 1, 3, 4]);
    expect(log.abortedTransactions(0, 4)).toEqual([{ producerId: PID, firstOffset: 1 }]);
    expect(log.abortedTransactions(0, 1)).toEqual([]); // the returned range ends before the transaction

    // A follower truncating below the marker: no entry, the transaction is open again.
    log.truncateTo(3);
    expect(existsSync(indexPath)).toBe(false);
    expect(log.abortedTransactions(0, 3)).toEqual([]);
    expect(log.lastStableOffset).toBe(1);
    log.appendAsFollower(encodeMarkerBatch(engine, { producerId: PID, producerEpoch: 0, type: ControlRecordType.ABORT, coordinatorEpoch: 0 }, 3, 0));
    expect(readFileSync(indexPath)).toEqual(bytes);

    // Retention deletes the segment and its `.txnindex`.
    log.roll();
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('later') }], {}), 0);
    expect(log.deleteOldSegments({ deleteEnabled: true, retentionMs: -1, retentionBytes: 0, fileDeleteDelayMs: 0, now: Date.now() })).toBe(1);
    await waitFor(() => !existsSync(join(dir.path, '00000000000000000000.log.deleted')) && !existsSync(join(dir.path, '00000000000000000000.log')), 5_000, 'the segment files removed');
    expect(existsSync(indexPath)).toBe(false);
    expect(existsSync(`${indexPath}.deleted`)).toBe(false);
    expect(log.abortedTransactions(4, 5)).toEqual([]);
    log.close();
  });

  it('keeps the LSO at or above the log start offset (DeleteRecords past an open transaction\'s start)', () => {
    const engine = createEngine('js');
    const dir = makeTempDir();
    dirs.push(dir);
    const log = PartitionLog.open('t', 0, dir.path, config(engine), logger);
    const plain = () => engine.encodeRecordBatch([{ key: null, value: Buffer.from('plain') }], {});
    log.append(plain(), 0); // 0
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('open') }], { producerId: PID, producerEpoch: 0, baseSequence: 0, attributes: 0x10 }), 0); // 1
    log.append(plain(), 0); // 2
    log.append(plain(), 0); // 3
    expect(log.lastStableOffset).toBe(1);
    log.deleteRecordsBefore(3, 0);
    expect(log.lastStableOffset).toBe(3);
    log.appendAsFollower(encodeMarkerBatch(engine, { producerId: PID, producerEpoch: 0, type: ControlRecordType.COMMIT, coordinatorEpoch: 0 }, 4, 0));
    expect(log.lastStableOffset).toBe(5);
    log.close();
  });

  it('keeps a transaction unstable until the high watermark passes its marker (replicated log)', () => {
    const engine = createEngine('js');
    const dir = makeTempDir();
    dirs.push(dir);
    const log = PartitionLog.open('t', 0, dir.path, config(engine), logger);
    log.setReplicated(true);
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('txn') }], { producerId: PID, producerEpoch: 0, baseSequence: 0, attributes: 0x10 }), 0); // 0
    log.append(engine.encodeRecordBatch([{ key: null, value: Buffer.from('plain') }], {}), 0); // 1
    log.setHighWatermark(2);
    expect(log.lastStableOffset).toBe(0);
    log.appendAsFollower(encodeMarkerBatch(engine, { producerId: PID, producerEpoch: 0, type: ControlRecordType.COMMIT, coordinatorEpoch: 0 }, 2, 0)); // 2
    expect(log.lastStableOffset).toBe(0); // the marker is not on every in-sync replica yet
    log.setHighWatermark(3);
    expect(log.lastStableOffset).toBe(3);
    log.close();
  });

  it('survives the log cleaner: the cleaned segment keeps the aborted transaction', async () => {
    const engine = createEngine('js');
    const dir = makeTempDir();
    dirs.push(dir);
    const broker = applyProperties(defaultConfig(), {});
    const settings = resolveTopicSettings(broker, validateTopicConfigs({ 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '0' }, broker));
    const log = PartitionLog.open('c', 0, dir.path, { engine, tailCapacity: 64 * 1024, ...logConfigFields(settings) }, logger);
    const cleaner = new LogCleaner(() => [{ log, settings }], { logDir: dir.path, brokerConfig: broker, logger });
    log.append(engine.encodeRecordBatch([{ key: Buffer.from('t'), value: Buffer.from('aborted') }], { producerId: PID, producerEpoch: 0, baseSequence: 0, attributes: 0x10 }), 0); // 0
    log.appendAsFollower(encodeMarkerBatch(engine, { producerId: PID, producerEpoch: 0, type: ControlRecordType.ABORT, coordinatorEpoch: 0 }, 1, 0)); // 1
    for (let i = 0; i < 40; i++) log.append(engine.encodeRecordBatch([{ key: Buffer.from(`k${i % 4}`), value: Buffer.alloc(100, i) }]), 0);
    expect(log.segmentCount).toBeGreaterThan(2);
    expect(log.abortedTransactions(0, 2)).toEqual([{ producerId: PID, firstOffset: 0 }]);
    expect(await cleaner.cleanAll(Date.now() + 3_600_000)).toHaveLength(1);
    expect(log.abortedTransactions(0, 2)).toEqual([{ producerId: PID, firstOffset: 0 }]);
    expect(readFileSync(join(dir.path, '00000000000000000000.txnindex')).length).toBe(34);
    log.close();
  });
});
