/**
 * `gregor reassign …`: partition reassignment as kafka-reassign-partitions.sh does it, with
 * its JSON files, over AlterPartitionReassignments / ListPartitionReassignments (KIP-455)
 * sent to the controller:
 *
 *   gregor reassign --generate --topics-to-move-json-file topics.json --broker-list 1,2,3
 *   gregor reassign --execute  --reassignment-json-file plan.json
 *   gregor reassign --verify   --reassignment-json-file plan.json
 *   gregor reassign --cancel   --reassignment-json-file plan.json
 *
 * topics.json: {"version":1,"topics":[{"topic":"orders"}]}; plan.json:
 * {"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[2,3]}]}
 * (`log_dirs` is accepted and ignored). --generate proposes Kafka's (rack-aware) assignment
 * over the brokers listed; --execute prints the current assignment for rollback first.
 * `--execute --throttle <bytes/s>` throttles the moving replicas' replication and --verify
 * removes the throttle once the plan's reassignments are done (reassign-throttle.ts), unless
 * `--preserve-throttles`.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { originalOf } from '../cluster/reassignment.js';
import { assignReplicasToBrokers } from '../cluster/replica-assignment.js';
import type { KafkaClient } from '../network/kafka-client.js';
import { ErrorCode, errorName } from '../protocol/error-codes.js';
import type { AlterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments-response.js';
import type { ListPartitionReassignmentsResponse } from '../protocol/generated/list-partition-reassignments-response.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { createAlterPartitionReassignmentsRequest } from '../protocol/generated/alter-partition-reassignments-request.js';
import { createListPartitionReassignmentsRequest } from '../protocol/generated/list-partition-reassignments-request.js';
import { createMetadataRequest } from '../protocol/generated/metadata-request.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { adminOptions, connectToController, withAdminClient } from './admin-client.js';
import { clearReassignmentThrottles, reassignmentThrottles, setReassignmentThrottles } from './reassign-throttle.js';

const METADATA = 3;
const ALTER_PARTITION_REASSIGNMENTS = 45;
const LIST_PARTITION_REASSIGNMENTS = 46;

interface PlannedPartition {
  topic: string;
  partition: number;
  replicas: number[];
}

interface ReassignOptions {
  bootstrapServer: string;
  commandConfig?: string;
  generate?: boolean;
  execute?: boolean;
  verify?: boolean;
  cancel?: boolean;
  topicsToMoveJsonFile?: string;
  reassignmentJsonFile?: string;
  brokerList?: number[];
  /** bytes/s */
  throttle?: number;
  preserveThrottles?: boolean;
  additional?: boolean;
}

function bytesPerSecond(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number of bytes/s`);
  return n;
}

function brokerList(value: string): number[] {
  const ids = value.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 0)) throw new InvalidArgumentError(`"${value}" is not a list of broker ids`);
  return ids;
}

/** kafka-reassign-partitions.sh's JSON for a set of partitions. */
function planJson(partitions: readonly PlannedPartition[]): string {
  const sorted = [...partitions].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return JSON.stringify({ version: 1, partitions: sorted.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => 'any') })) });
}

/** Reads a plan file. Errors: Error naming what is wrong. */
function readPlan(file: string): PlannedPartition[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { partitions?: Array<{ topic?: unknown; partition?: unknown; replicas?: unknown }> };
  if (!Array.isArray(parsed.partitions)) throw new Error(`${file}: no "partitions" list`);
  return parsed.partitions.map((p, i) => {
    if (typeof p.topic !== 'string' || !Number.isInteger(p.partition) || !Array.isArray(p.replicas) || !p.replicas.every(Number.isInteger)) {
      throw new Error(`${file}: partitions[${i}] needs "topic", "partition" and "replicas"`);
    }
    return { topic: p.topic, partition: p.partition as number, replicas: p.replicas as number[] };
  });
}

async function metadata(client: KafkaClient, topics: string[] | null): Promise<MetadataResponse> {
  const { response } = await client.request<MetadataResponse>(METADATA, createMetadataRequest({
    topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
    allowAutoTopicCreation: false,
  }));
  return response;
}

/** The current replicas of every partition of `topics`. Errors: a topic's Metadata error. */
function currentAssignment(meta: MetadataResponse): PlannedPartition[] {
  return meta.topics.flatMap((t) => {
    if (t.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(t.errorCode)}: topic "${t.name}"`);
    return t.partitions.map((p) => ({ topic: t.name!, partition: p.partitionIndex, replicas: p.replicaNodes }));
  });
}

