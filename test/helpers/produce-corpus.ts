/**
 * The produce corpus of the identical-logs tests (test/workers/identical-logs*.test.ts): the
 * same pipelined Produce v9 requests for every engine × workers combination, single broker or
 * cluster — varied batch sizes over 3 partitions, corrupt batches, one over max.message.bytes,
 * an idempotent producer's retries — and the digests of the files they leave.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../src/engine/index.js';
import { API_DEFINITIONS, createProduceRequest, decodeResponseHeader, responseHeaderVersion } from '../../src/protocol/generated/index.js';
import { Reader } from '../../src/protocol/primitives.js';
import type { RawClient } from './raw-client.js';
import { prng } from './records.js';

const PRODUCE = 0;
export const PARTITIONS = 3;
/** The corpus's first record timestamp (ms); the others follow within 2 s. */
export const T0 = Date.now();

export interface Request {
  partitions: Array<{ index: number; records: Uint8Array }>;
}

/** The same requests for every combination (fixed seed, fixed timestamps). */
export function makeRequests(): Request[] {
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

/** SHA-256 of every .log / .index / .timeindex file of `topic`'s partitions in `logDir`, by partition-relative name. */
export function hashFiles(logDir: string, topic = 'same', partitions: readonly number[] = [0, 1, 2]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of partitions) {
    const dir = join(logDir, `${topic}-${p}`);
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(log|index|timeindex)$/.test(name)) continue;
      out[`${p}/${name}`] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
    }
  }
  return out;
}

/** SHA-256 of a partition's .log files concatenated in offset order (independent of where segments rolled). */
export function hashLogBytes(logDir: string, topic: string, partition: number): string {
  const dir = join(logDir, `${topic}-${partition}`);
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) hash.update(readFileSync(join(dir, name)));
  return hash.digest('hex');
}

/**
 * Writes `requests` (acks=-1) to `topic` over `client` all at once (several in flight per
 * partition) and resolves to the answers, `index:errorCode:baseOffset`, in request order.
 */
export async function producePipelined(client: RawClient, topic: string, requests: readonly Request[]): Promise<string[]> {
  const frames = requests.map((r) => client.encode(PRODUCE, 9, createProduceRequest({ acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: r.partitions }] })));
  const responses = frames.map(() => client.nextFrame(30_000));
  client.sendRaw(Buffer.concat(frames));
  const answers: string[] = [];
  for (const frame of await Promise.all(responses)) {
    const reader = new Reader(frame);
    decodeResponseHeader(reader, responseHeaderVersion(PRODUCE, 9));
    const res = API_DEFINITIONS[PRODUCE]!.decodeResponse(reader, 9) as { responses: Array<{ partitionResponses: Array<{ index: number; errorCode: number; baseOffset: number }> }> };
    for (const p of res.responses[0]!.partitionResponses) answers.push(`${p.index}:${p.errorCode}:${p.baseOffset}`);
  }
  return answers;
}
