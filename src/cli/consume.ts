/**
 * `gregor consume <topic>`: kafka-console-consumer for any Kafka-compatible broker, over
 * @platformatic/kafka.
 *
 *   gregor consume <topic> [-b host:port] [--from-beginning | --offset N|earliest|latest |
 *       --timestamp MS] [--group G] [--partition N] [--max-messages N] [--timeout-ms MS]
 *       [--isolation-level read_uncommitted|read_committed] [--format FMT|json]
 *       [--command-config F | --consumer.config F] [--consumer-property k=v …]
 *
 * Output: one formatted record per record on stdout (record-format.ts: %k %v %h %t %p %o %T …,
 * default `%v\n`, the value alone as kafka-console-consumer prints it; `json` for JSON Lines).
 * At exit, `Processed a total of N messages` on stderr, as Kafka's tool prints it.
 *
 * Where reading starts:
 * - In a group (--group or group.id): from the group's committed offsets; partitions without
 *   one start at the log end, or at the log start with --from-beginning or
 *   auto.offset.reset=earliest. The group's assignor splits the partitions among its members.
 * - Without a group: at the log end; --from-beginning at the log start; --offset on the
 *   --partition given (Kafka's rule: --offset needs --partition); --timestamp at the first
 *   record whose timestamp is at or after MS (ListOffsets), the log end where there is none.
 *   --partition restricts reading to that partition.
 *   @platformatic/kafka's consumer only reads the partitions a group assigns it (its Consumer
 *   requires a groupId and its MessagesStream fetches `consumer.assignments`), so, exactly as
 *   kafka-console-consumer does when given no group, we use a throwaway group
 *   `console-consumer-<random>` of which we are the only member, never commit to it, and
 *   assign ourselves the partitions wanted. The alternative, a fetch loop of our own, would be
 *   a second consumer implementation. The cost: the broker's group.initial.rebalance.delay.ms
 *   (3 s by default) before the first record, as with Kafka's tool.
 *
 * Offsets, in a group with enable.auto.commit=true (the default): what has been printed is
 * committed every auto.commit.interval.ms (5000) and at exit, after --max-messages, after
 * --timeout-ms without a record, or on SIGINT/SIGTERM; then the consumer leaves the group.
 * Records of partitions taken away by a rebalance are not committed by us (their new owner
 * reads them again: at least once). Without a group nothing is committed.
 *
 * Errors: one line `gregor: ERROR_NAME: detail` (e.g. UNKNOWN_TOPIC_OR_PARTITION), exit 1.
 */
import { randomInt } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
// Types only: the client is imported when the command runs, so other commands start without it.
import type { Consumer, ConsumeOptions, GroupPartitionsAssigner, Message, MessagesStream } from '@platformatic/kafka';
import { describeError } from './kafka-client-errors.js';
import { type ConsoleConnection, consoleCommand, consoleConnection, intOption, retryBackoff, topicPartitionCount } from './console-options.js';
import { recordFormatter } from './record-format.js';

interface ConsumeCliOptions extends ConsoleConnection {
  fromBeginning?: boolean;
  offset?: bigint | 'earliest' | 'latest';
  timestamp?: number;
  group?: string;
  partition?: number;
  maxMessages?: number;
  timeoutMs?: number;
  isolationLevel?: 'read_uncommitted' | 'read_committed';
  format: string;
}

type Positioning = Pick<ConsumeOptions<Buffer, Buffer, Buffer, Buffer>, 'mode' | 'fallbackMode' | 'offsets'>;

