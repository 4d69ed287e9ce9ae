/**
 * The leader epoch cache on real files: OffsetForLeaderEpoch answers as Kafka's
 * LeaderEpochFileCacheTest expects, truncation from either end, and the checkpoint file
 * survives a reopen (and a torn file reads as empty rather than wrong).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LEADER_EPOCH_CHECKPOINT, LeaderEpochCache, UNDEFINED_EPOCH } from '../../src/replication/leader-epoch-cache.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('LeaderEpochCache', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
  const fresh = () => {
    const d = makeTempDir();
    dirs.push(d);
    return d.path;
  };

  it('answers end offsets per epoch (KIP-101) and persists in Kafka\'s checkpoint format', () => {
    const dir = fresh();
    const cache = new LeaderEpochCache(dir);
    cache.assign(0, 0);
    cache.assign(2, 100);
    cache.assign(2, 150); // same epoch again: ignored
    cache.assign(5, 300);
    expect(cache.endOffsetFor(0, 400)).toEqual({ epoch: 0, endOffset: 100 });
    expect(cache.endOffsetFor(1, 400)).toEqual({ epoch: 0, endOffset: 100 });
    expect(cache.endOffsetFor(2, 400)).toEqual({ epoch: 2, endOffset: 300 });
    expect(cache.endOffsetFor(4, 400)).toEqual({ epoch: 2, endOffset: 300 });
    expect(cache.endOffsetFor(5, 400)).toEqual({ epoch: 5, endOffset: 400 });
    expect(cache.endOffsetFor(9, 400)).toEqual({ epoch: 5, endOffset: 400 });
    expect(cache.endOffsetFor(UNDEFINED_EPOCH, 400)).toEqual({ epoch: -1, endOffset: -1 });
    expect(readFileSync(join(dir, LEADER_EPOCH_CHECKPOINT), 'utf8')).toBe('0\n3\n0 0\n2 100\n5 300\n');
    expect(new LeaderEpochCache(dir).all).toEqual(cache.all);
  });

  it('truncates from the end and from the start', () => {
    const cache = new LeaderEpochCache(fresh());
    cache.assign(1, 10);
    cache.assign(3, 50);
    cache.assign(4, 80);
    cache.truncateFromEnd(60);
    expect(cache.all).toEqual([{ epoch: 1, startOffset: 10 }, { epoch: 3, startOffset: 50 }]);
    cache.truncateFromStart(55);
    expect(cache.all).toEqual([{ epoch: 3, startOffset: 55 }]);
    expect(cache.endOffsetFor(1, 70)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('a torn checkpoint reads as empty', () => {
    const dir = fresh();
    writeFileSync(join(dir, LEADER_EPOCH_CHECKPOINT), '0\n3\n0 0\n2 1');
    expect(new LeaderEpochCache(dir).all).toEqual([]);
  });
});
