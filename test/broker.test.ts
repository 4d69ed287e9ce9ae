/** Gregor as a library: Broker.start/stop, bound port, several brokers in one process. */
import { describe, expect, it } from 'vitest';
import { Broker } from '../src/index.js';
import { createLogger } from '../src/logger.js';
import { kcat } from './helpers/kcat.js';
import { makeTempDir } from './helpers/temp-dir.js';

describe('Broker library', () => {
  it('two brokers in one process share no state', async () => {
    const [d1, d2] = [makeTempDir(), makeTempDir()];
    const logger = createLogger('silent');
    const a = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: d1.path, logger, engine: 'wasm' });
    const b = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: d2.path, logger, engine: 'js' });
    try {
      expect(a.port).toBeGreaterThan(0);
      expect(b.port).not.toBe(a.port);
      expect(a.engine.memory).not.toBe(b.engine.memory);
      const r = await kcat(['-P', '-b', `127.0.0.1:${a.port}`, '-t', 'only-on-a', '-p', '0'], Buffer.from('one\ntwo\n'));
      expect(r.code).toBe(0);
      expect(a.logs.partition('only-on-a', 0)!.logEndOffset).toBe(2);
      expect(b.logs.topic('only-on-a')).toBeUndefined();
      expect(a.clusterId).not.toBe(b.clusterId);
    } finally {
      await a.stop();
      await b.stop();
      d1.remove();
      d2.remove();
    }
  });

  it('stop() releases the port and a restarted broker on the same dir keeps the cluster id', async () => {
    const dir = makeTempDir();
    const logger = createLogger('silent');
    const first = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir.path, logger });
    const { port, clusterId } = first;
    await first.stop();
    const second = await Broker.start({ port, host: '127.0.0.1', logDirs: dir.path, logger });
    expect(second.port).toBe(port);
    expect(second.clusterId).toBe(clusterId);
    await second.stop();
    dir.remove();
  });
});
