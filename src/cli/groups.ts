/**
 * `gregor groups …`: consumer group administration against a running broker (Gregor or
 * Kafka), in the spirit of kafka-consumer-groups.sh:
 *
 *   gregor groups list                                          [-b host:port]
 *   gregor groups describe <group>     members, and per partition: committed offset,
 *                                      log end offset, lag (= log end offset − committed)
 *   gregor groups reset-offsets <group> --topic T (--to-earliest | --to-latest |
 *                                      --to-offset N | --to-datetime 2026-01-01T00:00:00Z)
 *                                      [--execute]   (without it: a dry run that prints the plan)
 *
 * Offsets are reset only on an Empty group (no active members), as Kafka requires; they are
 * committed with generation -1 (outside group management). `--to-offset` is clamped into
 * [log start, log end]; `--to-datetime` resolves to the first offset at or after the time
 * (the log end if none). Exit code 1 with one line `gregor: <message>` on any refusal.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { errorName } from '../protocol/error-codes.js';
import type { DescribeGroupsResponse } from '../protocol/generated/describe-groups-response.js';
import type { ListGroupsResponse } from '../protocol/generated/list-groups-response.js';
import type { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import type { OffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import type { OffsetFetchResponse } from '../protocol/generated/offset-fetch-response.js';
import { createDescribeGroupsRequest } from '../protocol/generated/describe-groups-request.js';
import { createListGroupsRequest } from '../protocol/generated/list-groups-request.js';
import { createListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import { createMetadataRequest } from '../protocol/generated/metadata-request.js';
import { createOffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import { createOffsetFetchRequest } from '../protocol/generated/offset-fetch-request.js';
import { Reader, ZERO_UUID } from '../protocol/primitives.js';
import { adminOptions, withAdminClient } from './admin-client.js';
import { KafkaClient } from '../network/kafka-client.js';

const LIST_OFFSETS = 2;
const METADATA = 3;
const OFFSET_COMMIT = 8;
const OFFSET_FETCH = 9;
const DESCRIBE_GROUPS = 15;
const LIST_GROUPS = 16;
const EARLIEST = -2;
const LATEST = -1;

type Target = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number } | { kind: 'datetime'; timestamp: number };

/** Renders rows as left-aligned columns under a header. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function refuse(errorCode: number, what: string): never {
  throw new Error(`${errorName(errorCode)}: ${what}`);
}


/** The partitions a ConsumerProtocolAssignment gives a member: "topic\0partition" keys. */
function assignedPartitions(assignment: Uint8Array): string[] {
  try {
    const r = new Reader(assignment);
    r.readInt16();
    const out: string[] = [];
    const topics = r.readArrayLength();
    for (let i = 0; i < topics; i++) {
      const topic = r.readString();
      const n = r.readArrayLength();
      for (let j = 0; j < n; j++) out.push(`${topic}\u0000${r.readInt32()}`);
    }
    return out;
  } catch {
    return [];
  }
}

async function describeGroup(client: KafkaClient, groupId: string): Promise<DescribeGroupsResponse['groups'][number]> {
  const { response } = await client.request<DescribeGroupsResponse>(DESCRIBE_GROUPS, createDescribeGroupsRequest({ groups: [groupId] }));
  const group = response.groups[0]!;
  if (group.errorCode !== 0) refuse(group.errorCode, `cannot describe group ${groupId}`);
  return group;
}

/** Committed offsets of the group: "topic\0partition" → offset. */
async function committedOffsets(client: KafkaClient, groupId: string): Promise<Map<string, number>> {
  const { response, version } = await client.request<OffsetFetchResponse>(
    OFFSET_FETCH,
    createOffsetFetchRequest({ groupId, topics: null, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }] }),
  );
  const topics = version >= 8 ? response.groups[0]!.topics : response.topics;
  const errorCode = version >= 8 ? response.groups[0]!.errorCode : response.errorCode;
  if (errorCode !== 0) refuse(errorCode, `cannot fetch the offsets of ${groupId}`);
  const out = new Map<string, number>();
  for (const t of topics) for (const p of t.partitions) if (p.committedOffset >= 0) out.set(`${t.name}\u0000${p.partitionIndex}`, p.committedOffset);
  return out;
}

