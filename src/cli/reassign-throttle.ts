/**
 * The replication throttle of `gregor reassign --execute --throttle <bytes/s>`, as
 * kafka-reassign-partitions.sh sets and clears it (ReassignPartitionsCommand, KIP-73;
 * docs/ops.html "Limiting Bandwidth Usage during Data Migration"):
 *
 * - for each topic with a moving partition, `leader.replication.throttled.replicas` lists the
 *   partition's current replicas (any of them may lead while it moves) and
 *   `follower.replication.throttled.replicas` the replicas being added (`partition:brokerId`);
 * - every broker taking part (current or target replica of a moving partition) gets
 *   `leader.replication.throttled.rate` and `follower.replication.throttled.rate` = the throttle.
 *
 * `--verify`, once no reassignment of the plan is left, deletes the two rates on every broker
 * of the cluster and the two lists on the plan's topics. All through IncrementalAlterConfigs;
 * a broker's own configs are altered on that broker.
 */
import type { KafkaClient } from '../network/kafka-client.js';
import { ErrorCode, errorName } from '../protocol/error-codes.js';
import type { IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { createIncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';

const INCREMENTAL_ALTER_CONFIGS = 44;
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const OP_SET = 0;
const OP_DELETE = 1;
const BROKER_RATES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'] as const;
const TOPIC_LISTS = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] as const;

export interface Assignment {
  topic: string;
  partition: number;
  replicas: number[];
}

/** What a throttled reassignment sets: the per-topic lists and the brokers that get the rate. */
export interface ReassignmentThrottles {
  topics: Map<string, { leader: string; follower: string }>;
  brokers: number[];
}

/**
 * The throttles for moving `current` to `target` (Kafka calculateLeaderThrottles /
 * calculateFollowerThrottles / reassigning brokers); partitions whose replicas do not change
 * are left out.
 */
export function reassignmentThrottles(current: readonly Assignment[], target: readonly Assignment[]): ReassignmentThrottles {
  const topics = new Map<string, { leader: string[]; follower: string[] }>();
  const brokers = new Set<number>();
  for (const t of target) {
    const now = current.find((c) => c.topic === t.topic && c.partition === t.partition)?.replicas ?? [];
    if (now.length === t.replicas.length && now.every((r, i) => r === t.replicas[i])) continue;
    const lists = topics.get(t.topic) ?? { leader: [], follower: [] };
    lists.leader.push(...now.map((r) => `${t.partition}:${r}`));
    lists.follower.push(...t.replicas.filter((r) => !now.includes(r)).map((r) => `${t.partition}:${r}`));
    topics.set(t.topic, lists);
    for (const r of [...now, ...t.replicas]) brokers.add(r);
  }
  return {
    topics: new Map([...topics].map(([topic, l]) => [topic, { leader: l.leader.join(','), follower: l.follower.join(',') }])),
    brokers: [...brokers].sort((a, b) => a - b),
  };
}

type Op = { name: string; configOperation: number; value: string | null };

async function alterConfigs(client: KafkaClient, resourceType: number, resourceName: string, configs: Op[]): Promise<void> {
  const { response } = await client.request<IncrementalAlterConfigsResponse>(INCREMENTAL_ALTER_CONFIGS, createIncrementalAlterConfigsRequest({
    resources: [{ resourceType, resourceName, configs }],
    validateOnly: false,
  }));
  const r = response.responses[0];
  if (r && r.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(r.errorCode)}: ${r.errorMessage ?? `altering the configs of ${resourceName}`}`);
}

/** Runs `body` on a connection to broker `id` (from `meta`'s brokers). Errors: unknown broker; connection errors. */
async function onBroker(meta: MetadataResponse, id: number, connectTo: (hostPort: string) => Promise<KafkaClient>, body: (c: KafkaClient) => Promise<void>): Promise<void> {
  const b = meta.brokers.find((x) => x.nodeId === id);
  if (!b) throw new Error(`broker ${id} is not in the cluster`);
  const c = await connectTo(`${b.host}:${b.port}`);
  try {
    await body(c);
  } finally {
    c.close();
  }
}

/** Sets `throttles` with `rate` bytes/s; returns kafka-reassign-partitions.sh's lines. */
export async function setReassignmentThrottles(client: KafkaClient, meta: MetadataResponse, connectTo: (hostPort: string) => Promise<KafkaClient>, throttles: ReassignmentThrottles, rate: number): Promise<string> {
  for (const [topic, lists] of throttles.topics) {
    const ops: Op[] = [{ name: TOPIC_LISTS[0], configOperation: OP_SET, value: lists.leader }];
    if (lists.follower) ops.push({ name: TOPIC_LISTS[1], configOperation: OP_SET, value: lists.follower });
    await alterConfigs(client, RESOURCE_TOPIC, topic, ops);
  }
  for (const id of throttles.brokers) {
    await onBroker(meta, id, connectTo, (c) => alterConfigs(c, RESOURCE_BROKER, String(id), BROKER_RATES.map((name) => ({ name, configOperation: OP_SET, value: String(rate) }))));
  }
  return `Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\nThe inter-broker throttle limit was set to ${rate} B/s`;
}

/** Deletes the rates on every broker of `meta` and the lists on `topics`; returns the tool's lines. */
export async function clearReassignmentThrottles(client: KafkaClient, meta: MetadataResponse, connectTo: (hostPort: string) => Promise<KafkaClient>, topics: readonly string[]): Promise<string> {
  const ids = meta.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  for (const id of ids) {
    await onBroker(meta, id, connectTo, (c) => alterConfigs(c, RESOURCE_BROKER, String(id), BROKER_RATES.map((name) => ({ name, configOperation: OP_DELETE, value: null }))));
  }
  for (const topic of topics) await alterConfigs(client, RESOURCE_TOPIC, topic, TOPIC_LISTS.map((name) => ({ name, configOperation: OP_DELETE, value: null })));
  return [`Clearing broker-level throttles on brokers ${ids.join(',')}`, ...topics.map((t) => `Clearing topic-level throttles on topic ${t}`)].join('\n');
}
