/**
 * Raw-protocol steps of a transactional producer for the transaction tests: FindCoordinator,
 * InitProducerId, AddPartitionsToTxn, EndTxn, DescribeTransactions, a transactional Produce,
 * and a Fetch that returns every batch header of a partition with its control record type.
 */
import { createFetchRequest, createProduceRequest } from '../../src/protocol/generated/index.js';
import type { Engine } from '../../src/engine/engine.js';
import { RECORD_BATCH_OVERHEAD, readBatchHeader } from '../../src/storage/batch-header.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitForAsync } from '../helpers/wait.js';

export const API = { PRODUCE: 0, FETCH: 1, FIND_COORDINATOR: 10, INIT_PRODUCER_ID: 22, ADD_PARTITIONS: 24, ADD_OFFSETS: 25, END_TXN: 26, WRITE_TXN_MARKERS: 27, TXN_OFFSET_COMMIT: 28, OFFSET_FETCH: 9, DESCRIBE_TXNS: 65, LIST_TXNS: 66 } as const;
export const TRANSACTIONAL = 0x10;
export const CONTROL = 0x20;

export async function findTxnCoordinator(c: RawClient, transactionalId: string) {
  const res = await c.request(API.FIND_COORDINATOR, 4, { keyType: 1, coordinatorKeys: [transactionalId] });
  return res.coordinators[0];
}

/** Waits until the broker on `port` names a coordinator for `transactionalId`; returns its node id. */
export async function waitForTxnCoordinator(port: number, transactionalId: string, timeoutMs = 20_000): Promise<number> {
  let nodeId = -1;
  await waitForAsync(async () => {
    const c = await RawClient.connect(port);
    try {
      const found = await findTxnCoordinator(c, transactionalId);
      nodeId = found.nodeId;
      return found.errorCode === 0;
    } finally {
      c.close();
    }
  }, timeoutMs, 'a transaction coordinator');
  return nodeId;
}

/**
 * Opens a transaction over the raw protocol, retrying each step while the cluster settles:
 * InitProducerId on `coordinator`, AddPartitionsToTxn for `topic`-`partition`, then one
 * transactional batch of 2 records produced with `acks` to `leader`. Returns the producer.
 */
export async function openTransaction(coordinator: RawClient, leader: RawClient, engine: Engine, transactionalId: string, topic: string, partition = 0, acks = -1) {
  let init = { errorCode: -1, producerId: -1, producerEpoch: -1 };
  await waitForAsync(async () => (init = await initProducerId(coordinator, transactionalId)).errorCode === 0, 10_000, 'InitProducerId answered by the coordinator');
  const { producerId, producerEpoch } = init;
  await waitForAsync(async () => (await addPartitions(coordinator, transactionalId, producerId, producerEpoch, [{ name: topic, partitions: [partition] }]))[`${topic}-${partition}`] === 0, 10_000, 'the partition added');
  await waitForAsync(async () => (await produceTransactional(leader, engine, topic, partition, producerId, producerEpoch, 0, 2, acks)) === 0, 10_000, 'the transactional produce');
  return { producerId, producerEpoch };
}

export async function initProducerId(c: RawClient, transactionalId: string | null, transactionTimeoutMs = 60_000, version = 4, producerId = -1, producerEpoch = -1) {
  return c.request(API.INIT_PRODUCER_ID, version, { transactionalId, transactionTimeoutMs, producerId, producerEpoch });
}

/** AddPartitionsToTxn v0-3: the per-partition error codes as "topic-partition" → code. */
export async function addPartitions(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, topics: Array<{ name: string; partitions: number[] }>, version = 3) {
  const res = await c.request(API.ADD_PARTITIONS, version, { v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: topics });
  const out: Record<string, number> = {};
  for (const t of res.resultsByTopicV3AndBelow) for (const p of t.resultsByPartition) out[`${t.name}-${p.partitionIndex}`] = p.partitionErrorCode;
  return out;
}

/** AddOffsetsToTxn v3: the group's `__consumer_offsets` partition joins the transaction; the error code. */
export async function addOffsets(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<number> {
  return (await c.request(API.ADD_OFFSETS, 3, { transactionalId, producerId, producerEpoch, groupId })).errorCode;
}

/** TxnOffsetCommit at `version` (`body`: the request's fields); the per-partition error codes as "topic-partition" → code. */
export async function txnOffsetCommit(c: RawClient, version: number, body: Record<string, unknown>): Promise<Record<string, number>> {
  const topics = (body.topics as Array<{ name: string; partitions: Array<Record<string, unknown>> }>).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ committedLeaderEpoch: -1, committedMetadata: '', ...p })),
  }));
  const res = await c.request(API.TXN_OFFSET_COMMIT, version, { generationId: -1, memberId: '', groupInstanceId: null, ...body, topics });
  const out: Record<string, number> = {};
  for (const t of res.topics) for (const p of t.partitions) out[`${t.name}-${p.partitionIndex}`] = p.errorCode;
  return out;
}

