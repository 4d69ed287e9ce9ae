/**
 * A local ZooKeeper server, or a local ensemble of 3 or 5, for development, tests and
 * benchmarks: Debian's `zookeeper` package (`zkServer.sh start-foreground` over configs
 * written here), on loopback (a single server may bind another address and run under a
 * command prefix, e.g. in a network namespace), admin server off. Stopped by the PIDs they were started with;
 * pause()/resume() (SIGSTOP / SIGCONT) simulate an outage, an ensemble's servers can be killed
 * and restarted one by one. Not for production: a real ensemble's servers run on separate
 * machines.
 * Errors: Error if zkServer.sh is missing or the server does not answer `ruok` in 30 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ZK_SERVER = '/usr/share/zookeeper/bin/zkServer.sh';

export interface LocalZooKeeperOptions {
  /** Client port (default: a free one on 127.0.0.1). */
  port?: number;
  /** The address the client port binds (clientPortAddress; default 127.0.0.1). */
  host?: string;
  /**
   * A command that execs zkServer.sh in another context (e.g. `['ip', 'netns', 'exec', ns]`:
   * the server runs in that network namespace; `host` must be reachable from here).
   */
  commandPrefix?: string[];
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

const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range), or 32768. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on `host` (default 127.0.0.1) right now, for a server started later.
 * Chosen at random below the kernel's ephemeral range, where neither outgoing connections'
 * local ports nor other port-0 listeners can take it before it is used (a port the OS picks
 * can: a CI run once lost a broker's port to a connection made in between); never the same
 * port twice in one process. Falls back to a port the OS picks when the range leaves no room.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const high = ephemeralLow() - 1;
  const low = 20_000;
  for (let attempt = 0; high - low > 1_000 && attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port) || !(await canListen(port, host))) continue;
    handedOut.add(port);
    return port;
  }
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Sends ZooKeeper's four-letter word `ruok`; true if it answers `imok`. */
export async function zooKeeperIsOk(port: number, host = '127.0.0.1'): Promise<boolean> {
  return (await fourLetterWord(port, 'ruok', host)) === 'imok';
}

/** One server of a local ensemble: its id (myid), client port, and process control. */
export interface LocalZooKeeperServer {
  id: number;
  port: number;
  /** The running process's PID (-1 while stopped). */
  readonly pid: number;
  /** Kills the server (SIGKILL): a crash. */
  kill: () => Promise<void>;
  /** Starts it again on the same config and data (after kill); resolves once it answers `ruok`. */
  restart: () => Promise<void>;
  /** `leader`, `follower`, `standalone`, or null when it does not answer (`srvr`'s Mode). */
  mode: () => Promise<string | null>;
  /** Client connections it holds now (`srvr`'s Connections; -1 when it does not answer). */
  connections: () => Promise<number>;
}

/** A local ensemble of 3 (or 5) servers on loopback ports: a quorum survives one (two) down. */
export interface LocalZooKeeperEnsemble {
  /** Every server's client address, comma-separated (what `zookeeper.connect` takes). */
  connectString: string;
  servers: LocalZooKeeperServer[];
  /** The server that is the ensemble's leader now (undefined while none is). */
  leader: () => Promise<LocalZooKeeperServer | undefined>;
  stop: () => Promise<void>;
}

/** Sends a four-letter word and resolves with the answer ('' when the server does not answer). */
function fourLetterWord(port: number, word: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let out = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(''));
  });
}

interface ServerPorts {
  /** The address every port binds (default 127.0.0.1). */
  host?: string;
  client: number;
  peer: number;
  election: number;
}

