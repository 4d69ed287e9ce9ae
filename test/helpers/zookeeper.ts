/**
 * A real ZooKeeper server (Debian's `zookeeper` package, zkServer.sh start-foreground) on a
 * free loopback port, data in a temp dir, for cluster tests. Stopped by its PID; `pause()`
 * and `resume()` stop it for a while (SIGSTOP/SIGCONT) to test a ZooKeeper outage.
 * Short tick (200 ms) so tests can use session timeouts down to 400 ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';

export const ZK_SERVER = '/usr/share/zookeeper/bin/zkServer.sh';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Sends a four-letter word; resolves with the answer ('' on failure). */
function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let out = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(''));
  });
}

export interface ZooKeeperServer {
  connectString: string;
  port: number;
  stop: () => Promise<void>;
  pause: () => void;
  resume: () => void;
}

export async function startZooKeeper(): Promise<ZooKeeperServer> {
  const dir = makeTempDir('gregor-zk-');
  const port = await freePort();
  const cfg = join(dir.path, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      'tickTime=200',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${join(dir.path, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      'minSessionTimeout=400',
      'maxSessionTimeout=60000',
      '4lw.commands.whitelist=ruok,srvr',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(ZK_SERVER, ['start-foreground', cfg], {
    env: { ...process.env, ZOO_LOG_DIR: dir.path, ZOO_LOG4J_PROP: 'WARN,CONSOLE' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const deadline = Date.now() + 30_000;
  while ((await fourLetterWord(port, 'ruok')) !== 'imok') {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      dir.remove();
      throw new Error(`ZooKeeper did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    connectString: `127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      dir.remove();
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}
