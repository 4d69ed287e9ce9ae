/**
 * A local ZooKeeper server for development, tests and benchmarks: Debian's `zookeeper`
 * package (`zkServer.sh start-foreground` over a config written here), loopback only,
 * admin server off. Stopped by the PID it was started with; pause()/resume() (SIGSTOP /
 * SIGCONT) simulate an outage. Not for production: an ensemble needs an odd number (3, 5)
 * of servers on separate machines.
 * Errors: Error if zkServer.sh is missing or the server does not answer `ruok` in 30 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ZK_SERVER = '/usr/share/zookeeper/bin/zkServer.sh';

export interface LocalZooKeeperOptions {
  /** Client port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Where data and logs go (default: a temp dir, removed on stop). */
  dataDir?: string;
  /** ZooKeeper's tick, ms; sessions may be 2 to 20 ticks (default 200: tests use short sessions). */
  tickTimeMs?: number;
}

export interface LocalZooKeeper {
  connectString: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
  pause: () => void;
  resume: () => void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Sends ZooKeeper's four-letter word `ruok`; true if it answers `imok`. */
export function zooKeeperIsOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let out = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('ruok'));
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out === 'imok'));
    socket.on('error', () => resolve(false));
  });
}

export async function startLocalZooKeeper(options: LocalZooKeeperOptions = {}): Promise<LocalZooKeeper> {
  if (!existsSync(ZK_SERVER)) throw new Error(`${ZK_SERVER} not found: apt-get install -y zookeeper`);
  const temporary = options.dataDir === undefined;
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gregor-zk-'));
  mkdirSync(join(dir, 'data'), { recursive: true });
  const port = options.port ?? (await freePort());
  const tick = options.tickTimeMs ?? 200;
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      `tickTime=${tick}`,
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      `minSessionTimeout=${2 * tick}`,
      `maxSessionTimeout=${Math.max(60_000, 20 * tick)}`,
      '4lw.commands.whitelist=ruok,srvr',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(ZK_SERVER, ['start-foreground', cfg], {
    env: { ...process.env, ZOO_LOG_DIR: dir, ZOO_LOG4J_PROP: 'WARN,CONSOLE' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const cleanup = () => {
    if (temporary) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!(await zooKeeperIsOk(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      cleanup();
      throw new Error(`ZooKeeper did not start on 127.0.0.1:${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    connectString: `127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      cleanup();
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}
