/**
 * A broker's membership in a ZooKeeper-coordinated cluster (`zookeeper.connect` set):
 *   - the cluster id lives in /cluster/id (created by the first broker; every broker's
 *     meta.properties must agree);
 *   - the broker registers its endpoint as the ephemeral /brokers/ids/<node.id> (a second
 *     broker with the same id is refused: NODE_EXISTS);
 *   - it keeps a MetadataCache and stands for controller election;
 *   - it follows config change notifications (/config/changes): captured before the metadata
 *     is read, applied once the broker has registered its handlers and calls
 *     `configChanges.start()`;
 *   - when ZooKeeper expires its session (ephemeral nodes and watches gone), it opens a new
 *     session, registers again, re-reads the metadata and stands for election again;
 *   - controlled shutdown: before it stops, the controller moves its leaderships away.
 * Without `zookeeper.connect` none of this runs and the broker is a cluster of one.
 */
import type { Logger } from 'pino';
import { ConfigChangeNotifications } from './config-change-notifications.js';
import { Controller, type LeaderRebalanceConfig } from './controller.js';
import { MetadataCache } from './metadata-cache.js';
import { ZkClient, ZkCode, ZkError } from './zk-client.js';
import { type BrokerInfo, PERSISTENT_PATHS, ZK_PATHS, encodeBroker } from './zk-paths.js';

export interface ClusterConfig {
  /** `zookeeper.connect` */
  connect: string;
  /** `zookeeper.session.timeout.ms` */
  sessionTimeoutMs: number;
  /** `zookeeper.connection.timeout.ms` */
  connectionTimeoutMs: number;
  /** `unclean.leader.election.enable` */
  uncleanLeaderElection: boolean;
  /** `auto.leader.rebalance.enable` and its interval and threshold. */
  leaderRebalance?: LeaderRebalanceConfig;
}

export class ClusterManager {
  readonly metadata: MetadataCache;
  readonly controller: Controller;
  /** Config change notifications (topics, users, clients), shared by their handlers. */
  readonly configChanges: ConfigChangeNotifications;
  private closed = false;

  private constructor(
    readonly zk: ZkClient,
    private readonly self: BrokerInfo,
    private readonly config: ClusterConfig,
    private readonly logger: Logger,
  ) {
    this.metadata = new MetadataCache(zk, logger);
    this.controller = new Controller(zk, self.id, this.metadata, logger, config.uncleanLeaderElection, config.leaderRebalance);
    this.configChanges = new ConfigChangeNotifications(zk, logger.child({ component: 'config-changes' }));
    zk.on('expired', () => void this.recoverSession());
    zk.on('disconnected', () => this.logger.warn('lost the ZooKeeper connection; serving on with the last known metadata'));
    zk.on('connected', () => this.logger.info('connected to ZooKeeper'));
  }

  /**
   * Connects, agrees on the cluster id, registers this broker and loads the metadata.
   * Resolves with the manager and the cluster id.
   * Errors: no ZooKeeper within `connectionTimeoutMs`; another live broker with this id;
   * a cluster id different from `localClusterId` (this log dir belongs to another cluster).
   */
  static async start(config: ClusterConfig, self: BrokerInfo, localClusterId: string, logger: Logger): Promise<{ manager: ClusterManager; clusterId: string }> {
    const zk = await ZkClient.connect(config.connect, config.sessionTimeoutMs, config.connectionTimeoutMs);
    try {
      for (const path of PERSISTENT_PATHS) await zk.mkdirp(path);
      const clusterId = await ClusterManager.agreeOnClusterId(zk, localClusterId);
      const manager = new ClusterManager(zk, self, config, logger);
      await manager.register();
      await manager.configChanges.capture();
      await manager.metadata.start();
      await manager.controller.elect();
      return { manager, clusterId };
    } catch (err) {
      zk.close();
      throw err;
    }
  }

  private static async agreeOnClusterId(zk: ZkClient, localClusterId: string): Promise<string> {
    try {
      await zk.create(ZK_PATHS.clusterId, Buffer.from(JSON.stringify({ version: '1', id: localClusterId })));
      return localClusterId;
    } catch (err) {
      if (!(err instanceof ZkError) || err.code !== ZkCode.NODE_EXISTS) throw err;
    }
    const node = await zk.getData(ZK_PATHS.clusterId);
    return (JSON.parse(node!.data.toString()) as { id: string }).id;
  }

  /**
   * Creates /brokers/ids/<id>. A node left by this broker's previous, crashed process lives
   * until that session times out, so NODE_EXISTS is retried for up to 1.5 session timeouts
   * before another live broker with this id is assumed.
   */
  private async register(): Promise<void> {
    const deadline = Date.now() + this.config.sessionTimeoutMs * 1.5;
    for (;;) {
      try {
        await this.zk.create(ZK_PATHS.broker(this.self.id), encodeBroker(this.self), true);
        break;
      } catch (err) {
        if (!(err instanceof ZkError) || err.code !== ZkCode.NODE_EXISTS) throw err;
        if (Date.now() > deadline) throw new Error(`another broker is registered as node.id ${this.self.id} (${ZK_PATHS.broker(this.self.id)} exists)`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.logger.info({ brokerId: this.self.id, endpoints: this.self.endpoints }, 'registered in ZooKeeper');
  }

  /** A new session after expiry: register again (retrying while our old node lingers), re-watch, re-elect. */
  private async recoverSession(): Promise<void> {
    if (this.closed) return;
    this.logger.warn('ZooKeeper session expired; opening a new one');
    this.controller.resign();
    this.metadata.stop();
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.zk.reconnect(this.config.connectionTimeoutMs);
        await this.register();
        await this.metadata.start();
        await this.controller.elect();
        this.logger.info('ZooKeeper session recovered');
        return;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, attempt }, 'ZooKeeper session recovery failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  }

  get brokerId(): number {
    return this.self.id;
  }

  /** Live brokers, sorted by id. */
  liveBrokers(): BrokerInfo[] {
    return [...this.metadata.brokers.values()].sort((a, b) => a.id - b.id);
  }

  /** Closes the session: the registration vanishes at once and the controller role passes on. */
  close(): void {
    this.closed = true;
    this.configChanges.close();
    this.controller.close();
    this.metadata.stop();
    this.zk.close();
  }
}
