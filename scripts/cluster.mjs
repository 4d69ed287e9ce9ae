#!/usr/bin/env node
// `npm run cluster`: a local cluster on loopback — one ZooKeeper (Debian's `zookeeper`
// package, /usr/share/zookeeper/bin/zkServer.sh), or an ensemble of 3 or 5 with
// --zookeepers, and three Gregor brokers (node.id 1-3 on Kafka ports 9092, 9094, 9096 and
// WebSocket ports 9093, 9095, 9097), data under ./cluster-data. Ctrl-C (or SIGTERM) stops the
// brokers gracefully (controlled shutdown), then ZooKeeper — each by the PID this script
// started.
//
//   npm run cluster [-- --brokers 3 --zk-port 2181 --zookeepers 1|3|5]
//   (an ensemble's client ports are zk-port, zk-port + 1, …)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const brokerCount = option('--brokers', 3);
const zkPort = option('--zk-port', 2181);
const zkServers = option('--zookeepers', 1);
let zkConnect = `127.0.0.1:${zkPort}`;
const dataDir = join(root, 'cluster-data');
if (!existsSync(join(root, 'dist', 'src', 'cli.js'))) {
  console.error('cluster: the broker is not built; run npm install (or npm run build) first');
  process.exit(1);
}
const { startLocalZooKeeper, startLocalZooKeeperEnsemble } = await import(join(root, 'dist', 'src', 'cluster', 'local-zookeeper.js'));

const children = [];
const log = (line) => process.stdout.write(`${line}\n`);

async function startZooKeeper() {
  const dir = join(dataDir, 'zookeeper');
  // Production-like ticks (2 s): sessions between 4 s and 40 s; the brokers use 18 s.
  if (zkServers > 1) {
    const clientPorts = Array.from({ length: zkServers }, (_, i) => zkPort + i);
    const zk = await startLocalZooKeeperEnsemble({ servers: zkServers, dataDir: dir, tickTimeMs: 2000, clientPorts });
    children.push({ name: 'zookeeper', stop: zk.stop, child: null });
    zkConnect = zk.connectString;
    log(`cluster: ZooKeeper ensemble of ${zkServers} on ${zk.connectString} (pids ${zk.servers.map((s) => s.pid).join(', ')})`);
    return;
  }
  const zk = await startLocalZooKeeper({ port: zkPort, dataDir: dir, tickTimeMs: 2000 });
  children.push({ name: 'zookeeper', stop: zk.stop, child: null });
  log(`cluster: ZooKeeper on ${zk.connectString} (pid ${zk.pid})`);
}

function startBroker(id) {
  const port = 9092 + 2 * (id - 1);
  const child = spawn(process.execPath, [join(root, 'bin', 'gregor.js'), 'start',
    '--port', String(port), '--ws-port', String(port + 1), '--log-dirs', join(dataDir, `broker-${id}`),
    '-o', `node.id=${id}`, '-o', `zookeeper.connect=${zkConnect}`,
    '-o', `listeners=PLAINTEXT://127.0.0.1:${port}`, '-o', `default.replication.factor=${Math.min(3, brokerCount)}`,
    '-o', `offsets.topic.replication.factor=${Math.min(3, brokerCount)}`, '-o', `min.insync.replicas=${brokerCount >= 3 ? 2 : 1}`,
  ], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GREGOR_LOG_LEVEL: process.env.GREGOR_LOG_LEVEL ?? 'warn' } });
  children.push({ name: `broker ${id}`, child });
  log(`cluster: broker ${id} on 127.0.0.1:${port} (WebSocket ${port + 1}, pid ${child.pid})`);
  return `127.0.0.1:${port}`;
}

let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  log('cluster: stopping');
  const brokers = children.filter((c) => c.name !== 'zookeeper');
  await Promise.all(brokers.map(({ child }) => new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
  })));
  for (const zk of children.filter((c) => c.name === 'zookeeper')) await zk.stop();
  process.exit(code);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

try {
  mkdirSync(dataDir, { recursive: true });
  await startZooKeeper();
  const bootstrap = [];
  for (let id = 1; id <= brokerCount; id++) bootstrap.push(startBroker(id));
  log(`cluster: bootstrap servers ${bootstrap.join(',')} — try: kcat -L -b ${bootstrap[0]}`);
  log('cluster: Ctrl-C stops everything');
  for (const { name, child } of children.filter((c) => c.child)) {
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(`cluster: ${name} exited (${code ?? signal}); stopping the rest`);
        void stopAll(1);
      }
    });
  }
} catch (err) {
  console.error(`cluster: ${err.message}`);
  await stopAll(1);
}
