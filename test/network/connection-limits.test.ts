/**
 * Connection limits and idle connections, as Kafka's SocketServer has them (KIP-402):
 * `listener.name.<l>.max.connections`, `max.connections` over every listener but the
 * inter-broker one, `max.connections.per.ip` with `max.connections.per.ip.overrides`, and
 * `connections.max.idle.ms`. A connection over a limit is closed before anything is read; a
 * slot given back admits the next one; the broker serves the connections it holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker.js';
import { ConfigError } from '../../src/config/broker-config.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const API_VERSIONS = 18;

/** True if the connection answers an ApiVersions request. */
async function served(c: RawClient): Promise<boolean> {
  try {
    const res = await c.request(API_VERSIONS, 0, {});
    return res.errorCode === 0;
  } catch {
    return false;
  }
}

/** True if the broker closes the connection within `ms` without answering. */
async function refused(c: RawClient, ms = 3_000): Promise<boolean> {
  const closed = await Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  return closed && !(await served(c));
}

describe('connection limits', () => {
  const open: RawClient[] = [];
  const connect = async (port: number) => {
    const c = await RawClient.connect(port);
    open.push(c);
    return c;
  };
  afterAll(() => open.forEach((c) => c.close()));

  describe('per listener and broker-wide', () => {
    let t: TestBroker;
    let ports: Record<'INTERNAL' | 'EXTERNAL' | 'OTHER', number>;
    beforeAll(async () => {
      t = await startTestBroker({
        port: undefined,
        host: undefined,
        properties: {
          listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0,OTHER://127.0.0.1:0',
          'advertised.listeners': 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0,OTHER://127.0.0.1:0',
          'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,OTHER:PLAINTEXT',
          'inter.broker.listener.name': 'INTERNAL',
          'max.connections': 3,
          'listener.name.external.max.connections': 2,
        },
      });
      const [internal, external, other] = t.broker.listeners.map((l) => l.port) as [number, number, number];
      ports = { INTERNAL: internal, EXTERNAL: external, OTHER: other };
    });
    afterAll(() => t.stop());

    it('refuses over the listener limit, then over max.connections, but never the inter-broker listener', async () => {
      const e1 = await connect(ports.EXTERNAL);
      const e2 = await connect(ports.EXTERNAL);
      expect([await served(e1), await served(e2)]).toEqual([true, true]);
      expect(await refused(await connect(ports.EXTERNAL))).toBe(true);

      const o1 = await connect(ports.OTHER);
      expect(await served(o1)).toBe(true);
      // Three held outside the inter-broker listener: max.connections is reached.
      expect(await refused(await connect(ports.OTHER))).toBe(true);
      const internal = await Promise.all(Array.from({ length: 4 }, () => connect(ports.INTERNAL)));
      for (const c of internal) expect(await served(c)).toBe(true);

      // A slot given back admits the next connection.
      e1.close();
      await e1.closed;
      let admitted = false;
      for (let attempt = 0; attempt < 20 && !admitted; attempt++) {
        const next = await connect(ports.OTHER);
        admitted = await served(next);
        if (!admitted) await new Promise((r) => setTimeout(r, 50));
      }
      expect(admitted).toBe(true);
      expect(await served(e2)).toBe(true);
    });
  });

  it('max.connections.per.ip, and an override for one address', async () => {
    const limited = await startTestBroker({ properties: { 'max.connections.per.ip': 2 } });
    const overridden = await startTestBroker({ properties: { 'max.connections.per.ip': 1, 'max.connections.per.ip.overrides': '127.0.0.1:3, 10.0.0.1:7' } });
    try {
      const a = await Promise.all([connect(limited.broker.port), connect(limited.broker.port)]);
      for (const c of a) expect(await served(c)).toBe(true);
      expect(await refused(await connect(limited.broker.port))).toBe(true);

      const b = await Promise.all([1, 2, 3].map(() => connect(overridden.broker.port)));
      for (const c of b) expect(await served(c)).toBe(true);
      expect(await refused(await connect(overridden.broker.port))).toBe(true);
    } finally {
      await limited.stop();
      await overridden.stop();
    }
  });

  it('connections.max.idle.ms closes an idle connection and keeps a busy one', async () => {
    const t = await startTestBroker({ properties: { 'connections.max.idle.ms': 600 } });
    try {
      const idle = await connect(t.broker.port);
      const busy = await connect(t.broker.port);
      expect(await served(idle)).toBe(true);
      const started = Date.now();
      while (Date.now() - started < 1_800) {
        expect(await served(busy)).toBe(true);
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(idle.isClosed).toBe(true);
      expect(busy.isClosed).toBe(false);
    } finally {
      await t.stop();
    }
  });

  it('bad limits stop start-up with the key named', async () => {
    for (const [key, value] of [['max.connections.per.ip.overrides', '127.0.0.1'], ['listener.name.plaintext.max.connections', '-1'], ['max.connections', '-5']] as const) {
      const dir = makeTempDir();
      try {
        const start = Broker.start({ port: 0, logDirs: dir.path, websocketPort: -1, properties: { [key]: value } });
        await expect(start).rejects.toThrow(ConfigError);
        await expect(start).rejects.toThrow(key);
      } finally {
        dir.remove();
      }
    }
  });
});
