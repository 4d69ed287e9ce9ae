/**
 * File descriptors per partition: a segment keeps only its `.log` open; its `.index` and
 * `.timeindex` live in memory and are opened only to load, flush or truncate. (With all three
 * held open, 10,000 partitions needed 30,000 descriptors, past this machine's hard limit of
 * 20,000: EMFILE at about 6,600 partitions in `npm run bench:scale`.)
 */
import { readdirSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { createEngine } from '../../src/engine/index.js';

const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe('descriptors per partition', () => {
  const dir = makeTempDir();
  let t: TestBroker | undefined;
  afterAll(async () => {
    await t?.stop();
    dir.remove();
  });

  it('one per segment, with data written and its indexes flushed', async () => {
    t = await startTestBroker({ logDirs: dir.path, websocketPort: -1, properties: { 'log.index.interval.bytes': 1 } });
    const before = openDescriptors();
    const partitions = 200;
    t.broker.logs.createTopic('fds', partitions);
    const batch = createEngine('js').encodeRecordBatch([{ key: null, value: new Uint8Array(64), timestamp: Date.now() }]);
    for (let p = 0; p < partitions; p++) {
      for (let i = 0; i < 3; i++) await t.broker.replicas.appendRecords('fds', p, batch.slice(), { acks: 1, timeoutMs: 1000 });
      t.broker.logs.partition('fds', p)!.flush();
    }
    // Index entries were made (interval 1 byte) and flushed to the files.
    const segment = t.broker.logs.partition('fds', 0)!.activeSegment;
    expect(segment.offsetIndex.entries).toBeGreaterThan(0);
    expect(statSync(segment.offsetIndex.path).size).toBe(segment.offsetIndex.entries * segment.offsetIndex.entrySize);
    const added = openDescriptors() - before;
    expect(added).toBeGreaterThanOrEqual(partitions);
    expect(added).toBeLessThan(partitions * 1.5);
  });
});
