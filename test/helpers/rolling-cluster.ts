/**
 * The three-broker cluster of the rolling-restart test and benchmark: each broker's command
 * line (short ZooKeeper session and replica lag bounds, automatic leader rebalance every 2 s,
 * no gateway or metrics port), and the port it keeps across restarts.
 */
import { type BrokerProcess, spawnBroker } from './broker-process.js';
import { makeTempDir } from './temp-dir.js';

export interface RollingNode {
  id: number;
  dir: { path: string; remove: () => void };
  proc: BrokerProcess | null;
  /** The port it listens on: picked by the OS at the first start, kept across restarts (as a real broker's is). */
  port: number;
}

/** Nodes 1..3 with fresh log dirs, not started. */
export function rollingNodes(): RollingNode[] {
  return [1, 2, 3].map((id) => ({ id, dir: makeTempDir(`gregor-roll${id}-`), proc: null, port: 0 }));
}

/** Starts (or restarts, on its log dir and port) broker `n` against ZooKeeper at `zkConnect`. */
export async function startRollingNode(n: RollingNode, zkConnect: string): Promise<void> {
  n.proc = await spawnBroker([
    '--port', String(n.port), '--log-dirs', n.dir.path,
    '-o', `node.id=${n.id}`, '-o', `zookeeper.connect=${zkConnect}`,
    '-o', 'zookeeper.session.timeout.ms=6000', '-o', 'replica.lag.time.max.ms=5000',
    '-o', 'replica.fetch.wait.max.ms=200', '-o', `listeners=PLAINTEXT://127.0.0.1:${n.port}`,
    '-o', 'group.initial.rebalance.delay.ms=0', '-o', 'offsets.topic.num.partitions=3', '-o', 'gregor.websocket.port=-1',
    '-o', 'gregor.metrics.port=-1', '-o', 'auto.leader.rebalance.enable=true', '-o', 'leader.imbalance.check.interval.seconds=2',
  ]);
  n.port = n.proc.port;
}
