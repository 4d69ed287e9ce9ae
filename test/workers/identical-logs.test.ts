/**
 * Every engine × workers combination (js, wasm × 0, 1, 2 append workers) writes the same
 * segment and index files, byte for byte, for the same produce requests: a real broker per
 * combination, fed over one real socket with pipelined Produce v9 requests (several in
 * flight per partition, so the pool stages multi-request runs) holding batches of varied
 * sizes over 3 partitions, with small segments (rolls) and a small index interval; among
 * them corrupt batches (bad CRC), a batch over max.message.bytes and an idempotent
 * producer's retried batch, which the pool must refuse without disturbing the offsets of
 * the requests staged after them. Also: the answers (error codes, base offsets) agree.
 * The same requests also go to a LogAppendTime topic recompressing to zstd and to a CreateTime
 * topic with timestamp bounds (INVALID_TIMESTAMP for part of the corpus) recompressing to gzip,
 * with the leader's clock fixed, so their stamped and rebuilt batches must agree too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ATTRIBUTES_OFFSET, MAX_TIMESTAMP_OFFSET } from '../../src/engine/layout.js';
import { resolveConfig } from '../../src/broker.js';
import { ConfigError } from '../../src/config/broker-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { PARTITIONS, T0, hashFiles, makeRequests, producePipelined } from '../helpers/produce-corpus.js';
import { leaderClock } from '../../src/storage/leader-records.js';

/** Topics beside 'same' whose settings make the leader stamp, check and recompress. */
const LEADER_TOPICS: Record<string, Record<string, string>> = {
  stamped: { 'message.timestamp.type': 'LogAppendTime', 'compression.type': 'zstd' },
  bounded: { 'message.timestamp.before.max.ms': '400', 'message.timestamp.after.max.ms': '600', 'compression.type': 'gzip' },
};
import { makeTempDir } from '../helpers/temp-dir.js';

describe('engine × workers write identical logs', () => {
  const requests = makeRequests();
  const results = new Map<string, { files: Record<string, string>; answers: string[]; leo: number[] }>();
  const dirs: Array<{ remove: () => void }> = [];
  afterAll(() => {
    dirs.forEach((d) => d.remove());
    leaderClock.now = () => Date.now();
  });

  for (const engine of ['js', 'wasm'] as const) {
    for (const workers of [0, 1, 2]) {
      it(`engine ${engine}, ${workers} workers`, async () => {
        const dir = makeTempDir();
        dirs.push(dir);
        const t = await startTestBroker({
          logDirs: dir.path,
          engine,
          workers,
          websocketPort: -1,
          properties: { 'log.segment.bytes': 48 * 1024, 'log.index.interval.bytes': 1024, 'message.max.bytes': 64 * 1024 },
        });
        expect(t.broker.appendPool?.workers ?? 0).toBe(workers);
        t.broker.logs.createTopic('same', PARTITIONS);
        for (const [topic, configs] of Object.entries(LEADER_TOPICS)) t.broker.logs.createTopic(topic, PARTITIONS, configs);
        leaderClock.now = () => T0 + 900; // records before T0 + 500 or after T0 + 1500 are out of 'bounded''s range
        const client = await RawClient.connect(t.broker.port);
        // Everything written at once: requests arrive together and pile up per partition.
        const answers = await producePipelined(client, 'same', requests);
        for (const topic of Object.keys(LEADER_TOPICS)) answers.push(...(await producePipelined(client, topic, requests)).map((a) => `${topic}/${a}`));
        client.close();
        const leo = Array.from({ length: PARTITIONS }, (_, p) => t.broker.logs.partition('same', p)!.logEndOffset as number);
        if (workers > 0) {
          // Runs of several requests were handed off, and parts after a refused one were re-stamped.
          const stats = t.broker.appendPool!.stats();
          expect(stats.handoffs).toBeGreaterThan(stats.runs);
          expect(stats.restamped).toBeGreaterThan(0);
        }
        await t.broker.stop();
        const files = hashFiles(dir.path);
        for (const topic of Object.keys(LEADER_TOPICS)) for (const [name, hash] of Object.entries(hashFiles(dir.path, topic))) files[`${topic}/${name}`] = hash;
        results.set(`${engine}/${workers}`, { files, answers, leo });
        // 'bounded' refused part of the corpus; 'stamped' wrote zstd batches stamped with the fixed clock.
        expect(answers.some((a) => a.startsWith('bounded/') && a.split(':')[1] === String(ErrorCode.INVALID_TIMESTAMP))).toBe(true);
        expect(answers.some((a) => a.startsWith('bounded/') && a.split(':')[1] === '0')).toBe(true);
        const stampedLog = readFileSync(join(dir.path, 'stamped-0', '00000000000000000000.log'));
        expect(stampedLog.readInt16BE(ATTRIBUTES_OFFSET)).toBe(0x08 | 4);
        expect(Number(stampedLog.readBigInt64BE(MAX_TIMESTAMP_OFFSET))).toBe(T0 + 900);

        // The input holds each kind of refusal, and the idempotent retries were answered, not written.
        expect(answers.some((a) => a.split(':')[1] === String(ErrorCode.CORRUPT_MESSAGE))).toBe(true);
        expect(answers.some((a) => a.split(':')[1] === String(ErrorCode.MESSAGE_TOO_LARGE))).toBe(true);
        expect(Object.keys(results.get(`${engine}/${workers}`)!.files).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(PARTITIONS * 3);

        const reference = results.get('js/0');
        if (reference) {
          expect(results.get(`${engine}/${workers}`)!.answers).toEqual(reference.answers);
          expect(results.get(`${engine}/${workers}`)!.leo).toEqual(reference.leo);
          expect(results.get(`${engine}/${workers}`)!.files).toEqual(reference.files);
        }
      });
    }
  }

  it('every combination ran and matched', () => {
    expect([...results.keys()].sort()).toEqual(['js/0', 'js/1', 'js/2', 'wasm/0', 'wasm/1', 'wasm/2']);

    const duplicates = results.get("js/0")!.answers.filter((a, i, all) => a.split(':')[1] === '0' && all.indexOf(a) !== i);
    expect(duplicates.length).toBeGreaterThan(0); // retried idempotent batches got their original offsets
  });

  it('gregor.workers is checked like every property', () => {
    expect(resolveConfig({ workers: 2 }).workers).toBe(2);
    expect(resolveConfig({}).workers).toBe(0);
    expect(() => resolveConfig({ properties: { 'gregor.workers': '65' } })).toThrow(ConfigError);
    expect(() => resolveConfig({ properties: { 'gregor.workers': '-1' } })).toThrow(/gregor.workers/);
  });
});
