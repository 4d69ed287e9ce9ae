/**
 * `gregor leaders elect …`: leader elections on a running cluster, as kafka-leader-election.sh
 * does them (ElectLeaders, KIP-460), sent to the controller:
 *
 *   gregor leaders elect --election-type preferred --all-topic-partitions
 *   gregor leaders elect --election-type unclean --topic orders --partition 3
 *
 * Prints Kafka's lines: "Successfully completed leader election (PREFERRED) for partitions
 * orders-0, …", "Valid replica already elected for partitions …", and for the others
 * "Error completing leader election (PREFERRED) for partition: orders-3: <ERROR_NAME>: …"
 * (exit code 1 when any failed).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ErrorCode, errorName } from '../protocol/error-codes.js';
import type { ElectLeadersResponse } from '../protocol/generated/elect-leaders-response.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { createElectLeadersRequest } from '../protocol/generated/elect-leaders-request.js';
import { createMetadataRequest } from '../protocol/generated/metadata-request.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { adminOptions, connectToController, withAdminClient } from './admin-client.js';

const METADATA = 3;
const ELECT_LEADERS = 43;
const ELECTION_TYPE_CODES = { preferred: 0, unclean: 1 } as const;

interface ElectOptions {
  bootstrapServer: string;
  commandConfig?: string;
  electionType: keyof typeof ELECTION_TYPE_CODES;
  topic?: string;
  partition?: number;
  allTopicPartitions?: boolean;
}

function partitionNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a partition number`);
  return n;
}

/** Adds the `leaders` command to the `gregor` program. */
export function registerLeadersCommand(program: Command): void {
  const leaders = program.command('leaders').description('leader elections on a running cluster (kafka-leader-election.sh)');
  adminOptions(
    leaders
      .command('elect')
      .description('elect preferred (or, with no live in-sync replica, unclean) leaders')
      .addOption(new Option('--election-type <type>', 'preferred or unclean').choices(['preferred', 'unclean']).makeOptionMandatory())
      .option('--topic <topic>', 'the topic whose partitions to elect for')
      .option('--partition <n>', 'one partition of --topic', partitionNumber)
      .option('--all-topic-partitions', 'every partition of every topic'),
  ).action(async (opts: ElectOptions) => {
    if (!opts.allTopicPartitions === !opts.topic || (opts.partition !== undefined && !opts.topic)) {
      process.stderr.write('gregor: give either --all-topic-partitions or --topic (with an optional --partition)\n');
      process.exitCode = 1;
      return;
    }
    await withAdminClient(opts, async (client, connectTo) => {
      const { response: meta } = await client.request<MetadataResponse>(METADATA, createMetadataRequest({
        topics: opts.topic ? [{ name: opts.topic, topicId: ZERO_UUID }] : [],
        allowAutoTopicCreation: false,
      }));
      let topicPartitions: Array<{ topic: string; partitions: number[] }> | null = null;
      if (opts.topic) {
        const topic = meta.topics[0];
        if (!topic || topic.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(topic?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)}: topic "${opts.topic}"`);
        topicPartitions = [{ topic: opts.topic, partitions: opts.partition !== undefined ? [opts.partition] : topic.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b) }];
      }
      const target = await connectToController(client, connectTo);
      try {
        const { response } = await target.request<ElectLeadersResponse>(ELECT_LEADERS, createElectLeadersRequest({
          electionType: ELECTION_TYPE_CODES[opts.electionType],
          topicPartitions,
          timeoutMs: 30_000,
        }));
        if (response.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(response.errorCode)}: the election was refused`);
        return formatResults(opts.electionType.toUpperCase(), response);
      } finally {
        target.close();
      }
    });
  });
}

/** kafka-leader-election.sh's report; sets exit code 1 when a partition failed. */
function formatResults(type: string, response: ElectLeadersResponse): string {
  const done: string[] = [];
  const already: string[] = [];
  const failed: string[] = [];
  for (const t of response.replicaElectionResults) {
    for (const p of t.partitionResult) {
      const name = `${t.topic}-${p.partitionId}`;
      if (p.errorCode === ErrorCode.NONE) done.push(name);
      else if (p.errorCode === ErrorCode.ELECTION_NOT_NEEDED) already.push(name);
      else failed.push(`Error completing leader election (${type}) for partition: ${name}: ${errorName(p.errorCode)}: ${p.errorMessage ?? ''}`);
    }
  }
  const lines: string[] = [];
  if (done.length > 0) lines.push(`Successfully completed leader election (${type}) for partitions ${done.join(', ')}`);
  if (already.length > 0) lines.push(`Valid replica already elected for partitions ${already.join(', ')}`);
  if (failed.length > 0) {
    lines.push(...failed);
    process.exitCode = 1;
  }
  return lines.join('\n');
}
