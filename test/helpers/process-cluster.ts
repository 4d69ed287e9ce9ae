/**
 * A cluster of broker processes on one real ZooKeeper, on loopback: each broker runs through
 * the real CLI (spawnBroker) with its own log directory, `node.id`, `zookeeper.connect`, a
 * PLAINTEXT listener on a free port and no gateway. `settings` are `key=value` overrides for
 * every broker (Kafka property names). Brokers can be stopped and started again by id;
 * close() stops what still runs (SIGKILL), the ZooKeeper server, and removes the directories.
 */
import { type BrokerProcess, spawnBroker } from './broker-process.js';
import { makeTempDir } from './temp-dir.js';
import { type ZooKeeperServer, startZooKeeper } from './zookeeper.js';

export interface ClusterNode {
  id: number;
  dir: { path: string; remove: () => void };
  proc: BrokerProcess | null;
}

export class ProcessCluster {
  private constructor(
    readonly zk: ZooKeeperServer,
    readonly nodes: ClusterNode[],
    private readonly settings: readonly string[],
  ) {}

  /** Starts ZooKeeper and brokers `ids` (in order) with the shared `settings`. */
  static async start(ids: readonly number[], settings: readonly string[], dirPrefix = 'gregor-cluster'): Promise<ProcessCluster> {
    const zk = await startZooKeeper();
    const cluster = new ProcessCluster(zk, ids.map((id) => ({ id, dir: makeTempDir(`${dirPrefix}${id}-`), proc: null })), settings);
    try {
      for (const id of ids) await cluster.startBroker(id);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  node(id: number): ClusterNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no broker ${id} in this cluster`);
    return node;
  }

  /** The Kafka port of running broker `id`. */
  portOf(id: number): number {
    const proc = this.node(id).proc;
    if (!proc) throw new Error(`broker ${id} is not running`);
    return proc.port;
  }

  /** `host:port` of every running broker, for a client's bootstrap list. */
  bootstrap(): string[] {
    return this.nodes.filter((n) => n.proc).map((n) => `127.0.0.1:${n.proc!.port}`);
  }

  /** (Re)starts broker `id` on its log directory; returns its process. */
  async startBroker(id: number): Promise<BrokerProcess> {
    const node = this.node(id);
    const args = ['--port', '0', '--log-dirs', node.dir.path, '-o', `node.id=${id}`, '-o', `zookeeper.connect=${this.zk.connectString}`];
    for (const setting of ['listeners=PLAINTEXT://127.0.0.1:0', 'gregor.websocket.port=-1', ...this.settings]) args.push('-o', setting);
    node.proc = await spawnBroker(args);
    return node.proc;
  }

  /** Stops broker `id` with `signal` (SIGTERM: controlled shutdown) and waits for its exit. */
  async stopBroker(id: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const node = this.node(id);
    await node.proc?.stop(signal);
    node.proc = null;
  }

  async close(): Promise<void> {
    for (const n of this.nodes) {
      n.proc?.child.kill('SIGCONT');
      await n.proc?.stop('SIGKILL');
      n.proc = null;
    }
    await this.zk.stop();
    for (const n of this.nodes) n.dir.remove();
  }
}