function parseOffset(value: string): bigint | 'earliest' | 'latest' {
  if (value === 'earliest' || value === 'latest') return value;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an offset (a non-negative number, earliest or latest)`);
  return BigInt(value);
}

/** Kafka's console-consumer option rules, as one line each. */
function checkCombination(opts: ConsumeCliOptions, grouped: boolean): void {
  const starts = [opts.fromBeginning && '--from-beginning', opts.offset !== undefined && '--offset', opts.timestamp !== undefined && '--timestamp'].filter(Boolean);
  if (starts.length > 1) throw new Error(`options ${starts.join(' and ')} cannot be specified together`);
  if (opts.offset !== undefined && opts.partition === undefined) throw new Error('the partition is required when offset is specified');
  if (grouped && (opts.partition !== undefined || opts.offset !== undefined || opts.timestamp !== undefined)) {
    throw new Error('--partition, --offset and --timestamp read without a group; a group reads from its committed offsets');
  }
}

/** An assignor giving the only member of a throwaway group just `partitions` of `topic`. */
function assignOnly(topic: string, partitions: number[]): GroupPartitionsAssigner {
  return (memberId) => [{ memberId, assignments: new Map([[topic, { topic, partitions }]]) }];
}

async function positioning(consumer: Consumer, topic: string, opts: ConsumeCliOptions, grouped: boolean, props: Record<string, string>): Promise<Positioning> {
  if (grouped) {
    const earliest = opts.fromBeginning || props['auto.offset.reset'] === 'earliest';
    return { mode: 'committed', fallbackMode: earliest ? 'earliest' : 'latest' };
  }
  if (opts.fromBeginning || opts.offset === 'earliest') return { mode: 'earliest' };
  if (typeof opts.offset === 'bigint') return { mode: 'manual', offsets: [{ topic, partition: opts.partition!, offset: opts.offset }] };
  if (opts.timestamp !== undefined) {
    const found = await consumer.listOffsets({
      topics: [topic],
      ...(opts.partition === undefined ? {} : { partitions: { [topic]: [opts.partition] } }),
      timestamp: BigInt(opts.timestamp),
    });
    // -1: no record at or after the timestamp; MANUAL mode starts such partitions at the log end.
    const offsets = [...(found.get(topic) ?? [])].flatMap((offset, partition) => (offset !== undefined && offset >= 0n ? [{ topic, partition, offset }] : []));
    return { mode: 'manual', offsets };
  }
  return { mode: 'latest' };
}

async function consume(topic: string, opts: ConsumeCliOptions): Promise<void> {
  const { props, connection } = consoleConnection(opts, 'consumer');
  const format = recordFormatter(opts.format);
  const group = opts.group ?? props['group.id'];
  const grouped = group !== undefined;
  checkCombination(opts, grouped);
  const autoCommit = grouped && (props['enable.auto.commit'] ?? 'true') === 'true';
  const commitIntervalMs = intOption('auto.commit.interval.ms', 1)(props['auto.commit.interval.ms'] ?? '5000');
  const isolation = opts.isolationLevel ?? props['isolation.level'] ?? 'read_uncommitted';
  if (isolation !== 'read_committed' && isolation !== 'read_uncommitted') throw new Error(`isolation.level "${isolation}" is not read_committed or read_uncommitted`);

  const { Consumer } = await import('@platformatic/kafka');
  const consumer = new Consumer({
    ...connection,
    retryDelay: retryBackoff(props),
    groupId: group ?? `console-consumer-${randomInt(100_000)}`,
    autocommit: false,
    isolationLevel: isolation === 'read_committed' ? 1 : 0,
    maxWaitTime: intOption('fetch.max.wait.ms', 0)(props['fetch.max.wait.ms'] ?? '500'),
    sessionTimeout: intOption('session.timeout.ms', 1)(props['session.timeout.ms'] ?? '45000'),
    heartbeatInterval: intOption('heartbeat.interval.ms', 1)(props['heartbeat.interval.ms'] ?? '3000'),
  });
  let processed = 0;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;
  try {
    await topicPartitionCount(consumer, topic, opts.partition);
    const messages = await consumer.consume({
      topics: [topic],
      ...(await positioning(consumer, topic, opts, grouped, props)),
      ...(grouped || opts.partition === undefined ? {} : { partitionAssigner: assignOnly(topic, [opts.partition]) }),
    });
    stream = messages;

    // Next offset to commit per partition: one past the last record printed.
    const printed = new Map<number, bigint>();
    const commit = async () => {
      const owned = new Set(consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? []);
      const offsets = [...printed].filter(([p]) => owned.has(p)).map(([partition, offset]) => ({ topic, partition, offset, leaderEpoch: -1 }));
      printed.clear();
      if (offsets.length > 0) await consumer.commit({ offsets });
    };
    const commitTimer = autoCommit ? setInterval(() => void commit().catch((err) => process.stderr.write(`gregor: commit failed: ${describeError(err)}\n`)), commitIntervalMs) : null;

    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | null = null;
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        if (idle) clearTimeout(idle);
        if (commitTimer) clearInterval(commitTimer);
        messages.pause();
        (autoCommit ? commit() : Promise.resolve()).then(resolve, reject);
      };
      const rearm = () => {
        if (opts.timeoutMs === undefined) return;
        if (idle) clearTimeout(idle);
        idle = setTimeout(stop, opts.timeoutMs);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      rearm();
      messages.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
        if (stopping) return;
        processed++;
        printed.set(message.partition, message.offset + 1n);
        if (!process.stdout.write(format(message))) {
          messages.pause();
          process.stdout.once('drain', () => stopping || messages.resume());
        }
        if (opts.maxMessages !== undefined && processed >= opts.maxMessages) stop();
        else rearm();
      });
      messages.on('error', (err) => {
        stopping = true;
        if (idle) clearTimeout(idle);
        if (commitTimer) clearInterval(commitTimer);
        reject(err);
      });
      messages.on('end', stop);
    });
  } finally {
    await stream?.close().catch(() => {});
    await consumer.close().catch(() => {});
  }
  process.stderr.write(`Processed a total of ${processed} messages\n`);
}

/** Registers `gregor consume <topic>`. */
export function registerConsumeCommand(program: Command): void {
  const cmd = program
    .command('consume <topic>')
    .description('print records to stdout, as kafka-console-consumer does')
    .option('--from-beginning', 'start at the log start (in a group: where the group has no committed offset)')
    .option('--offset <offset>', 'start at this offset of --partition (a number, earliest or latest)', parseOffset)
    .option('--timestamp <ms>', 'start at the first record at or after this time (ms since the epoch)', intOption('a timestamp in ms', 0))
    .option('-g, --group <group>', 'consume as a member of this group, committing offsets')
    .option('-p, --partition <n>', 'read only this partition', intOption('a partition', 0, 2 ** 31 - 1))
    .option('--max-messages <n>', 'exit after this many records', intOption('a record count', 1))
    .option('--timeout-ms <ms>', 'exit when no record arrives for this long', intOption('a time in ms', 1))
    .addOption(new Option('--isolation-level <level>', 'isolation.level (default read_uncommitted)').choices(['read_uncommitted', 'read_committed']))
    .option('--format <format>', 'printf-style: %k %v %h %t %p %o %T %K %V, escapes \\n \\t \\xNN; or json', '%v\\n');
  consoleCommand<ConsumeCliOptions>(cmd, 'consumer', consume);
}
