/**
 * A cluster of in-process brokers on a real ZooKeeper (one server), each on a log dir of its
 * own, started in id order and waited for until every broker sees all of them registered.
 * Common settings: `replica.fetch.wait.max.ms` 100, `zookeeper.session.timeout.ms` 6000, no
 * automatic leader rebalance; `properties(id)` adds or overrides per broker.
 */
import type { ZooKeeperServer } from './zookeeper.js';
import { startZooKeeper } from './zookeeper.js';
import { type TestBroker, startTestBroker } from './in-process.js';
import { makeTempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

export interface ZkCluster {
  zk: ZooKeeperServer;
  /** Broker i + 1 at index i. */
  brokers: TestBroker[];
  /** Each broker's log dir, by the same index. */
  dirs: Array<ReturnType<typeof makeTempDir>>;
  /** Stops the brokers and ZooKeeper and removes the log dirs. */
  stop(): Promise<void>;
}

/** Starts `size` brokers (ids 1…size) on a fresh ZooKeeper. */
export async function startZkCluster(size: number, properties: (id: number) => Record<string, string | number | boolean> = () => ({})): Promise<ZkCluster> {
  const zk = await startZooKeeper();
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const dirs = ids.map((id) => makeTempDir(`gregor-zk-cluster${id}-`));
  const brokers: TestBroker[] = [];
  const stop = async () => {
    for (const b of brokers) await b.broker.stop();
    await zk.stop();
    dirs.forEach((d) => d.remove());
  };
  try {
    for (const id of ids) {
      brokers.push(await startTestBroker({
        logDirs: dirs[id - 1]!.path,
        websocketPort: -1,
        properties: {
          'node.id': id, 'zookeeper.connect': zk.connectString, 'replica.fetch.wait.max.ms': 100,
          'zookeeper.session.timeout.ms': 6000, 'auto.leader.rebalance.enable': 'false', ...properties(id),
        },
      }));
    }
    await waitFor(() => brokers.every((b) => b.broker.metadata.aliveBrokers().length === size), 15_000, `${size} brokers registered`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { zk, brokers, dirs, stop };
}
