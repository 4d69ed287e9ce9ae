/**
 * Every engine × workers combination (js, wasm × 0, 1, 2 append workers) writes the same
 * segment and index files, byte for byte, for the same produce requests: a real broker per
 * combination, fed over one real socket with pipelined Produce v9 requests (several in
 * flight per partition, so the pool stages multi-request runs) holding batches of varied
 * sizes over 3 partitions, with small segments (rolls) and a small index interval; among
 * them corrupt batches (bad CRC), a batch over max.message.bytes and an idempotent
 * producer's retried batch, which the pool must refuse without disturbing the offsets of
 * the requests staged after them. Also: the answers (error codes, base offsets) agree.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/broker.js';
import { ConfigError } from '../../src/config/broker-config.js';
import { createEngine } from '../../src/engine/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { createProduceRequest } from '../../src/protocol/generated/index.js';
import { Reader } from '../../src/protocol/primitives.js';
import { API_DEFINITIONS, decodeResponseHeader, responseHeaderVersion } from '../../src/protocol/generated/index.js';
import { startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { prng } from '../helpers/records.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const PRODUCE = 0;
const PARTITIONS = 3;
const T0 = Date.now();

interface Request {
  partitions: Array<{ index: number; records: Uint8Array }>;
}

/** The same requests for every combination (fixed seed, fixed timestamps). */
function makeRequests(): Request[] {
  const encoder = createEngine('js');
  const rand = prng(20261122);
  const requests: Request[] = [];
  const sequences = [0, 0, 0];
  for (let i = 0; i < 240; i++) {
    const partitions: Request['partitions'] = [];
    const spread = i % 5 === 0 ? [0, 1, 2] : [Math.floor(rand() * PARTITIONS)];
    for (const index of spread) {
      const count = 1 + Math.floor(rand() * 40);
      const size = Math.floor(rand() * 400);
      const idempotent = index === 2;
      const records = encoder.encodeRecordBatch(
        Array.from({ length: count }, (_, j) => ({ key: Buffer.from(`k${i}-${j}`), value: Buffer.alloc(size, (i + j) & 0xff), timestamp: T0 + i * 7 + j })),
        idempotent ? { producerId: 4242, producerEpoch: 0, baseSequence: sequences[2]! } : {},
      );
      const corrupt = i % 37 === 11;
      if (corrupt) records[records.length - 1]! ^= 0xff; // CRC no longer matches: CORRUPT_MESSAGE
      else if (idempotent) sequences[2]! += count; // a refused batch does not use up its sequence numbers
      partitions.push({ index, records });
      // An idempotent producer's retry of the batch it just sent: answered with the original offsets.
      if (idempotent && !corrupt && i % 7 === 3) partitions.push({ index, records: Uint8Array.from(records) });
    }
    requests.push({ partitions });
  }
  // Over max.message.bytes (set to 64 KiB below): MESSAGE_TOO_LARGE.
  const big = encoder.encodeRecordBatch([{ key: null, value: Buffer.alloc(70_000, 7), timestamp: T0 }]);
  requests.splice(100, 0, { partitions: [{ index: 1, records: big }] });
  return requests;
}

/** SHA-256 of every .log / .index / .timeindex file, by partition-relative name. */
function hashFiles(logDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let p = 0; p < PARTITIONS; p++) {
    const dir = join(logDir, `same-${p}`);
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(log|index|timeindex)$/.test(name)) continue;
      out[`${p}/${name}`] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
    }
  }
  return out;
}

describe('engine × workers write identical logs', () => {
  const requests = makeRequests();
  const results = new Map<string, { files: Record<string, string>; answers: string[]; leo: number[] }>();
  const dirs: Array<{ remove: () => void }> = [];
  afterAll(() => dirs.forEach((d) => d.remove()));

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
        const client = await RawClient.connect(t.broker.port);
        // Everything written at once: requests arrive together and pile up per partition.
        const frames = requests.map((r) =>
          client.encode(PRODUCE, 9, createProduceRequest({ acks: -1, timeoutMs: 10_000, topicData: [{ name: 'same', partitionData: r.partitions }] })),
        );
        const responses = frames.map(() => client.nextFrame(30_000));
        client.sendRaw(Buffer.concat(frames));
        const answers: string[] = [];
        for (const frame of await Promise.all(responses)) {
          const reader = new Reader(frame);
          decodeResponseHeader(reader, responseHeaderVersion(PRODUCE, 9));
          const res = API_DEFINITIONS[PRODUCE]!.decodeResponse(reader, 9) as { responses: Array<{ partitionResponses: Array<{ index: number; errorCode: number; baseOffset: number }> }> };
          for (const p of res.responses[0]!.partitionResponses) answers.push(`${p.index}:${p.errorCode}:${p.baseOffset}`);
        }
        client.close();
        const leo = Array.from({ length: PARTITIONS }, (_, p) => t.broker.logs.partition('same', p)!.logEndOffset as number);
        if (workers > 0) {
          // Runs of several requests were handed off, and parts after a refused one were re-stamped.
          const stats = t.broker.appendPool!.stats();
          expect(stats.handoffs).toBeGreaterThan(stats.runs);
          expect(stats.restamped).toBeGreaterThan(0);
        }
        await t.broker.stop();
        results.set(`${engine}/${workers}`, { files: hashFiles(dir.path), answers, leo });

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
