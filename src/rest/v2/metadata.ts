/**
 * REST Proxy v2 metadata (docs.confluent.io kafka-rest api.html, "Topics", "Partitions",
 * "Brokers"), answered from the broker's ClusterMetadata, so a single broker and a cluster
 * look the same:
 *
 *   GET /topics                                  ["t1", "t2"] (internal topics left out)
 *   GET /topics/{t}                              {name, configs, partitions}
 *   GET /topics/{t}/partitions                   [{partition, leader, replicas: [{broker, leader, in_sync}]}]
 *   GET /topics/{t}/partitions/{p}               one of those
 *   GET /topics/{t}/partitions/{p}/offsets       {beginning_offset, end_offset} (from p's leader)
 *   GET /brokers                                 {brokers: [ids]}
 *
 * Authorization as Kafka's Metadata and ListOffsets: topics the principal may not DESCRIBE
 * are left out of lists and are 403 (40301) when named.
 */
import type { RequestContext } from '../../apis/api.js';
import { topicPermitted } from '../../apis/authorize.js';
import type { PartitionMetadata } from '../../cluster/cluster-metadata.js';
import { describeTopicConfigs } from '../../config/topic-config.js';
import { AclOperation } from '../../security/authorizer.js';
import type { RestRequestContext } from '../rest-context.js';
import { RestError, partitionNotFound, topicNotFound } from '../rest-error.js';

function partitionJson(partition: number, p: PartitionMetadata) {
  return {
    partition,
    leader: p.leader,
    replicas: p.replicas.map((broker) => ({ broker, leader: broker === p.leader, in_sync: p.isr.includes(broker) })),
  };
}

function describable(ctx: RequestContext, topic: string): void {
  if (!ctx.broker.metadata.topic(topic)) throw topicNotFound(topic);
  if (!topicPermitted(ctx, AclOperation.DESCRIBE, topic)) throw new RestError(403, 40301, `Not authorized to access topics: [${topic}]`);
}

/** The partitions of `topic` as v2 JSON. */
function partitionsJson(ctx: RequestContext, topic: string) {
  const count = ctx.broker.metadata.topic(topic)!.partitionCount;
  const out = [];
  for (let p = 0; p < count; p++) {
    const meta = ctx.broker.metadata.partition(topic, p);
    if (meta) out.push(partitionJson(p, meta));
  }
  return out;
}

export function listTopics(ctx: RequestContext): string[] {
  return ctx.broker.metadata
    .topics()
    .map((t) => t.name)
    .filter((name) => !name.startsWith('__') && topicPermitted(ctx, AclOperation.DESCRIBE, name))
    .sort();
}

export function getTopic(ctx: RequestContext, topic: string) {
  describable(ctx, topic);
  const overrides = { ...(ctx.broker.metadata.topicConfigs(topic) ?? {}) };
  const configs = Object.fromEntries(describeTopicConfigs(ctx.broker.config, overrides).map((e) => [e.name, e.value]));
  return { name: topic, configs, partitions: partitionsJson(ctx, topic) };
}

export function listPartitions(ctx: RequestContext, topic: string) {
  describable(ctx, topic);
  return partitionsJson(ctx, topic);
}

/** Partition `p` of `topic`; RestError 40402 when the topic has no such partition. */
export function partitionIndex(ctx: RequestContext, topic: string, raw: string): number {
  const p = Number(raw);
  const count = ctx.broker.metadata.topic(topic)?.partitionCount ?? 0;
  if (!/^\d+$/.test(raw) || p >= count) throw partitionNotFound(topic, Number.isFinite(p) ? p : -1);
  return p;
}

export function getPartition(ctx: RequestContext, topic: string, raw: string) {
  describable(ctx, topic);
  const p = partitionIndex(ctx, topic, raw);
  return partitionJson(p, ctx.broker.metadata.partition(topic, p)!);
}

/** A partition's log start offset and high watermark, from its leader (this broker or another: partition-router.ts). */
export async function getPartitionOffsets(ctx: RestRequestContext, topic: string, raw: string) {
  describable(ctx, topic);
  const p = partitionIndex(ctx, topic, raw);
  const [beginning, end] = await Promise.all([ctx.router.offset(ctx, topic, p, -2, 0), ctx.router.offset(ctx, topic, p, -1, 0)]);
  return { beginning_offset: beginning, end_offset: end };
}

export function listBrokers(ctx: RequestContext) {
  return { brokers: ctx.broker.metadata.aliveBrokers().map((b) => b.id) };
}
