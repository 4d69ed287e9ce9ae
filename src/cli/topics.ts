/**
 * `gregor topics …`: topic administration against a running broker (Gregor or Kafka), in the
 * spirit of kafka-topics.sh and kafka-configs.sh:
 *
 *   gregor topics list                                  [-b host:port]
 *   gregor topics create <topic> [--partitions N] [--replication-factor N] [--config k=v ...]
 *   gregor topics describe [topic ...] [--all-configs]
 *   gregor topics alter <topic> [--config k=v ...] [--delete-config k ...]
 *   gregor topics delete <topic ...>
 *
 * `alter` uses IncrementalAlterConfigs (only the named keys change). Exit code 0 on success;
 * 1 with one line `gregor: <ERROR_NAME>: <message>` when the broker refuses (e.g.
 * `INVALID_CONFIG: Invalid value x for configuration retention.ms: …`) or cannot be reached.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { errorName } from '../protocol/error-codes.js';
import type { CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import type { DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import type { DescribeConfigsResponse } from '../protocol/generated/describe-configs-response.js';
import type { IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { createCreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { createDeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { createDescribeConfigsRequest } from '../protocol/generated/describe-configs-request.js';
import { createIncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';
import { createMetadataRequest } from '../protocol/generated/metadata-request.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { adminOptions, withAdminClient } from './admin-client.js';
import { KafkaClient } from '../network/kafka-client.js';

const METADATA = 3;
const CREATE_TOPICS = 19;
const DELETE_TOPICS = 20;
const DESCRIBE_CONFIGS = 32;
const INCREMENTAL_ALTER_CONFIGS = 44;
const RESOURCE_TOPIC = 2;
const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_NAMES: Record<number, string> = {
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
};

/** A refusal from the broker, printed as `ERROR_NAME: message`. */
class BrokerRefused extends Error {}

function check(errorCode: number, message: string | null | undefined, what: string): void {
  if (errorCode === 0) return;
  const text = message && message.startsWith(errorName(errorCode)) ? message : `${errorName(errorCode)}: ${message ?? what}`;
  throw new BrokerRefused(text);
}

function keyValue(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];


async function topicNames(client: KafkaClient): Promise<string[]> {
  const { response } = await client.request<MetadataResponse>(METADATA, createMetadataRequest({ topics: null, allowAutoTopicCreation: false }));
  return response.topics.map((t) => t.name!).sort();
}

async function describe(client: KafkaClient, names: string[], allConfigs: boolean): Promise<string> {
  const { response: meta } = await client.request<MetadataResponse>(
    METADATA,
    createMetadataRequest({ topics: names.length > 0 ? names.map((name) => ({ name, topicId: ZERO_UUID })) : null, allowAutoTopicCreation: false }),
  );
  const topics = [...meta.topics].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  for (const t of topics) check(t.errorCode, null, `topic "${t.name}"`);
  if (topics.length === 0) return '';
  const { response: configs } = await client.request<DescribeConfigsResponse>(
    DESCRIBE_CONFIGS,
    createDescribeConfigsRequest({ resources: topics.map((t) => ({ resourceType: RESOURCE_TOPIC, resourceName: t.name!, configurationKeys: null })) }),
  );
  const lines: string[] = [];
  topics.forEach((t, i) => {
    const result = configs.results[i]!;
    check(result.errorCode, result.errorMessage, `configs of "${t.name}"`);
    const overrides = result.configs.filter((c) => c.configSource === SOURCE_DYNAMIC_TOPIC);
    const rf = t.partitions[0]?.replicaNodes.length ?? 0;
    const configText = overrides.map((c) => `${c.name}=${c.value ?? ''}`).join(',');
    lines.push(`Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${configText}`);
    if (allConfigs) for (const c of result.configs) lines.push(`\t${c.name}=${c.value ?? ''}\t(${SOURCE_NAMES[c.configSource] ?? 'UNKNOWN'})`);
    for (const p of [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)) {
      lines.push(`\tTopic: ${t.name}\tPartition: ${p.partitionIndex}\tLeader: ${p.leaderId}\tReplicas: ${p.replicaNodes.join(',')}\tIsr: ${p.isrNodes.join(',')}`);
    }
  });
  return lines.join('\n');
}