/** OffsetFetch v7 for one partition of a group, with or without require_stable (KIP-447). */
export async function fetchCommitted(c: RawClient, groupId: string, topic: string, partition: number, requireStable: boolean): Promise<{ errorCode: number; committedOffset: number }> {
  const res = await c.request(API.OFFSET_FETCH, 7, { groupId, topics: [{ name: topic, partitionIndexes: [partition] }], requireStable });
  if (res.errorCode !== 0) return { errorCode: res.errorCode, committedOffset: -1 };
  const p = res.topics[0].partitions[0];
  return { errorCode: p.errorCode, committedOffset: Number(p.committedOffset) };
}

export async function endTxn(c: RawClient, transactionalId: string, producerId: number, producerEpoch: number, committed: boolean, version = 3): Promise<number> {
  return (await c.request(API.END_TXN, version, { transactionalId, producerId, producerEpoch, committed })).errorCode;
}

export async function describeTxn(c: RawClient, transactionalId: string) {
  return (await c.request(API.DESCRIBE_TXNS, 0, { transactionalIds: [transactionalId] })).transactionStates[0];
}

/** Produces `n` records as one transactional batch (acks `acks`); returns the partition's error code. */
export async function produceTransactional(c: RawClient, engine: Engine, topic: string, partition: number, producerId: number, producerEpoch: number, baseSequence: number, n = 2, acks = -1): Promise<number> {
  const records = engine.encodeRecordBatch(
    Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${baseSequence + i}`), value: Buffer.from(`v${baseSequence + i}`) })),
    { producerId, producerEpoch, baseSequence, attributes: TRANSACTIONAL },
  );
  const res = await c.request(API.PRODUCE, 9, createProduceRequest({ transactionalId: null, acks, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }));
  return res.responses[0].partitionResponses[0].errorCode;
}

export interface FetchedBatch {
  baseOffset: number;
  attributes: number;
  producerId: number;
  producerEpoch: number;
  /** For a control batch: 0 ABORT, 1 COMMIT (the key's type); else null. */
  controlType: number | null;
}

/** Every batch of a partition from offset 0, read with Fetch v11 (read_uncommitted). */
export async function fetchBatches(c: RawClient, topic: string, partition: number): Promise<FetchedBatch[]> {
  const res = await c.request(
    API.FETCH,
    11,
    createFetchRequest({ replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, topics: [{ topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] } as never] }),
  );
  const bytes: Uint8Array = res.responses[0].partitions[0].records ?? new Uint8Array(0);
  const out: FetchedBatch[] = [];
  let pos = 0;
  while (pos + RECORD_BATCH_OVERHEAD <= bytes.byteLength) {
    const h = readBatchHeader(bytes, pos, pos);
    if (pos + h.sizeInBytes > bytes.byteLength) break;
    let controlType: number | null = null;
    if ((h.attributes & CONTROL) !== 0) {
      // First record: length, attributes, timestampDelta, offsetDelta, keyLength (varints), key = int16 version + int16 type.
      let at = pos + RECORD_BATCH_OVERHEAD;
      const varint = () => {
        let shift = 0;
        let raw = 0;
        for (;;) {
          const b = bytes[at++]!;
          raw |= (b & 0x7f) << shift;
          if ((b & 0x80) === 0) break;
          shift += 7;
        }
        return (raw >>> 1) ^ -(raw & 1);
      };
      varint();
      at++;
      varint();
      varint();
      varint();
      controlType = new DataView(bytes.buffer, bytes.byteOffset + at + 2, 2).getInt16(0);
    }
    out.push({ baseOffset: h.baseOffset, attributes: h.attributes, producerId: h.producerId, producerEpoch: h.producerEpoch, controlType });
    pos += h.sizeInBytes;
  }
  return out;
}

/** Polls DescribeTransactions until the id's state is `state` (bounded: `timeoutMs`). */
export async function waitForState(c: RawClient, transactionalId: string, state: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await describeTxn(c, transactionalId);
    if (d.transactionState === state) return d;
    if (Date.now() > deadline) throw new Error(`${transactionalId} is ${d.transactionState}, not ${state}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