/** ListOffsets at `timestamp` for each partition of `topic`: partition → offset. */
async function listOffsets(client: KafkaClient, topic: string, partitions: number[], timestamp: number): Promise<Map<number, number>> {
  const { response } = await client.request<ListOffsetsResponse>(
    LIST_OFFSETS,
    createListOffsetsRequest({ replicaId: -1, topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }] }),
  );
  const out = new Map<number, number>();
  for (const p of response.topics[0]?.partitions ?? []) {
    if (p.errorCode !== 0) refuse(p.errorCode, `cannot list offsets of ${topic}-${p.partitionIndex}`);
    out.set(p.partitionIndex, p.offset);
  }
  return out;
}

async function partitionsOf(client: KafkaClient, topic: string): Promise<number[]> {
  const { response } = await client.request<MetadataResponse>(METADATA, createMetadataRequest({ topics: [{ name: topic, topicId: ZERO_UUID }], allowAutoTopicCreation: false }));
  const t = response.topics[0]!;
  if (t.errorCode !== 0) refuse(t.errorCode, `topic ${topic}`);
  return t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
}

/** `groups describe`: state, members and per-partition lag. */
async function describe(client: KafkaClient, groupId: string): Promise<string> {
  const group = await describeGroup(client, groupId);
  if (group.groupState === 'Dead') return `Consumer group '${groupId}' does not exist.`;
  const committed = await committedOffsets(client, groupId);
  const owners = new Map<string, (typeof group.members)[number]>();
  for (const m of group.members) for (const key of assignedPartitions(m.memberAssignment)) owners.set(key, m);
  const keys = [...new Set([...committed.keys(), ...owners.keys()])].map((k) => k.split('\u0000') as [string, string]);
  const byTopic = new Map<string, number[]>();
  for (const [topic, partition] of keys) byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(partition)]);
  const rows: Array<Array<string | number>> = [];
  for (const [topic, partitions] of [...byTopic].sort()) {
    const ends = await listOffsets(client, topic, partitions, LATEST);
    for (const partition of partitions.sort((a, b) => a - b)) {
      const key = `${topic}\u0000${partition}`;
      const offset = committed.get(key);
      const end = ends.get(partition) ?? -1;
      const owner = owners.get(key);
      rows.push([topic, partition, offset ?? '-', end, offset === undefined ? '-' : end - offset, owner?.memberId ?? '-', owner?.clientHost ?? '-', owner?.clientId ?? '-']);
    }
  }
  const head = `GROUP ${groupId}  STATE ${group.groupState}  PROTOCOL ${group.protocolType || '-'}/${group.protocolData || '-'}  MEMBERS ${group.members.length}`;
  return `${head}\n\n${table(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows)}`;
}

