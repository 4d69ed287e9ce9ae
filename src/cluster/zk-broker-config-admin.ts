/**
 * Dynamic broker configs in a ZooKeeper cluster, where classic Kafka keeps them:
 *
 *   /config/brokers/<default>   {"version":1,"config":{"log.retention.ms":"…"}}   cluster default
 *   /config/brokers/<id>        {"version":1,"config":{…}}                        one broker
 *
 * A change rewrites the znode and adds a `brokers/<name>` change notification; every broker
 * re-reads `<default>` and its own id when notified (Kafka's BrokerConfigHandler) and at
 * start-up, so a cluster default set through any broker (or kafka-configs.sh --zookeeper)
 * reaches them all. The log dir's file keeps a copy; ZooKeeper wins.
 */
import type { Logger } from 'pino';
import type { BrokerConfigAdmin } from '../config/broker-config-admin.js';
import type { DynamicBrokerConfig, DynamicLevel } from '../config/dynamic-broker-config.js';
import { KafkaError } from '../protocol/error-codes.js';
import type { ClusterManager } from './cluster-manager.js';
import { ZkCode, ZkError } from './zk-client.js';

const BROKERS = '/config/brokers';
const DEFAULT_ENTITY = '<default>';

export class ZkBrokerConfigAdmin implements BrokerConfigAdmin {
  private constructor(
    private readonly cluster: ClusterManager,
    private readonly dynamic: DynamicBrokerConfig,
    private readonly reconfigure: () => void,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads both levels from ZooKeeper and follows `brokers` change notifications (call
   * before `cluster.configChanges.start()`).
   */
  static async open(cluster: ClusterManager, dynamic: DynamicBrokerConfig, reconfigure: () => void, logger: Logger): Promise<ZkBrokerConfigAdmin> {
    const admin = new ZkBrokerConfigAdmin(cluster, dynamic, reconfigure, logger);
    await cluster.zk.mkdirp(BROKERS);
    await admin.reload('cluster');
    await admin.reload('broker');
    cluster.configChanges.handle('brokers', async (entityPath) => {
      const name = entityPath.slice('brokers/'.length);
      if (name === DEFAULT_ENTITY) await admin.reload('cluster');
      else if (name === String(cluster.brokerId)) await admin.reload('broker');
    });
    return admin;
  }

  async alter(level: DynamicLevel, configs: Record<string, string>): Promise<void> {
    const znode = this.znode(level);
    const data = Buffer.from(JSON.stringify({ version: 1, config: configs }));
    const { zk } = this.cluster;
    await zk.setData(znode, data, -1).catch(async (err) => {
      if (err instanceof ZkError && err.code === ZkCode.NO_NODE) return zk.create(znode, data);
      throw err;
    });
    this.dynamic.replace(level, configs);
    this.reconfigure();
    await this.cluster.configChanges.notify(znode.slice('/config/'.length));
  }

  private znode(level: DynamicLevel): string {
    return `${BROKERS}/${level === 'cluster' ? DEFAULT_ENTITY : this.cluster.brokerId}`;
  }

  /** Applies what ZooKeeper holds for `level` (an invalid set is logged and left out). */
  private async reload(level: DynamicLevel): Promise<void> {
    const node = await this.cluster.zk.getData(this.znode(level));
    let configs: Record<string, string> = {};
    if (node && node.data.length > 0) {
      try {
        configs = (JSON.parse(node.data.toString('utf8')) as { config?: Record<string, string> }).config ?? {};
      } catch {
        this.logger.warn({ znode: this.znode(level) }, 'ignoring a broker config znode that is not JSON');
        return;
      }
    }
    try {
      this.dynamic.replace(level, this.dynamic.validate(level, configs));
      this.reconfigure();
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      this.logger.warn({ znode: this.znode(level), err: err.message }, 'ignoring invalid dynamic broker configs from ZooKeeper');
    }
  }
}
