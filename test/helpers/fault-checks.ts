/**
 * The checks of the network-fault suites (issue 14), for a cluster whose brokers the test
 * reaches directly (e.g. in network namespaces, test/helpers/netns.ts):
 *   - `createFaultTopic`: a topic of replication factor 3 with min.insync.replicas=2 (KafkaJS);
 *   - `clusterView`: partition leaders and ISRs, live brokers and the controller, as the first
 *     broker that answers Metadata reports them;
 *   - `readPartition`: a partition's records read back with kcat (offset and value);
 *   - `verifyHistory`: every acknowledged write read back exactly once at its offset, the
 *     offsets read contiguous, and values that must not be there (a zombie's writes) absent;
 *   - `replicaLogMismatches`: after the brokers stopped, the partitions whose replicas' log
 *     files (segments concatenated) are not byte-identical;
 *   - `verifyCommittedOffsets`: a group's committed offsets never went backwards
 *     (offset-history.ts: no offset observed below one acknowledged as committed before);
 *   - `FaultLoad`: a scenario's load, the history producer and a committing group consumer;
 *   - `figuresTable`: the scenarios' figures as the README's Markdown table.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';
import { createMetadataRequest } from '../../src/protocol/generated/index.js';
import { wholeBatches } from '../../src/storage/batch-header.js';
import { HistoryProducer, checkHistory } from './acked-history.js';
import { kcat } from './kcat.js';
import { waitFor } from './wait.js';
import { GroupOffsetHistory, checkOffsetHistory } from './offset-history.js';
import { RawClient } from './raw-client.js';

/** Creates `topic` (RF 3, min.insync.replicas=2) through `bootstrap` (`host:port` list) and waits for its leaders. */
export async function createFaultTopic(bootstrap: readonly string[], topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'fault-admin', brokers: [...bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
  } finally {
    await admin.disconnect();
  }
}

export interface ClusterView {
  /** Partition index → leader id, leader epoch and ISR (sorted), for the topic asked about. */
  states: Map<number, { leader: number; leaderEpoch: number; isr: number[] }>;
  /** Live broker ids, sorted. */
  brokers: number[];
  controller: number;
}

/**
 * Metadata (v12) for `topic` from the first of `addresses` (`host:port`) that answers.
 * Errors: Error when none answers.
 */