async function alter(controller: KafkaClient, partitions: ReadonlyArray<{ topic: string; partition: number; replicas: number[] | null }>): Promise<string[]> {
  const topics = [...new Set(partitions.map((p) => p.topic))].map((name) => ({
    name,
    partitions: partitions.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, replicas: p.replicas })),
  }));
  const { response } = await controller.request<AlterPartitionReassignmentsResponse>(ALTER_PARTITION_REASSIGNMENTS, createAlterPartitionReassignmentsRequest({ timeoutMs: 30_000, topics }));
  if (response.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(response.errorCode)}: ${response.errorMessage ?? 'the reassignment was refused'}`);
  const failed: string[] = [];
  for (const t of response.responses) {
    for (const p of t.partitions) if (p.errorCode !== ErrorCode.NONE) failed.push(`${t.name}-${p.partitionIndex}: ${errorName(p.errorCode)}: ${p.errorMessage ?? ''}`);
  }
  return failed;
}

/**
 * The partitions of `plan` (null: all) with a reassignment in progress (ListPartitionReassignments),
 * by `topic-partition`, with their original replicas (RS − adding).
 */
async function ongoingReassignments(controller: KafkaClient, plan: readonly PlannedPartition[] | null): Promise<Map<string, number[]>> {
  const { response } = await controller.request<ListPartitionReassignmentsResponse>(LIST_PARTITION_REASSIGNMENTS, createListPartitionReassignmentsRequest({
    timeoutMs: 30_000,
    topics: plan === null ? null : [...new Set(plan.map((p) => p.topic))].map((name) => ({ name, partitionIndexes: plan.filter((p) => p.topic === name).map((p) => p.partition) })),
  }));
  if (response.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(response.errorCode)}: ${response.errorMessage ?? ''}`);
  return new Map(response.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, originalOf(p.replicas, p.addingReplicas)] as const)));
}

