/**
 * `gregor transactions …`: what kafka-transactions.sh shows, over ListTransactions,
 * DescribeTransactions and DescribeProducers (KIP-664):
 *
 *   gregor transactions list                                  every broker's coordinated transactional ids
 *   gregor transactions describe --transactional-id <id>      state, producer, timeout, partitions
 *   gregor transactions describe-producers --topic <t> --partition <p>
 *   gregor transactions abort --topic <t> --partition <p> --start-offset <o>
 *                             | --producer-id <id> --producer-epoch <e> --coordinator-epoch <c>
 *
 * `abort` ends a hanging transaction on one partition (KIP-664): it finds the producer whose
 * open transaction starts at `--start-offset` (DescribeProducers), then asks the partition's
 * leader to write an ABORT marker for it (WriteTxnMarkers, which needs CLUSTER_ACTION on the
 * cluster: an administrator's tool, as in Kafka).
 *
 * Tab-separated tables with Kafka's column names. `describe` asks the id's coordinator
 * (FindCoordinator), `describe-producers` the partition's leader. Exit code 1 with
 * `gregor: <ERROR_NAME>: …` when a broker refuses.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { KafkaClient } from '../network/kafka-client.js';
import { ErrorCode, errorName } from '../protocol/error-codes.js';
import type { DescribeProducersResponse } from '../protocol/generated/describe-producers-response.js';
import type { DescribeTransactionsResponse } from '../protocol/generated/describe-transactions-response.js';
import type { FindCoordinatorResponse } from '../protocol/generated/find-coordinator-response.js';
import type { ListTransactionsResponse } from '../protocol/generated/list-transactions-response.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import type { WriteTxnMarkersResponse } from '../protocol/generated/write-txn-markers-response.js';
import { createDescribeProducersRequest } from '../protocol/generated/describe-producers-request.js';
import { createDescribeTransactionsRequest } from '../protocol/generated/describe-transactions-request.js';
import { createFindCoordinatorRequest } from '../protocol/generated/find-coordinator-request.js';
import { createListTransactionsRequest } from '../protocol/generated/list-transactions-request.js';
import { createMetadataRequest } from '../protocol/generated/metadata-request.js';
import { createWriteTxnMarkersRequest } from '../protocol/generated/write-txn-markers-request.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { adminOptions, withAdminClient } from './admin-client.js';

const METADATA = 3;
const FIND_COORDINATOR = 10;
const WRITE_TXN_MARKERS = 27;
const DESCRIBE_PRODUCERS = 61;
const DESCRIBE_TRANSACTIONS = 65;
const LIST_TRANSACTIONS = 66;
const KEY_TYPE_TRANSACTION = 1;

type Connect = (hostPort: string) => Promise<KafkaClient>;

function partitionNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a partition number`);
  return n;
}

/** Runs `body` on a connection to `host:port`, closing it afterwards. */
async function onBroker<T>(connectTo: Connect, host: string, port: number, body: (c: KafkaClient) => Promise<T>): Promise<T> {
  const c = await connectTo(`${host}:${port}`);
  try {
    return await body(c);
  } finally {
    c.close();
  }
}

function integerOption(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`"${value}" is not ${what}`);
    return n;
  };
}

/** The leader's `host:port` of `topic`-`partition`. Errors: UNKNOWN_TOPIC_OR_PARTITION (no such topic, partition or leader). */
async function partitionLeader(client: KafkaClient, topic: string, partition: number): Promise<{ host: string; port: number }> {
  const { response: meta } = await client.request<MetadataResponse>(METADATA, createMetadataRequest({ topics: [{ name: topic, topicId: ZERO_UUID }], allowAutoTopicCreation: false }));
  const t = meta.topics[0];
  if (!t || t.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)}: topic "${topic}"`);
  const leaderId = t.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
  const leader = meta.brokers.find((b) => b.nodeId === leaderId);
  if (!leader) throw new Error(`${errorName(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)}: ${topic}-${partition} has no leader`);
  return leader;
}

/** The partition's active producers as its leader reports them (DescribeProducers). */
async function describeProducers(client: KafkaClient, connectTo: Connect, topic: string, partition: number) {
  const leader = await partitionLeader(client, topic, partition);
  const { response } = await onBroker(connectTo, leader.host, leader.port, (c) =>
    c.request<DescribeProducersResponse>(DESCRIBE_PRODUCERS, createDescribeProducersRequest({ topics: [{ name: topic, partitionIndexes: [partition] }] })));
  const p = response.topics[0]!.partitions[0]!;
  if (p.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(p.errorCode)}: ${p.errorMessage ?? `${topic}-${partition}`}`);
  return { leader, producers: p.activeProducers };
}

const table = (header: string[], rows: Array<Array<string | number | bigint>>) => [header, ...rows].map((r) => r.join('\t')).join('\n');

