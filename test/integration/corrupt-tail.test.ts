/**
 * Start-up recovery on real files: the last segment truncated mid-batch, and separately a
 * byte flipped inside its last batch. The broker starts, truncates to the last valid batch
 * (logging it), serves every record before it, and continues offsets from there.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSUME_FORMAT, kcat, parseConsumed } from '../helpers/kcat.js';
import { startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const TOPIC = 'torn';
const SEGMENT = join(`${TOPIC}-0`, '00000000000000000000.log');

/** Batch boundaries of a .log file, parsed independently of the broker: [position, size, baseOffset, lastOffset]. */
function batches(path: string): Array<{ position: number; size: number; baseOffset: number; lastOffset: number }> {
  const bytes = readFileSync(path);
  const out = [];
  let pos = 0;
  while (pos + 61 <= bytes.length) {
    const size = bytes.readInt32BE(pos + 8) + 12;
    const baseOffset = Number(bytes.readBigInt64BE(pos));
    out.push({ position: pos, size, baseOffset, lastOffset: baseOffset + bytes.readInt32BE(pos + 23) });
    pos += size;
  }
  expect(pos).toBe(bytes.length);
  return out;
}

async function produceBatches(bootstrap: string, batchesWanted: number): Promise<void> {
  for (let b = 0; b < batchesWanted; b++) {
    const lines = Array.from({ length: 100 }, (_, i) => `k${b * 100 + i}\tvalue-${b * 100 + i}`).join('\n') + '\n';
    const { code } = await kcat(['-P', '-b', bootstrap, '-t', TOPIC, '-p', '0', '-K', '\t'], Buffer.from(lines));
    expect(code).toBe(0);
  }
}

async function consume(bootstrap: string): Promise<string[]> {
  const { code, stdout } = await kcat(['-C', '-b', bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-f', CONSUME_FORMAT]);
  expect(code).toBe(0);
  return parseConsumed(stdout).map((r) => `${r.offset}:${r.key}:${r.value}`);
}

describe.each([
  ['truncated mid-batch', (path: string, last: { position: number; size: number }) => truncateSync(path, last.position + Math.floor(last.size / 2))],
  [
    'a byte flipped in the last batch',
    (path: string, last: { position: number; size: number }) => {
      const bytes = readFileSync(path);
      bytes[last.position + last.size - 3]! ^= 0xff;
      writeFileSync(path, bytes);
    },
  ],
] as const)('corrupt tail: %s', (_name, corrupt) => {
  it('recovers to the last valid batch and continues from there', async () => {
    const dir = makeTempDir();
    try {
      let t = await startTestBroker({ logDirs: dir.path });
      await produceBatches(t.bootstrap, 5);
      const before = await consume(t.bootstrap);
      expect(before).toHaveLength(500);
      await t.stop();

      const path = join(dir.path, SEGMENT);
      const all = batches(path);
      const last = all[all.length - 1]!;
      corrupt(path, last);

      t = await startTestBroker({ logDirs: dir.path });
      const survivors = last.baseOffset;
      expect(t.broker.logs.partition(TOPIC, 0)!.logEndOffset).toBe(survivors);
      expect(readFileSync(path).length).toBe(last.position);
      const after = await consume(t.bootstrap);
      expect(after).toEqual(before.slice(0, survivors));
      await produceBatches(t.bootstrap, 1);
      const more = await consume(t.bootstrap);
      expect(more).toHaveLength(survivors + 100);
      expect(more[survivors]).toBe(`${survivors}:k0:value-0`);
      await t.stop();
    } finally {
      dir.remove();
    }
  });
});
