/**
 * Group coordinator benchmark (`npm run bench:groups`), against a broker in this process:
 *  - rebalance time: N members (10, 100), each on its own connection, join an empty group at
 *    once (JoinGroup v9 with the MEMBER_ID_REQUIRED round trip, KIP-394), the leader syncs an
 *    assignment, every member's SyncGroup returns: ms from the first JoinGroup to the last
 *    SyncGroup answer (join → Stable). `group.initial.rebalance.delay.ms=0`, so the figure is
 *    the coordinator's own cost, not the deliberate KIP-134 wait.
 *  - commit throughput: 1 and 8 members of a Stable group each commit one partition's offset
 *    in a loop (each commit awaited, as a consumer does), commits/s over all of them.
 * Medians of --runs runs (default 5).
 *
 *   npm run bench:groups [-- --runs 5 --json bench/results/groups.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Broker } from '../src/broker.js';
import { KafkaClient } from '../src/network/kafka-client.js';
import { createLogger } from '../src/logger.js';
import {
  type JoinGroupResponse,
  type OffsetCommitResponse,
  type SyncGroupResponse,
  createJoinGroupRequest,
  createOffsetCommitRequest,
  createSyncGroupRequest,
} from '../src/protocol/generated/index.js';

const OFFSET_COMMIT = 8;
const JOIN_GROUP = 11;
const SYNC_GROUP = 14;
const COMMITS_PER_MEMBER = 2_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function joinGroup(client: KafkaClient, groupId: string): Promise<JoinGroupResponse> {
  const body = (memberId: string) =>
    createJoinGroupRequest({ groupId, memberId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(16) }] });
  let res = (await client.request<JoinGroupResponse>(JOIN_GROUP, body(''), 9)).response;
  if (res.errorCode === 79) res = (await client.request<JoinGroupResponse>(JOIN_GROUP, body(res.memberId), 9)).response;
  if (res.errorCode !== 0) throw new Error(`JoinGroup failed with error ${res.errorCode}`);
  return res;
}

/** Joins `clients` into `groupId` and syncs them; resolves with ms to Stable and the members. */
async function rebalance(clients: KafkaClient[], groupId: string): Promise<{ ms: number; members: Array<{ memberId: string; generationId: number }> }> {
  const start = performance.now();
  const joined = await Promise.all(clients.map((c) => joinGroup(c, groupId)));
  const leader = joined.find((j) => j.leader === j.memberId)!;
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) }));
  const synced = await Promise.all(
    clients.map((c, i) =>
      c.request<SyncGroupResponse>(
        SYNC_GROUP,
        createSyncGroupRequest({ groupId, generationId: joined[i]!.generationId, memberId: joined[i]!.memberId, assignments: joined[i] === leader ? assignments : [] }),
        5,
      ),
    ),
  );
  for (const s of synced) if (s.response.errorCode !== 0) throw new Error(`SyncGroup failed with error ${s.response.errorCode}`);
  return { ms: performance.now() - start, members: joined.map((j) => ({ memberId: j.memberId, generationId: j.generationId })) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 5;
  const json = argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : null;
  const dir = mkdtempSync(join(tmpdir(), 'gregor-bench-groups-'));
  const broker = await Broker.start({ port: 0, host: '127.0.0.1', logDirs: dir, logger: createLogger('warn'), properties: { 'group.initial.rebalance.delay.ms': 0 } });
  const bootstrap = `127.0.0.1:${broker.port}`;
  broker.logs.createTopic('bench-commits', 8);
  const results: Record<string, number> = {};
  try {
    for (const size of [10, 100]) {
      const clients = await Promise.all(Array.from({ length: size }, () => KafkaClient.connect(bootstrap)));
      const times: number[] = [];
      for (let r = 0; r < runs; r++) times.push((await rebalance(clients, `rebalance-${size}-${r}`)).ms);
      results[`rebalanceMs_${size}`] = +median(times).toFixed(1);
      for (const c of clients) c.close();
      console.log(`rebalance, ${size} members (join → Stable): median ${median(times).toFixed(1)} ms of ${runs} (${times.map((t) => t.toFixed(1)).join(', ')})`);
    }
    for (const committers of [1, 8]) {
      const rates: number[] = [];
      for (let r = 0; r < runs; r++) {
        const clients = await Promise.all(Array.from({ length: committers }, () => KafkaClient.connect(bootstrap)));
        const { members } = await rebalance(clients, `commits-${committers}-${r}`);
        const start = performance.now();
        await Promise.all(
          clients.map(async (c, i) => {
            for (let n = 1; n <= COMMITS_PER_MEMBER; n++) {
              const { response } = await c.request<OffsetCommitResponse>(
                OFFSET_COMMIT,
                createOffsetCommitRequest({
                  groupId: `commits-${committers}-${r}`,
                  generationIdOrMemberEpoch: members[i]!.generationId,
                  memberId: members[i]!.memberId,
                  topics: [{ name: 'bench-commits', partitions: [{ partitionIndex: i, committedOffset: n, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }],
                }),
                8,
              );
              if (response.topics[0]!.partitions[0]!.errorCode !== 0) throw new Error(`commit failed: ${response.topics[0]!.partitions[0]!.errorCode}`);
            }
          }),
        );
        rates.push((committers * COMMITS_PER_MEMBER) / ((performance.now() - start) / 1000));
        for (const c of clients) c.close();
      }
      results[`commitsPerSec_${committers}`] = Math.round(median(rates));
      console.log(`offset commits, ${committers} committer(s): median ${Math.round(median(rates))} commits/s of ${runs}`);
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, runs, results }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