/** Waits (up to 30 s) until each server serves as leader or follower (`ruok` answers before a quorum exists). */
async function serving(servers: readonly LocalZooKeeperServer[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const modes = await Promise.all(servers.map((s) => s.mode()));
    if (modes.every((m) => m === 'leader' || m === 'follower')) return;
    if (Date.now() > deadline) throw new Error(`the ZooKeeper ensemble has no quorum (modes: ${modes.join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes a server's zoo.cfg (and myid in an ensemble); returns the config path. */
function writeConfig(dir: string, tick: number, ports: ServerPorts, ensemble: Array<ServerPorts & { id: number }> | null, myId: number, host = '127.0.0.1'): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const lines = [
    `tickTime=${tick}`,
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${join(dir, 'data')}`,
    `clientPort=${ports.client}`,
    `clientPortAddress=${host}`,
    'admin.enableServer=false',
    `minSessionTimeout=${2 * tick}`,
    `maxSessionTimeout=${Math.max(60_000, 20 * tick)}`,
    '4lw.commands.whitelist=ruok,srvr',
  ];
  if (ensemble) {
    for (const s of ensemble) lines.push(`server.${s.id}=${s.host ?? '127.0.0.1'}:${s.peer}:${s.election}`);
    writeFileSync(join(dir, 'data', 'myid'), `${myId}\n`);
  }
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(cfg, lines.join('\n'));
  return cfg;
}

/** Runs zkServer.sh on `cfg` and waits (up to 30 s) for `ruok` (an ensemble member answers once it has a quorum). */
async function runServer(dir: string, cfg: string, port: number, host = '127.0.0.1', prefix: readonly string[] = []): Promise<ChildProcess> {
  const command = [...prefix, ZK_SERVER, 'start-foreground', cfg];
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, ZOO_LOG_DIR: dir, ZOO_LOG4J_PROP: 'WARN,CONSOLE' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const deadline = Date.now() + 30_000;
  while (!(await zooKeeperIsOk(port, host))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ZooKeeper did not start on ${host}:${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

async function killServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

export async function startLocalZooKeeper(options: LocalZooKeeperOptions = {}): Promise<LocalZooKeeper> {
  if (!existsSync(ZK_SERVER)) throw new Error(`${ZK_SERVER} not found: apt-get install -y zookeeper`);
  const temporary = options.dataDir === undefined;
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gregor-zk-'));
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const cfg = writeConfig(dir, options.tickTimeMs ?? 200, { client: port, peer: 0, election: 0 }, null, 0, host);
  const cleanup = () => {
    if (temporary) rmSync(dir, { recursive: true, force: true });
  };
  let child: ChildProcess;
  try {
    child = await runServer(dir, cfg, port, host, options.commandPrefix);
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    connectString: `${host}:${port}`,
    port,
    pid: child.pid!,
    stop: async () => {
      await killServer(child);
      cleanup();
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}

/**
 * Starts an ensemble of `servers` (3 or 5) ZooKeeper servers on free loopback ports (client,
 * quorum and election ports each), data under `dataDir` (default: a temp dir removed on
 * stop); resolves once every server answers. `hosts[i]` and `commandPrefixes[i]` run server
 * i + 1 on another address under a command prefix (e.g. each in its own network namespace,
 * test/helpers/netns.ts; the addresses must reach each other and this process).
 * Errors: as startLocalZooKeeper.
 */
export async function startLocalZooKeeperEnsemble(options: { servers?: number; dataDir?: string; tickTimeMs?: number; clientPorts?: number[]; hosts?: string[]; commandPrefixes?: string[][] } = {}): Promise<LocalZooKeeperEnsemble> {
  if (!existsSync(ZK_SERVER)) throw new Error(`${ZK_SERVER} not found: apt-get install -y zookeeper`);
  const count = options.servers ?? 3;
  const temporary = options.dataDir === undefined;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gregor-zk-ensemble-'));
  const tick = options.tickTimeMs ?? 200;
  const members: Array<ServerPorts & { id: number }> = [];
  for (let id = 1; id <= count; id++) {
    members.push({ id, host: options.hosts?.[id - 1] ?? '127.0.0.1', client: options.clientPorts?.[id - 1] ?? (await freePort()), peer: await freePort(), election: await freePort() });
  }
  const processes = new Map<number, ChildProcess>();
  const configs = members.map((m) => {
    const dir = join(root, `server-${m.id}`);
    return { dir, cfg: writeConfig(dir, tick, m, members, m.id, m.host) };
  });
  const stopAll = async () => {
    for (const child of processes.values()) await killServer(child);
    if (temporary) rmSync(root, { recursive: true, force: true });
  };
  try {
    // All at once: each waits for a quorum before it answers.
    const started = await Promise.all(members.map((m, i) => runServer(configs[i]!.dir, configs[i]!.cfg, m.client, m.host, options.commandPrefixes?.[i])));
    started.forEach((child, i) => processes.set(members[i]!.id, child));
  } catch (err) {
    await stopAll();
    throw err;
  }
  const servers: LocalZooKeeperServer[] = members.map((m, i) => ({
    id: m.id,
    port: m.client,
    get pid() {
      const child = processes.get(m.id);
      return child && child.exitCode === null && child.signalCode === null ? child.pid! : -1;
    },
    kill: async () => {
      const child = processes.get(m.id);
      if (child) await killServer(child);
    },
    restart: async () => {
      processes.set(m.id, await runServer(configs[i]!.dir, configs[i]!.cfg, m.client, m.host, options.commandPrefixes?.[i]));
      await serving([servers[i]!]);
    },
    mode: async () => /Mode: (\w+)/.exec(await fourLetterWord(m.client, 'srvr', m.host))?.[1] ?? null,
    connections: async () => Number(/Connections: (\d+)/.exec(await fourLetterWord(m.client, 'srvr', m.host))?.[1] ?? -1),
  }));
  try {
    await serving(servers);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    connectString: members.map((m) => `${m.host}:${m.client}`).join(','),
    servers,
    leader: async () => {
      for (const s of servers) if ((await s.mode()) === 'leader') return s;
      return undefined;
    },
    stop: stopAll,
  };
}