/** Adds the `topics` command and its subcommands to the `gregor` program. */
export function registerTopicsCommand(program: Command): void {
  const topics = program.command('topics').description('create, list, describe, alter and delete topics on a running broker');
  const bootstrapOption = adminOptions;

  bootstrapOption(topics.command('list').description('topic names, one a line')).action(async (opts: { bootstrapServer: string }) => {
    await withAdminClient(opts, async (client) => (await topicNames(client)).join('\n'));
  });

  bootstrapOption(
    topics
      .command('create <topic>')
      .description('create a topic')
      .option('-p, --partitions <n>', 'partition count (default: the broker\'s num.partitions)', positiveInt)
      .option('-r, --replication-factor <n>', 'replicas per partition', positiveInt)
      .option('-c, --config <key=value>', 'a topic config override (repeatable)', keyValue, {})
      .option('--if-not-exists', 'succeed if the topic already exists'),
  ).action(async (name: string, opts: { bootstrapServer: string; partitions?: number; replicationFactor?: number; config: Record<string, string>; ifNotExists?: boolean }) => {
    await withAdminClient(opts, async (client) => {
      const { response } = await client.request<CreateTopicsResponse>(CREATE_TOPICS, createCreateTopicsRequest({
        topics: [
          {
            name,
            numPartitions: opts.partitions ?? -1,
            replicationFactor: opts.replicationFactor ?? -1,
            assignments: [],
            configs: Object.entries(opts.config).map(([k, v]) => ({ name: k, value: v })),
          },
        ],
        timeoutMs: 30_000,
      }));
      const result = response.topics[0]!;
      if (opts.ifNotExists && errorName(result.errorCode) === 'TOPIC_ALREADY_EXISTS') return '';
      check(result.errorCode, result.errorMessage, `creating "${name}"`);
      return `Created topic ${name}.`;
    });
  });

  bootstrapOption(
    topics.command('describe [topics...]').description('partitions and config overrides (all topics if none named)').option('-a, --all-configs', 'every effective config with its source'),
  ).action(async (names: string[], opts: { bootstrapServer: string; allConfigs?: boolean }) => {
    await withAdminClient(opts, (client) => describe(client, names, opts.allConfigs === true));
  });

  bootstrapOption(
    topics
      .command('alter <topic>')
      .description('set or delete topic config overrides (IncrementalAlterConfigs)')
      .option('-c, --config <key=value>', 'set a config (repeatable)', keyValue, {})
      .option('-d, --delete-config <key>', 'return a config to its default (repeatable)', collect, []),
  ).action(async (name: string, opts: { bootstrapServer: string; config: Record<string, string>; deleteConfig: string[] }) => {
    await withAdminClient(opts, async (client) => {
      if (Object.keys(opts.config).length === 0 && opts.deleteConfig.length === 0) throw new Error('nothing to alter: give --config or --delete-config');
      const { response } = await client.request<IncrementalAlterConfigsResponse>(INCREMENTAL_ALTER_CONFIGS, createIncrementalAlterConfigsRequest({
        resources: [
          {
            resourceType: RESOURCE_TOPIC,
            resourceName: name,
            configs: [
              ...Object.entries(opts.config).map(([k, v]) => ({ name: k, configOperation: 0, value: v })),
              ...opts.deleteConfig.map((k) => ({ name: k, configOperation: 1, value: null })),
            ],
          },
        ],
      }));
      const result = response.responses[0]!;
      check(result.errorCode, result.errorMessage, `altering "${name}"`);
      return `Altered topic ${name}.`;
    });
  });

  bootstrapOption(topics.command('delete <topics...>').description('delete topics and their data')).action(async (names: string[], opts: { bootstrapServer: string }) => {
    await withAdminClient(opts, async (client) => {
      const { response } = await client.request<DeleteTopicsResponse>(
        DELETE_TOPICS,
        createDeleteTopicsRequest({ topicNames: names, topics: names.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs: 30_000 }),
      );
      for (const r of response.responses) check(r.errorCode, r.errorMessage, `deleting "${r.name}"`);
      return names.map((n) => `Deleted topic ${n}.`).join('\n');
    });
  });
}
