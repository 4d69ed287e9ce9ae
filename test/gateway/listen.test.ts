/**
 * Where the gateway listens: its own port (the Kafka port 0 rule puts it on a free port too),
 * an exclusive bind (a second broker cannot share the port, unlike uWS's SO_REUSEPORT
 * default), -1 for no gateway, and the config keys' bounds.
 */
import { describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker.js';
import { ConfigError, applyProperties, defaultConfig } from '../../src/config/broker-config.js';
import { portState } from '../../src/gateway/port-probe.js';
import { createLogger } from '../../src/logger.js';
import { startTestBroker } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('gateway listener', () => {
  it('port 0 brokers get their own free WebSocket port; a second broker cannot take a bound one', async () => {
    const a = await startTestBroker();
    const b = await startTestBroker();
    const dir = makeTempDir();
    try {
      expect(a.broker.websocketPort).toBeGreaterThan(0);
      expect(a.broker.websocketPort).not.toBe(9093);
      expect(b.broker.websocketPort).not.toBe(a.broker.websocketPort);
      expect(portState(a.broker.websocketPort)).toBe('listening');
      await expect(
        Broker.start({ port: 0, host: '127.0.0.1', websocketPort: a.broker.websocketPort, logDirs: dir.path, logger: createLogger('silent') }),
      ).rejects.toThrow(`WebSocket gateway cannot listen on 127.0.0.1:${a.broker.websocketPort} (address in use)`);
      const health = await fetch(`http://127.0.0.1:${a.broker.websocketPort}/health`);
      expect(health.status).toBe(200);
    } finally {
      await a.stop();
      await b.stop();
      dir.remove();
    }
  });

  it('-1 runs no gateway', async () => {
    const t = await startTestBroker({ websocketPort: -1 });
    try {
      expect(t.broker.websocketPort).toBe(-1);
      expect(t.broker.gateway).toBeNull();
    } finally {
      await t.stop();
    }
  });

  it('config keys are checked', () => {
    expect(defaultConfig().websocketPort).toBe(9093);
    expect(applyProperties(defaultConfig(), { 'gregor.websocket.port': '-1' }).websocketPort).toBe(-1);
    expect(() => applyProperties(defaultConfig(), { 'gregor.websocket.port': '-2' })).toThrow(ConfigError);
    expect(() => applyProperties(defaultConfig(), { 'gregor.websocket.port': '70000' })).toThrow(/gregor.websocket.port: 70000 is outside \[-1, 65535\]/);
    expect(() => applyProperties(defaultConfig(), { 'gregor.websocket.max.frame.bytes': '10' })).toThrow(ConfigError);
    expect(applyProperties(defaultConfig(), { 'gregor.websocket.slow.client.timeout.ms': '2500' }).websocketSlowClientTimeoutMs).toBe(2500);
  });
});
