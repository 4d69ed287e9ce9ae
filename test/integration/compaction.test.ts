/**
 * Log compaction end to end: kcat produces 100,000 updates over 1,000 keys (about 5%
 * tombstones), in five rounds with no compression, gzip, snappy, lz4 and zstd; the broker's
 * background cleaner compacts the log; kcat reads back exactly the latest value of every
 * live key below the active segment, every record at its original offset, no tombstone left
 * (delete.retention.ms=0). Checked against a model of what was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { kcat } from '../helpers/kcat.js';
import { prng } from '../helpers/records.js';

const UPDATES = 100_000;
const KEYS = 1_000;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

interface Sent {
  key: string;
  value: string | null;
}

/** kcat -C output with -Z: `offset<TAB>key<TAB>value` lines, NULL for a null value. */
function parseLines(stdout: Buffer): Array<{ offset: number; key: string; value: string | null }> {
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [offset, key, value] = l.split('\t');
      return { offset: Number(offset), key: key!, value: value === 'NULL' ? null : value! };
    });
}

describe('log compaction with kcat', () => {
  let t: TestBroker;
  const sent: Sent[] = [];

  beforeAll(async () => {
    t = await startTestBroker({ properties: { 'log.cleaner.backoff.ms': 100 } });
    t.broker.logs.createTopic('compacted', 1, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(32 * 1024),
      'min.cleanable.dirty.ratio': '0.01',
      'delete.retention.ms': '0',
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('produces 100,000 updates over 1,000 keys with tombstones, in every codec', async () => {
    const rand = prng(42);
    const perRound = UPDATES / CODECS.length;
    for (const codec of CODECS) {
      const lines: string[] = [];
      for (let i = 0; i < perRound; i++) {
        const key = `key-${String(Math.floor(rand() * KEYS)).padStart(4, '0')}`;
        const value = rand() < 0.05 ? null : `value-${sent.length}-${'x'.repeat(Math.floor(rand() * 40))}`;
        sent.push({ key, value });
        lines.push(`${key}\t${value ?? ''}`);
      }
      const r = await kcat(['-P', '-b', t.bootstrap, '-t', 'compacted', '-p', '0', '-K', '\t', '-Z', '-z', codec, '-X', 'linger.ms=20'], Buffer.from(`${lines.join('\n')}\n`), 120_000);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(t.broker.logs.partition('compacted', 0)!.logEndOffset).toBe(UPDATES);
  });

  it('the background cleaner compacts it to the latest value per live key, offsets intact', async () => {
    const log = t.broker.logs.partition('compacted', 0)!;
    // The background cleaner (log.cleaner.backoff.ms=100) starts on its own (maybe already
    // while kcat was producing)…
    const deadline = Date.now() + 60_000;
    while (t.broker.logs.cleaner.logsCleaned === 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    // …then wait until a pass finds nothing left to clean.
    while ((await t.broker.logs.cleaner.cleanAll()).length > 0) {
      expect(Date.now()).toBeLessThan(deadline);
    }
    const activeBase = log.activeSegment.baseOffset;

    const r = await kcat(['-C', '-b', t.bootstrap, '-t', 'compacted', '-p', '0', '-o', 'beginning', '-e', '-Z', '-f', '%o\t%k\t%s\n'], undefined, 120_000);
    expect(r.code, r.stderr).toBe(0);
    const got = parseLines(r.stdout);

    // Every record is the one sent at its offset; offsets increase.
    let last = -1;
    for (const rec of got) {
      expect(rec.offset).toBeGreaterThan(last);
      last = rec.offset;
      expect(rec).toEqual({ offset: rec.offset, key: sent[rec.offset]!.key, value: sent[rec.offset]!.value });
    }
    // Below the active segment: exactly one record per live key — its latest value — and no
    // tombstones; the active segment is left as it was.
    const latest = new Map<string, number>();
    sent.forEach((s, offset) => {
      if (offset < activeBase) latest.set(s.key, offset);
    });
    // (A key written again in the active segment keeps its latest value below it too: the
    // active segment is not in the key map, as in Kafka.)
    const expected = [...latest.values()].filter((o) => sent[o]!.value !== null).sort((a, b) => a - b);
    const cleanedPart = got.filter((rec) => rec.offset < activeBase);
    expect(cleanedPart.map((rec) => rec.offset)).toEqual(expected);
    expect(got.filter((rec) => rec.offset >= activeBase).map((rec) => rec.offset)).toEqual(Array.from({ length: UPDATES - activeBase }, (_, i) => activeBase + i));

    // The latest value a consumer ends with, per key, is the model's.
    const finalModel = new Map<string, string | null>();
    for (const s of sent) finalModel.set(s.key, s.value);
    const finalSeen = new Map<string, string | null>();
    for (const rec of got) finalSeen.set(rec.key, rec.value);
    for (const [key, value] of finalModel) {
      if (value === null) expect(finalSeen.get(key) ?? null).toBeNull();
      else expect(finalSeen.get(key)).toBe(value);
    }
  });
});
