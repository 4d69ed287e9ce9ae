#!/usr/bin/env node
// `npm run cluster`: a local cluster on loopback — one ZooKeeper (Debian's `zookeeper`
// package, /usr/share/zookeeper/bin/zkServer.sh) and three Gregor brokers (node.id 1-3 on
// Kafka ports 9092, 9094, 9096 and WebSocket ports 9093, 9095, 9097), data under
// ./cluster-data. Ctrl-C (or SIGTERM) stops the brokers gracefully (controlled shutdown),
// then ZooKeeper — each by the PID this script started.
//
//   npm run cluster [-- --brokers 3 --zk-port 2181]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const brokerCount = option('--brokers', 3);
const zkPort = option('--zk-port', 2181);
const dataDir = join(root, 'cluster-data');
const zkServer = '/usr/share/zookeeper/bin/zkServer.sh';

if (!existsSync(zkServer)) {
  console.error(`cluster: ${zkServer} not found; install ZooKeeper first: sudo apt-get install -y zookeeper`);
  process.exit(1);
}
if (!existsSync(join(root, 'dist', 'src', 'cli.js'))) {
  console.error('cluster: the broker is not built; run npm install (or npm run build) first');
  process.exit(1);
}

const children = [];
const log = (line) => process.stdout.write(`${line}\n`);

function ruok() {
  return new Promise((done) => {
    const socket = connect({ port: zkPort, host: '127.0.0.1' });
    let out = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('ruok'));
    socket.on('data', (d) => (out += d));
    socket.on('close', () => done(out === 'imok'));
    socket.on('error', () => done(false));
  });
}

async function startZooKeeper() {
  const dir = join(dataDir, 'zookeeper');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(cfg, [
    'tickTime=2000', 'initLimit=10', 'syncLimit=5', `dataDir=${join(dir, 'data')}`,
    `clientPort=${zkPort}`, 'clientPortAddress=127.0.0.1', 'admin.enableServer=false', '4lw.commands.whitelist=ruok,srvr',
  ].join('\n'));
  const child = spawn(zkServer, ['start-foreground', cfg], { env: { ...process.env, ZOO_LOG_DIR: dir }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push({ name: 'zookeeper', child });
  const deadline = Date.now() + 30_000;
  while (!(await ruok())) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ZooKeeper did not start on 127.0.0.1:${zkPort}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`cluster: ZooKeeper on 127.0.0.1:${zkPort} (pid ${child.pid})`);
}

function startBroker(id) {
  const port = 9092 + 2 * (id - 1);
  const child = spawn(process.execPath, [join(root, 'bin', 'gregor.js'), 'start',
    '--port', String(port), '--ws-port', String(port + 1), '--log-dirs', join(dataDir, `broker-${id}`),
    '-o', `node.id=${id}`, '-o', `zookeeper.connect=127.0.0.1:${zkPort}`,
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
  for (const { child } of children.filter((c) => c.name === 'zookeeper')) {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
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
  for (const { name, child } of children) {
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
