/**
 * Start-up of an empty broker (Broker.start → listening), in this process, ms: the first start
 * (includes compiling the WASM module) and the median of 7 more (module already compiled).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker.js';
import { createLogger } from '../../src/logger.js';

export async function startupMs(): Promise<{ first: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-start-'));
    const start = performance.now();
    const broker = await Broker.start({ port: 0, host: '127.0.0.1', websocketPort: -1, logDirs: dir, logger: createLogger('silent') });
    times.push(performance.now() - start);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rest = times.slice(1).sort((a, b) => a - b);
  return { first: times[0]!, median: rest[Math.floor(rest.length / 2)]! };
}