export async function clusterView(addresses: readonly string[], topic: string): Promise<ClusterView> {
  for (const address of addresses) {
    const i = address.lastIndexOf(':');
    try {
      const c = await RawClient.connect(Number(address.slice(i + 1)), address.slice(0, i));
      try {
        const res = await c.request(3, 12, createMetadataRequest({ topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
        const states = new Map<number, { leader: number; leaderEpoch: number; isr: number[] }>();
        for (const p of res.topics[0].partitions) states.set(p.partitionIndex, { leader: p.leaderId, leaderEpoch: p.leaderEpoch, isr: [...p.isrNodes].sort() });
        return { states, brokers: (res.brokers as Array<{ nodeId: number }>).map((b) => b.nodeId).sort(), controller: res.controllerId as number };
      } finally {
        c.close();
      }
    } catch {
      /* the next broker */
    }
  }
  throw new Error('no broker answered Metadata');
}

/** A partition's records as kcat reads them through `bootstrap` (`host:port` list), in offset order. */
export async function readPartition(bootstrap: readonly string[], topic: string, partition: number): Promise<Array<{ offset: number; value: string }>> {
  const { code, stdout, stderr } = await kcat(['-C', '-b', bootstrap.join(','), '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-f', '%o %s\n'], undefined, 60_000);
  expect(code, stderr).toBe(0);
  return stdout.toString().split('\n').filter(Boolean).map((line) => ({ offset: Number(line.slice(0, line.indexOf(' '))), value: line.slice(line.indexOf(' ') + 1) }));
}

/**
 * Reads every partition of the producer's topic back and asserts the history: no acknowledged
 * write lost, duplicated or moved; offsets contiguous; none of `absent` present.
 * Returns the counts (lost, divergent = moved + duplicated) for the README table.
 */
export async function verifyHistory(bootstrap: readonly string[], producer: HistoryProducer, partitions: number, absent: readonly string[] = []): Promise<{ lost: number; divergent: number }> {
  let lost = 0;
  let divergent = 0;
  for (let p = 0; p < partitions; p++) {
    const read = await readPartition(bootstrap, producer.topic, p);
    const check = checkHistory(producer.ackedOn(p), read);
    lost += check.lost.length;
    divergent += check.moved.length + check.duplicated.length;
    expect(check, `partition ${p}`).toEqual({ lost: [], duplicated: [], moved: [] });
    expect(read.map((r) => r.offset), `offsets of partition ${p}`).toEqual(read.map((_, i) => read[0]!.offset + i));
    for (const v of absent) expect(read.map((r) => r.value), `partition ${p}`).not.toContain(v);
  }
  return { lost, divergent };
}

/**
 * For each `topic`-`partition` (0 … partitions - 1), compares the replicas' logs under each of
 * `logDirs` (the brokers must have stopped). Returns one line per partition whose replicas
 * differ, with each replica's last batches (`baseOffset+count@leaderEpoch`); empty when all agree.
 */
export function replicaLogMismatches(logDirs: readonly string[], topics: readonly string[], partitions: number): string[] {
  const logOf = (root: string, topic: string, p: number) => {
    const dir = join(root, `${topic}-${p}`);
    return Buffer.concat(readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => readFileSync(join(dir, f))));
  };
  const describe = (log: Buffer) => [...wholeBatches(log)].map((h) => `${h.baseOffset}+${h.recordCount}@${log.readInt32BE(h.position + 12)}`);
  const mismatches: string[] = [];
  for (const topic of topics) {
    for (let p = 0; p < partitions; p++) {
      const logs = logDirs.map((d) => logOf(d, topic, p));
      if (logs[0]!.length === 0) mismatches.push(`${topic}-${p}: empty`);
      else if (logs.some((l) => !l.equals(logs[0]!))) mismatches.push(`${topic}-${p}: ${logs.map((l) => describe(l).slice(-8).join(' ')).join(' | ')}`);
    }
  }
  return mismatches;
}

/**
 * Asserts that `group`'s committed offsets never went backwards (checkOffsetHistory: no
 * observation below an offset acknowledged as committed before it was asked for) and that the
 * group did commit and its offsets were fetched. Returns the counts for the table: acknowledged commits, fetched
 * observations, and `backwards` (regressions, 0 when the assertion held).
 */
export function verifyCommittedOffsets(group: GroupOffsetHistory): { commits: number; fetches: number; backwards: number } {
  const check = checkOffsetHistory(group.history);
  const counts = group.counts();
  expect(counts.commits, `acknowledged commits of group ${group.groupId}`).toBeGreaterThan(0);
  expect(counts.fetches, `committed offsets fetched of group ${group.groupId} (poll failures ${JSON.stringify([...group.pollFailures])})`).toBeGreaterThan(0);
  expect(check.regressions, `committed offsets of group ${group.groupId} gone backwards`).toEqual([]);
  return { ...counts, backwards: check.regressions.length };
}

/** One fault scenario's figures (a README table row). */
export interface FaultFigures {
  scenario: string;
  acknowledged: number;
  lost: number;
  divergent: number;
  /** The longest stretch without an acknowledged write, seconds. */
  unavailableS: number;
  /** Committed offsets: acknowledged commits, fetched observations, observations gone backwards. */
  offsets?: { commits: number; fetches: number; backwards: number };
}

/** The figures as the README's Markdown table. */
export function figuresTable(rows: readonly FaultFigures[]): string {
  const offsets = (f: FaultFigures) => (f.offsets ? `${f.offsets.commits} / ${f.offsets.fetches} | ${f.offsets.backwards}` : '– | –');
  return [
    '| scenario | writes acknowledged | lost | divergent | unavailable (s) | offset commits / fetches | offsets backwards |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((f) => `| ${f.scenario} | ${f.acknowledged} | ${f.lost} | ${f.divergent} | ${f.unavailableS.toFixed(1)} | ${offsets(f)} |`),
  ].join('\n');
}

/** A scenario's load on one topic: the acks=all history producer and a group consumer committing its offsets. */
export class FaultLoad {
  private constructor(
    readonly producer: HistoryProducer,
    readonly group: GroupOffsetHistory,
    private readonly partitions: number,
  ) {}

  /** Starts both on `topic` (`bootstrap`: `host:port` of every broker; `timeoutMs`: each Produce's). */
  static async start(bootstrap: readonly string[], topic: string, partitions: number, timeoutMs?: number): Promise<FaultLoad> {
    const load = new FaultLoad(new HistoryProducer(bootstrap, topic, partitions, timeoutMs), new GroupOffsetHistory(bootstrap, topic), partitions);
    load.producer.start();
    try {
      await load.group.start();
    } catch (err) {
      await load.stop();
      load.close();
      throw err;
    }
    return load;
  }

  /**
   * Waits (up to `timeoutMs`) until the group has a commit acknowledged on every partition at
   * or after `since` (ms since epoch): before a fault, so the history has offsets to lose; after
   * the heal, so it shows the group committing again. Errors: waitFor's, naming `what`.
   */
  async committed(what: string, since = 0, timeoutMs = 45_000): Promise<void> {
    const has = (p: number) => this.group.history.some((o) => o.source === 'commit' && o.partition === p && o.at >= since);
    await waitFor(() => [...Array(this.partitions).keys()].every(has), timeoutMs, `group ${this.group.groupId} committing on every partition ${what}`);
  }

  /** Stops the producer, then the consumer (it commits what it read) and the offset poller. Idempotent. */
  async stop(): Promise<void> {
    await this.producer.stop();
    await this.group.stop();
  }

  close(): void {
    this.producer.close();
    this.group.close();
  }
}
