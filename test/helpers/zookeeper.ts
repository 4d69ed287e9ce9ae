/**
 * A real ZooKeeper server for cluster tests (see src/cluster/local-zookeeper.ts): a free
 * loopback port, data in a temp dir, 200 ms ticks so sessions can be as short as 400 ms.
 */
import { type LocalZooKeeper, type LocalZooKeeperOptions, startLocalZooKeeper } from '../../src/cluster/local-zookeeper.js';

export type ZooKeeperServer = LocalZooKeeper;

export function startZooKeeper(options: LocalZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  return startLocalZooKeeper(options);
}