/** Adds the `reassign` command to the `gregor` program. */
export function registerReassignCommand(program: Command): void {
  adminOptions(
    program
      .command('reassign')
      .description('move partitions between brokers (kafka-reassign-partitions.sh)')
      .option('--generate', 'propose an assignment of the topics over --broker-list')
      .option('--execute', 'start the reassignment in --reassignment-json-file')
      .option('--verify', 'report whether each reassignment in the file is done')
      .option('--cancel', 'cancel the reassignments in the file')
      .option('--topics-to-move-json-file <file>', '{"version":1,"topics":[{"topic":"t"}]} (with --generate)')
      .option('--reassignment-json-file <file>', 'the plan (with --execute, --verify, --cancel)')
      .option('--broker-list <ids>', 'broker ids to assign over, e.g. 1,2,3 (with --generate)', brokerList)
      .option('--throttle <bytes/s>', 'limit the moving replicas\' replication to this rate (with --execute; --verify removes it)', bytesPerSecond)
      .option('--preserve-throttles', 'keep the throttles when --verify finds the reassignments done')
      .option('--additional', 'execute while other reassignments are in progress (also to change the throttle of a running one)'),
  ).action(async (opts: ReassignOptions) => {
    const actions = [opts.generate, opts.execute, opts.verify, opts.cancel].filter(Boolean).length;
    const fail = (message: string) => {
      process.stderr.write(`gregor: ${message}\n`);
      process.exitCode = 1;
    };
    if (actions !== 1) return fail('give exactly one of --generate, --execute, --verify, --cancel');
    if (opts.generate && (!opts.topicsToMoveJsonFile || !opts.brokerList)) return fail('--generate needs --topics-to-move-json-file and --broker-list');
    if (!opts.generate && !opts.reassignmentJsonFile) return fail('--reassignment-json-file is required');
    await withAdminClient(opts, async (client, connectTo) => {
      if (opts.generate) {
        const wanted = (JSON.parse(readFileSync(opts.topicsToMoveJsonFile!, 'utf8')) as { topics?: Array<{ topic: string }> }).topics?.map((t) => t.topic) ?? [];
        const meta = await metadata(client, wanted);
        const current = currentAssignment(meta);
        const brokers = opts.brokerList!.map((id) => ({ id, rack: meta.brokers.find((b) => b.nodeId === id)?.rack ?? null }));
        const proposed = meta.topics.flatMap((t) => {
          const rf = t.partitions[0]?.replicaNodes.length ?? 1;
          return assignReplicasToBrokers(t.partitions.length, rf, brokers).map((replicas, partition) => ({ topic: t.name!, partition, replicas }));
        });
        return `Current partition replica assignment\n${planJson(current)}\n\nProposed partition reassignment configuration\n${planJson(proposed)}`;
      }
      const plan = readPlan(opts.reassignmentJsonFile!);
      const controller = await connectToController(client, connectTo);
      try {
        if (opts.execute) {
          const ongoing = await ongoingReassignments(controller, null);
          if (!opts.additional && ongoing.size > 0) {
            throw new Error('Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.');
          }
          const current = currentAssignment(await metadata(client, [...new Set(plan.map((p) => p.topic))])).filter((c) => plan.some((p) => p.topic === c.topic && p.partition === c.partition));
          // A partition already moving is throttled from its original replicas (Kafka's --additional).
          const original = current.map((c) => ({ ...c, replicas: ongoing.get(`${c.topic}-${c.partition}`) ?? c.replicas }));
          const throttleLines = opts.throttle === undefined ? '' : `${await setReassignmentThrottles(client, await metadata(client, []), connectTo, reassignmentThrottles(original, plan), opts.throttle)}\n`;
          const failed = await alter(controller, plan);
          if (failed.length > 0) throw new Error(`Error reassigning partitions:\n${failed.join('\n')}`);
          return `Current partition replica assignment\n\n${planJson(current)}\n\nSave this to use as the --reassignment-json-file option during rollback\n${throttleLines}Successfully started partition reassignments for ${plan.map((p) => `${p.topic}-${p.partition}`).join(',')}`;
        }
        if (opts.cancel) {
          const failed = await alter(controller, plan.map((p) => ({ ...p, replicas: null })));
          const cancelled = plan.filter((p) => !failed.some((f) => f.startsWith(`${p.topic}-${p.partition}:`)));
          const lines = cancelled.length > 0 ? [`Successfully cancelled partition reassignments for: ${cancelled.map((p) => `${p.topic}-${p.partition}`).join(',')}`] : [];
          if (failed.length > 0) {
            lines.push(...failed.map((f) => `Error cancelling the reassignment of ${f}`));
            process.exitCode = 1;
          }
          return lines.join('\n');
        }
        // --verify
        const inProgress = await ongoingReassignments(controller, plan);
        const current = currentAssignment(await metadata(client, [...new Set(plan.map((p) => p.topic))]));
        const lines = ['Status of partition reassignment:'];
        for (const p of plan) {
          const name = `${p.topic}-${p.partition}`;
          const now = current.find((c) => c.topic === p.topic && c.partition === p.partition)?.replicas;
          if (inProgress.has(name)) lines.push(`Reassignment of partition ${name} is still in progress.`);
          else if (JSON.stringify(now) === JSON.stringify(p.replicas)) lines.push(`Reassignment of partition ${name} is completed.`);
          else lines.push(`There is no active reassignment of partition ${name}, but replica set is ${JSON.stringify(now ?? [])} rather than ${JSON.stringify(p.replicas)}.`);
        }
        if (inProgress.size === 0 && !opts.preserveThrottles) {
          lines.push('', await clearReassignmentThrottles(client, await metadata(client, []), connectTo, [...new Set(plan.map((p) => p.topic))]));
        }
        return lines.join('\n');
      } finally {
        controller.close();
      }
    });
  });
}
