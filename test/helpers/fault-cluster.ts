/**
 * A cluster for the network-fault suites and bench (issue 14): ZooKeeper (one server, node
 * `zk`, or a 3-server ensemble, nodes `z1`…`z3`) and broker processes (nodes `b1`…), each in
 * its own network namespace (test/helpers/netns.ts), brokers listening on `<node address>:9092`
 * with a short ZooKeeper session, so faults made with `net` (isolate, isolateFrom, degrade,
 * cutLink) hit real sockets. `close()` stops everything this cluster started (by PID) and
 * removes the namespaces and log dirs; netns.ts also removes the namespaces on process exit.
 *
 * Also: `brokerViews` (each broker's own Metadata view of a topic) and `notSettled` (why the
 * cluster is not back to full ISRs on every broker's view yet, or null).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalZooKeeperEnsemble, startLocalZooKeeper, startLocalZooKeeperEnsemble } from '../../src/cluster/local-zookeeper.js';
import { type BrokerProcess, spawnBroker } from './broker-process.js';
import { type ClusterView, clusterView } from './fault-checks.js';
import { NetnsNetwork } from './netns.js';
import { makeTempDir } from './temp-dir.js';

export interface FaultClusterOptions {
  /** Broker count (ids 1…n), default 3. */
  brokers?: number;
  /** 1: a single ZooKeeper (node `zk`); 3: an ensemble (nodes `z1`…`z3`). Default 3. */
  zooKeepers?: 1 | 3;
  /** zookeeper.session.timeout.ms, default 3000. */
  sessionTimeoutMs?: number;
  /** replica.lag.time.max.ms, default 3000. */
  lagTimeMs?: number;
  /** More broker settings (`key=value`). */
  settings?: readonly string[];
}

export interface FaultBroker {
  id: number;
  dir: { path: string; remove: () => void };
  proc: BrokerProcess | null;
}

/** The namespace node name of broker `id`. */
export const brokerNode = (id: number): string => `b${id}`;

export class FaultCluster {
  readonly brokers: FaultBroker[] = [];
  private ensemble: LocalZooKeeperEnsemble | null = null;
  private stopZooKeeper: (() => Promise<void>) | null = null;
  private connectString = '';

  private constructor(
    readonly net: NetnsNetwork,
    /** The ZooKeeper nodes' names (`zk`, or `z1`…`z3`). */
    readonly zkNodes: readonly string[],
    readonly ids: readonly number[],
    private readonly options: Required<Omit<FaultClusterOptions, 'brokers' | 'zooKeepers'>>,
  ) {}

