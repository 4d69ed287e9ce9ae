/**
 * A request that arrives while the broker is still starting (its listener bound to register
 * its port in ZooKeeper, but not yet serving) is answered once start-up completes. Its bytes
 * are read by Node into the socket's stream buffer while the connection waits; switching the
 * socket to reads into our own buffers then (network/socket-reads.ts) used to lose them, and
 * the client waited for its request time-out — seen as a 30 s stall of KafkaJS producers
 * during rolling restarts.
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cluster/local-zookeeper.js';
import { type BrokerProcess, spawnBroker } from '../helpers/broker-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';

/** ApiVersions v0 with correlation id `id` (request header v1: api key, version, correlation id, client id). */
function apiVersionsRequest(id: number): Buffer {
  const clientId = Buffer.from('early');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(id, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('requests sent during start-up', () => {
  const dir = makeTempDir('gregor-early-');
  let zk: ZooKeeperServer | null = null;
  let broker: BrokerProcess | null = null;
  afterAll(async () => {
    zk?.resume();
    await broker?.stop('SIGKILL');
    await zk?.stop();
    dir.remove();
  });

  it('are answered once the broker has joined the cluster', async () => {
    const zkPort = await freePort();
    const port = await freePort();
    zk = await startZooKeeper({ port: zkPort });
    zk.pause(); // the broker binds its listener, then waits to join
    const starting = spawnBroker([
      '--log-dirs', dir.path, '-o', 'node.id=1', '-o', `listeners=PLAINTEXT://127.0.0.1:${port}`, '-o', `zookeeper.connect=127.0.0.1:${zkPort}`,
      '-o', 'zookeeper.connection.timeout.ms=60000', '-o', 'gregor.websocket.port=-1',
    ]);
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const attempt = () => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => (Date.now() > deadline ? reject(new Error('the listener never bound')) : setTimeout(attempt, 100)));
      };
      attempt();
    });
    let received = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    socket.write(apiVersionsRequest(4242));
    // Node reads the request into the waiting socket's buffer meanwhile.
    await new Promise((r) => setTimeout(r, 500));
    expect(received.length).toBe(0);
    zk.resume();
    broker = await starting;
    const deadline = Date.now() + 10_000;
    while (received.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    expect(received.length, 'an answer to the request sent during start-up').toBeGreaterThanOrEqual(8);
    expect(received.readInt32BE(4)).toBe(4242);
  }, 60_000);
});