/** `groups reset-offsets`: computes new offsets and, with `execute`, commits them. */
async function resetOffsets(client: KafkaClient, groupId: string, topic: string, target: Target, execute: boolean): Promise<string> {
  const group = await describeGroup(client, groupId);
  if (group.groupState !== 'Empty' && group.groupState !== 'Dead') {
    throw new Error(`group ${groupId} is ${group.groupState} with ${group.members.length} member(s); stop its consumers first (offsets can be reset only on an Empty group)`);
  }
  const partitions = await partitionsOf(client, topic);
  const earliest = await listOffsets(client, topic, partitions, EARLIEST);
  const latest = await listOffsets(client, topic, partitions, LATEST);
  let wanted: Map<number, number>;
  if (target.kind === 'earliest') wanted = earliest;
  else if (target.kind === 'latest') wanted = latest;
  else if (target.kind === 'offset') wanted = new Map(partitions.map((p) => [p, Math.min(Math.max(target.offset, earliest.get(p)!), latest.get(p)!)]));
  else {
    const found = await listOffsets(client, topic, partitions, target.timestamp);
    wanted = new Map(partitions.map((p) => [p, found.get(p)! >= 0 ? found.get(p)! : latest.get(p)!]));
  }
  const plan = table(['TOPIC', 'PARTITION', 'NEW-OFFSET'], partitions.map((p) => [topic, p, wanted.get(p)!]));
  if (!execute) return `${plan}\n\nDry run: nothing was changed. Add --execute to commit these offsets.`;
  const { response } = await client.request<OffsetCommitResponse>(
    OFFSET_COMMIT,
    createOffsetCommitRequest({
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: wanted.get(p)!, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' })) }],
    }),
  );
  for (const t of response.topics) for (const p of t.partitions) if (p.errorCode !== 0) refuse(p.errorCode, `cannot commit ${t.name}-${p.partitionIndex}`);
  return plan;
}

function parseTarget(opts: { toEarliest?: boolean; toLatest?: boolean; toOffset?: number; toDatetime?: number }): Target {
  const chosen = [opts.toEarliest, opts.toLatest, opts.toOffset !== undefined, opts.toDatetime !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new InvalidArgumentError('give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime');
  if (opts.toEarliest) return { kind: 'earliest' };
  if (opts.toLatest) return { kind: 'latest' };
  if (opts.toOffset !== undefined) return { kind: 'offset', offset: opts.toOffset };
  return { kind: 'datetime', timestamp: opts.toDatetime! };
}

export function registerGroupsCommand(program: Command): void {
  const groups = program.command('groups').description('consumer groups: list, describe (with lag), reset offsets');
  const bootstrapOption = adminOptions;

  bootstrapOption(groups.command('list').description('groups with their state and protocol type')).action(async (opts: { bootstrapServer: string }) => {
    await withAdminClient(opts, async (client) => {
      const { response } = await client.request<ListGroupsResponse>(LIST_GROUPS, createListGroupsRequest({}));
      if (response.errorCode !== 0) refuse(response.errorCode, 'cannot list groups');
      const rows = response.groups.map((g) => [g.groupId, g.groupState || '-', g.protocolType || '-']).sort((a, b) => a[0]!.localeCompare(b[0]!));
      return table(['GROUP', 'STATE', 'PROTOCOL-TYPE'], rows);
    });
  });

  bootstrapOption(groups.command('describe <group>').description('members, committed offsets, log end offsets and lag per partition')).action(
    async (groupId: string, opts: { bootstrapServer: string }) => {
      await withAdminClient(opts, (client) => describe(client, groupId));
    },
  );

  bootstrapOption(
    groups
      .command('reset-offsets <group>')
      .description('move an empty group\'s committed offsets (dry run unless --execute)')
      .requiredOption('-t, --topic <topic>', 'the topic whose partitions to reset')
      .option('--to-earliest', 'to each partition\'s log start offset')
      .option('--to-latest', 'to each partition\'s log end offset')
      .option('--to-offset <offset>', 'to this offset (clamped into the log)', (v) => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`"${v}" is not an offset`);
        return n;
      })
      .option('--to-datetime <iso>', 'to the first record at or after this time (ISO 8601)', (v) => {
        const t = Date.parse(v);
        if (Number.isNaN(t)) throw new InvalidArgumentError(`"${v}" is not an ISO 8601 date-time`);
        return t;
      })
      .option('--execute', 'commit the new offsets (default: only print them)'),
  ).action(async (groupId: string, opts: { bootstrapServer: string; topic: string; execute?: boolean; toEarliest?: boolean; toLatest?: boolean; toOffset?: number; toDatetime?: number }) => {
    await withAdminClient(opts, (client) => resetOffsets(client, groupId, opts.topic, parseTarget(opts), opts.execute === true));
  });
}
