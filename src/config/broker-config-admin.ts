/**
 * Changing dynamic broker configs (KIP-226) at one level — the cluster-wide default or this
 * broker — as AlterConfigs / IncrementalAlterConfigs on a BROKER resource do. A single broker
 * keeps them in its log dir (DynamicBrokerConfig's file); a broker in a ZooKeeper cluster
 * keeps them where classic Kafka does, so the cluster default reaches every broker
 * (src/cluster/zk-broker-config-admin.ts).
 */
import type { DynamicBrokerConfig, DynamicLevel } from './dynamic-broker-config.js';

export interface BrokerConfigAdmin {
  /**
   * Replaces `level`'s dynamic configs with `configs` (validated already), persists them and
   * applies them here at once (in a cluster, every broker the level concerns follows).
   */
  alter(level: DynamicLevel, configs: Record<string, string>): Promise<void>;
}

/** A single broker's: the dynamic config file, applied at once. */
export class LocalBrokerConfigAdmin implements BrokerConfigAdmin {
  constructor(
    private readonly dynamic: DynamicBrokerConfig,
    /** Re-resolves what depends on the broker config (every topic's settings). */
    private readonly reconfigure: () => void,
  ) {}

  async alter(level: DynamicLevel, configs: Record<string, string>): Promise<void> {
    this.dynamic.replace(level, configs);
    this.reconfigure();
  }
}
