/**
 * Topic config changes reaching every broker of a cluster (Kafka's TopicConfigHandler): on a
 * `topics/<t>` change notification the broker re-reads /config/topics/<t>, records it in its
 * metadata cache (new partitions of the topic start with it) and applies it to the local logs
 * it holds. Changes written by another broker, by this one, or by Kafka's own tools
 * (kafka-configs.sh --zookeeper) all arrive this way.
 */
import type { ClusterManager } from './cluster-manager.js';
import { ZK_PATHS, decodeTopicConfig } from './zk-paths.js';

/** Registers the `topics` handler; call before `cluster.configChanges.start()`. */
export function followTopicConfigChanges(cluster: ClusterManager, apply: (topic: string, configs: Record<string, string>) => void): void {
  cluster.configChanges.handle('topics', async (entityPath) => {
    const topic = entityPath.slice('topics/'.length);
    const node = await cluster.zk.getData(ZK_PATHS.topicConfig(topic));
    const configs = node ? decodeTopicConfig(node.data) : {};
    cluster.metadata.noteTopicConfigs(topic, configs);
    apply(topic, configs);
  });
}
