/** An in-process broker on a free loopback port with its own temp log dir. */
import { Broker, type BrokerOptions } from '../../src/broker.js';
import { createLogger } from '../../src/logger.js';
import { makeTempDir } from './temp-dir.js';

export interface TestBroker {
  broker: Broker;
  logDir: string;
  bootstrap: string;
  stop: () => Promise<void>;
}

export async function startTestBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const dir = options.logDirs ? null : makeTempDir();
  const logDir = options.logDirs ?? dir!.path;
  const broker = await Broker.start({
    port: 0,
    host: '127.0.0.1',
    logger: createLogger(process.env.GREGOR_LOG_LEVEL ?? 'silent'),
    ...options,
    // A test never takes the default gateway port 9093 (tests run in parallel).
    ...(options.websocketPort === undefined && options.properties?.['gregor.websocket.port'] === undefined ? { websocketPort: 0 } : {}),
    logDirs: logDir,
    properties: { 'advertised.listeners': 'PLAINTEXT://127.0.0.1:0', ...options.properties },
  });
  return {
    broker,
    logDir,
    bootstrap: `127.0.0.1:${broker.port}`,
    stop: async () => {
      await broker.stop();
      dir?.remove();
    },
  };
}