  /**
   * Builds the namespaces, starts ZooKeeper and the brokers. Errors: whatever failed to start
   * (everything started so far is stopped and removed first). Root only (netns.ts canUseNetns).
   */
  static async start(options: FaultClusterOptions = {}): Promise<FaultCluster> {
    const ids = Array.from({ length: options.brokers ?? 3 }, (_, i) => i + 1);
    const zkNodes = (options.zooKeepers ?? 3) === 1 ? ['zk'] : ['z1', 'z2', 'z3'];
    const net = NetnsNetwork.create([...zkNodes, ...ids.map(brokerNode)]);
    const cluster = new FaultCluster(net, zkNodes, ids, { sessionTimeoutMs: options.sessionTimeoutMs ?? 3000, lagTimeMs: options.lagTimeMs ?? 3000, settings: options.settings ?? [] });
    try {
      if (zkNodes.length === 1) {
        const zk = await startLocalZooKeeper({ host: net.address('zk'), port: 2181, commandPrefix: net.exec('zk') });
        cluster.connectString = zk.connectString;
        cluster.stopZooKeeper = zk.stop;
      } else {
        cluster.ensemble = await startLocalZooKeeperEnsemble({ servers: 3, hosts: zkNodes.map((z) => net.address(z)), commandPrefixes: zkNodes.map((z) => net.exec(z)), clientPorts: zkNodes.map(() => 2181) });
        cluster.connectString = cluster.ensemble.connectString;
        cluster.stopZooKeeper = cluster.ensemble.stop;
      }
      for (const id of ids) cluster.brokers.push({ id, dir: makeTempDir(`gregor-faults${id}-`), proc: null });
      for (const b of cluster.brokers) await cluster.startBroker(b);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** `host:port` of broker `id` (its namespace's address, port 9092). */
  address(id: number): string {
    return `${this.net.address(brokerNode(id))}:9092`;
  }

  /** Every broker's `host:port`. */
  bootstrap(): string[] {
    return this.ids.map((id) => this.address(id));
  }

  /** The ZooKeeper node that leads the ensemble now (`zk` for a single server; undefined while none leads). */
  async zooKeeperLeaderNode(): Promise<string | undefined> {
    if (!this.ensemble) return 'zk';
    const leader = await this.ensemble.leader();
    return leader && `z${leader.id}`;
  }

  /** Starts broker `b` in its namespace (`gregor start`, listener on port 9092 of its address). */
  async startBroker(b: FaultBroker): Promise<void> {
    const settings = [
      `node.id=${b.id}`, `zookeeper.connect=${this.connectString}`, `listeners=PLAINTEXT://${this.address(b.id)}`,
      `zookeeper.session.timeout.ms=${this.options.sessionTimeoutMs}`, `replica.lag.time.max.ms=${this.options.lagTimeMs}`, 'replica.fetch.wait.max.ms=200',
      'auto.leader.rebalance.enable=false', 'gregor.websocket.port=-1', 'gregor.metrics.port=-1', ...this.options.settings,
    ];
    b.proc = await spawnBroker(['--port', '9092', '--log-dirs', b.dir.path, ...settings.flatMap((s) => ['-o', s])], {}, this.net.exec(brokerNode(b.id)));
  }

  /** Broker `id`'s own view of `topic` (Metadata asked of it alone); null when it does not answer. */
  async viewOf(id: number, topic: string): Promise<ClusterView | null> {
    return clusterView([this.address(id)], topic).catch(() => null);
  }

  /**
   * Null when every broker answers Metadata for `topic`, every one names all brokers live and
   * the same leader and a full ISR for each partition; else what is not so yet. One broker's
   * answer is not enough: a broker that was cut off serves its last view until it learns that
   * its ZooKeeper session expired.
   */
  async notSettled(topic: string): Promise<string | null> {
    const views = await Promise.all(this.ids.map((id) => this.viewOf(id, topic)));
    const silent = this.ids.filter((_, i) => views[i] === null);
    if (silent.length > 0) return `brokers not answering: ${silent}`;
    const describe = (v: ClusterView) => [...v.states].map(([p, s]) => `${p}=${s.leader}[${[...s.isr].sort()}]`).join(' ');
    const first = describe(views[0]!);
    if (views.some((v) => describe(v!) !== first)) return `views differ: ${views.map((v, i) => `b${this.ids[i]} ${describe(v!)}`).join(' | ')}`;
    if (views.some((v) => v!.brokers.length !== this.ids.length)) return `registered brokers ${views.map((v) => v!.brokers).join(' / ')}`;
    if ([...views[0]!.states.values()].some((s) => s.isr.length !== this.ids.length)) return `an ISR not full: ${first}`;
    return null;
  }

  /**
   * Stops the brokers (SIGKILL) and ZooKeeper, removes the namespaces and log dirs. `logDir`:
   * first writes each broker's output there (`<prefix>broker-<id>.log`). Idempotent.
   */
  async close(logDir?: string, prefix = ''): Promise<void> {
    for (const b of this.brokers) {
      if (logDir && b.proc) writeFileSync(join(logDir, `${prefix}broker-${b.id}.log`), b.proc.output());
      await b.proc?.stop('SIGKILL');
      b.proc = null;
    }
    await this.stopZooKeeper?.().catch(() => {});
    this.stopZooKeeper = null;
    this.net.close();
    for (const b of this.brokers) b.dir.remove();
    this.brokers.length = 0;
  }
}