/** Adds the `transactions` command to the `gregor` program. */
export function registerTransactionsCommand(program: Command): void {
  const transactions = program.command('transactions').description('list and describe transactions and producers (kafka-transactions.sh)');

  adminOptions(transactions.command('list').description('every transactional id the brokers coordinate')).action(async (opts: { bootstrapServer: string }) => {
    await withAdminClient(opts, async (client, connectTo) => {
      const { response: meta } = await client.request<MetadataResponse>(METADATA, createMetadataRequest({ topics: [], allowAutoTopicCreation: false }));
      const rows: Array<Array<string | number | bigint>> = [];
      for (const b of [...meta.brokers].sort((x, y) => x.nodeId - y.nodeId)) {
        const { response } = await onBroker(connectTo, b.host, b.port, (c) => c.request<ListTransactionsResponse>(LIST_TRANSACTIONS, createListTransactionsRequest({ stateFilters: [], producerIdFilters: [] })));
        if (response.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(response.errorCode)}: broker ${b.nodeId} refused ListTransactions`);
        for (const t of response.transactionStates) rows.push([t.transactionalId, b.nodeId, t.producerId, t.transactionState]);
      }
      return table(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows);
    });
  });

  adminOptions(transactions.command('describe').description('one transactional id, from its coordinator').requiredOption('--transactional-id <id>', 'the transactional id'))
    .action(async (opts: { bootstrapServer: string; transactionalId: string }) => {
      await withAdminClient(opts, async (client, connectTo) => {
        const { response: found } = await client.request<FindCoordinatorResponse>(FIND_COORDINATOR, createFindCoordinatorRequest({ keyType: KEY_TYPE_TRANSACTION, key: opts.transactionalId, coordinatorKeys: [opts.transactionalId] }));
        const coordinator = found.coordinators?.[0] ?? { errorCode: found.errorCode, nodeId: found.nodeId, host: found.host, port: found.port, errorMessage: found.errorMessage };
        if (coordinator.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(coordinator.errorCode)}: ${coordinator.errorMessage ?? 'no coordinator'}`);
        const { response } = await onBroker(connectTo, coordinator.host, coordinator.port, (c) =>
          c.request<DescribeTransactionsResponse>(DESCRIBE_TRANSACTIONS, createDescribeTransactionsRequest({ transactionalIds: [opts.transactionalId] })));
        const s = response.transactionStates[0]!;
        if (s.errorCode !== ErrorCode.NONE) throw new Error(`${errorName(s.errorCode)}: transactional id "${opts.transactionalId}"`);
        const partitions = s.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).join(',');
        const start = Number(s.transactionStartTimeMs) < 0 ? 'None' : new Date(Number(s.transactionStartTimeMs)).toISOString();
        return table(
          ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TopicPartitions'],
          [[coordinator.nodeId, s.transactionalId, s.producerId, s.producerEpoch, s.transactionState, s.transactionTimeoutMs, start, partitions]],
        );
      });
    });

  adminOptions(
    transactions
      .command('describe-producers')
      .description('the active producers of one partition, from its leader')
      .requiredOption('--topic <topic>', 'the topic')
      .requiredOption('--partition <n>', 'the partition', partitionNumber),
  ).action(async (opts: { bootstrapServer: string; topic: string; partition: number }) => {
    await withAdminClient(opts, async (client, connectTo) => {
      const { producers } = await describeProducers(client, connectTo, opts.topic, opts.partition);
      return table(
        ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
        producers.map((a) => [a.producerId, a.producerEpoch, a.coordinatorEpoch, a.lastSequence, a.lastTimestamp, Number(a.currentTxnStartOffset) < 0 ? 'None' : a.currentTxnStartOffset]),
      );
    });
  });

  adminOptions(
    transactions
      .command('abort')
      .description('abort a hanging transaction (requires administrative privileges: CLUSTER_ACTION)')
      .requiredOption('--topic <topic>', 'topic name')
      .requiredOption('--partition <n>', 'partition number', partitionNumber)
      .option('--start-offset <offset>', 'start offset of the transaction to abort', integerOption('an offset'))
      .option('--producer-id <id>', 'producer id (instead of --start-offset)', integerOption('a producer id'))
      .option('--producer-epoch <epoch>', 'producer epoch (with --producer-id)', integerOption('a producer epoch'))
      .option('--coordinator-epoch <epoch>', 'coordinator epoch (with --producer-id)', integerOption('a coordinator epoch')),
  ).action(async (opts: { bootstrapServer: string; topic: string; partition: number; startOffset?: number; producerId?: number; producerEpoch?: number; coordinatorEpoch?: number }) => {
    await withAdminClient(opts, async (client, connectTo) => {
      const target = `${opts.topic}-${opts.partition}`;
      let spec: { producerId: number; producerEpoch: number; coordinatorEpoch: number };
      let leader: { host: string; port: number };
      if (opts.startOffset !== undefined) {
        const described = await describeProducers(client, connectTo, opts.topic, opts.partition);
        leader = described.leader;
        const open = described.producers.find((a) => Number(a.currentTxnStartOffset) === opts.startOffset);
        if (!open) throw new Error(`Could not find any open transactions starting at offset ${opts.startOffset} on partition ${target}`);
        spec = { producerId: Number(open.producerId), producerEpoch: open.producerEpoch, coordinatorEpoch: Math.max(0, open.coordinatorEpoch) };
      } else if (opts.producerId !== undefined) {
        if (opts.producerEpoch === undefined) throw new Error('Missing required argument --producer-epoch');
        if (opts.coordinatorEpoch === undefined) throw new Error('Missing required argument --coordinator-epoch');
        leader = await partitionLeader(client, opts.topic, opts.partition);
        // A coordinator epoch of -1 (a transaction that hung before its first marker): 0, which no marker epoch is below.
        spec = { producerId: opts.producerId, producerEpoch: opts.producerEpoch, coordinatorEpoch: Math.max(0, opts.coordinatorEpoch) };
      } else {
        throw new Error('The transaction to abort must be identified either with --start-offset or with --producer-id, --producer-epoch, and --coordinator-epoch');
      }
      const { response } = await onBroker(connectTo, leader.host, leader.port, (c) =>
        c.request<WriteTxnMarkersResponse>(WRITE_TXN_MARKERS, createWriteTxnMarkersRequest({
          markers: [{ ...spec, transactionResult: false, topics: [{ name: opts.topic, partitionIndexes: [opts.partition] }] }],
        })));
      const code = response.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      if (code !== ErrorCode.NONE) throw new Error(`${errorName(code)}: Failed to abort transaction of producer ${spec.producerId} (epoch ${spec.producerEpoch}) on ${target}`);
      return '';
    });
  });
}
