/**
 * A real ZooKeeper server for cluster tests (see src/cluster/local-zookeeper.ts): a free
 * loopback port, data in a temp dir, 200 ms ticks so sessions can be as short as 400 ms.
 */
import { type LocalZooKeeper, type LocalZooKeeperOptions, startLocalZooKeeper } from '../../src/cluster/local-zookeeper.js';

export type ZooKeeperServer = LocalZooKeeper;

/**
 * `options.port`: a fixed client port (e.g. one brokers were already told to use); `host` and
 * `commandPrefix` run it on a network namespace's address (test/helpers/netns.ts).
 */
export function startZooKeeper(options: LocalZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  return startLocalZooKeeper(options);
}
