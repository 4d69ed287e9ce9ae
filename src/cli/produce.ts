/**
 * `gregor produce <topic>`: kafka-console-producer for any Kafka-compatible broker, over
 * @platformatic/kafka.
 *
 *   gregor produce <topic> [-b host:port] [--file F] [--key-separator SEP] [--header k=v …]
 *       [--partition N] [--acks all|-1|0|1] [--compression none|gzip|snappy|lz4|zstd]
 *       [--idempotent] [--batch-size BYTES] [--linger-ms MS]
 *       [--command-config F | --producer.config F] [--producer-property k=v …]
 *
 * Input: one record per line (LF; a trailing CR is dropped, as Java's readLine does) from
 * stdin or --file, as raw bytes. With --key-separator (escapes as in record-format.ts, e.g.
 * `\t`, `\x1f`) each line is `key SEP value`, split at the first separator, as
 * parse.key=true does; a line without it is refused (and counted as failed). Without it the
 * records have no key. --header adds the same headers to every record.
 *
 * Partitioning as Kafka's producer does it: --partition, else murmur2(key) mod partitions
 * (positive, as Java's Utils.toPositive), else one partition per batch (sticky, KIP-480).
 * The topic must exist (no auto-creation: an unknown topic is one error line, exit 1).
 *
 * Batching and backpressure: records collect until --batch-size bytes (batch.size, default
 * 16384) or --linger-ms (linger.ms, default 5 ms); one batch is in flight while the next one
 * fills, and input is not read further until the one in flight is acknowledged, so memory
 * stays near two batches however large the input. Batches go out in input order.
 *
 * Properties honoured (CLI options win): acks (default all), compression.type,
 * enable.idempotence (needs acks=all, as Kafka requires), batch.size, linger.ms, client.id,
 * and the security keys (security.protocol, sasl.*, ssl.*).
 *
 * Delivery errors: each failed record is one stderr line `gregor: line N: ERROR_NAME: detail`
 * (Kafka's error name, e.g. RECORD_TOO_LARGE); then `gregor: F of T records failed` and
 * exit code 1. Setup errors: one line `gregor: …`, exit code 1.
 */
import { createReadStream } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
// Types only: the client is imported when the command runs, so other commands start without it.
import type { MessageToProduce, Producer, ProduceResult } from '@platformatic/kafka';
import { describeError } from './kafka-client-errors.js';
import { type ConsoleConnection, consoleCommand, consoleConnection, intOption, retryBackoff, topicPartitionCount } from './console-options.js';
import { unescapeBytes } from './record-format.js';

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
type Compression = (typeof COMPRESSIONS)[number];

interface ProduceCliOptions extends ConsoleConnection {
  file?: string;
  keySeparator?: string;
  header: string[];
  partition?: number;
  acks?: string;
  compression?: Compression;
  idempotent?: boolean;
  batchSize?: number;
  lingerMs?: number;
}

/** One input line on its way to the broker; `line` is its 1-based line number. */
interface PendingRecord {
  line: number;
  message: MessageToProduce<Buffer, Buffer, string, Buffer>;
  bytes: number;
}

/** Settings after merging client properties and CLI options. */
interface ProduceSettings {
  acks: -1 | 0 | 1;
  compression: Compression;
  idempotent: boolean;
  batchBytes: number;
  lingerMs: number;
}

function parseAcks(value: string): -1 | 0 | 1 {
  if (value === 'all' || value === '-1') return -1;
  if (value === '0') return 0;
  if (value === '1') return 1;
  throw new InvalidArgumentError(`"${value}" is not an acks value (all, -1, 0, 1)`);
}

function settingsFrom(opts: ProduceCliOptions, props: Record<string, string>): ProduceSettings {
  const acks = parseAcks(opts.acks ?? props.acks ?? 'all');
  const compression = (opts.compression ?? props['compression.type'] ?? 'none') as Compression;
  if (!COMPRESSIONS.includes(compression)) throw new Error(`compression.type "${compression}" is not one of ${COMPRESSIONS.join(', ')}`);
  const idempotent = opts.idempotent ?? props['enable.idempotence'] === 'true';
  if (idempotent && acks !== -1) throw new Error('Must set acks to all in order to use the idempotent producer.');
  const batchBytes = opts.batchSize ?? intOption('batch.size', 1)(props['batch.size'] ?? '16384');
  const lingerMs = opts.lingerMs ?? intOption('linger.ms', 0)(props['linger.ms'] ?? '5');
  return { acks, compression, idempotent, batchBytes, lingerMs };
}

function parseHeaders(entries: readonly string[]): Record<string, Buffer> {
  const headers: Record<string, Buffer> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`--header "${entry}" is not key=value`);
    headers[entry.slice(0, eq)] = Buffer.from(entry.slice(eq + 1));
  }
  return headers;
}

/**
 * Splits a byte stream into lines (LF; a trailing CR dropped). Pulls one chunk at a time,
 * so the source is read only as fast as the consumer of the lines goes.
 */
export async function* readLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const data = rest.length > 0 ? Buffer.concat([rest, Buffer.from(chunk)]) : Buffer.from(chunk);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      yield data.subarray(start, end);
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
  }
  if (rest.length > 0) yield rest[rest.length - 1] === 13 ? rest.subarray(0, rest.length - 1) : rest;
}

/**
 * Sends batches in order with one in flight; records failures per input line.
 * `add` resolves once the caller may read on (the batch before the current one is done).
 */
class BatchSender {
  failed = 0;
  #batch: PendingRecord[] = [];
  #bytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #inflight: Promise<void> = Promise.resolve();
  #queued = 0;
  #sticky = 0;

  constructor(
    private readonly producer: Producer<Buffer, Buffer, string, Buffer>,
    private readonly settings: ProduceSettings,
    private readonly partitions: number,
    private readonly fixedPartition: number | undefined,
    /** murmur2(key), made positive as Java's Utils.toPositive does. */
    private readonly keyHash: (key: Buffer) => number,
  ) {}

  async add(record: PendingRecord): Promise<void> {
    this.#batch.push(record);
    this.#bytes += record.bytes;
    if (this.#bytes >= this.settings.batchBytes) await this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.settings.lingerMs);
    // A linger-flushed batch may queue behind the one in flight: never let more than one wait.
    if (this.#queued > 1) await this.#inflight;
  }

  /** Starts sending the current batch after the one in flight; resolves when that earlier one is done. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const previous = this.#inflight;
    if (this.#batch.length === 0) return previous;
    const batch = this.#batch;
    this.#batch = [];
    this.#bytes = 0;
    this.#queued++;
    this.#inflight = previous.then(() => this.#send(batch)).finally(() => this.#queued--);
    return previous;
  }

  /** Sends what is left and waits for every batch. */
  async end(): Promise<void> {
    this.flush();
    await this.#inflight;
  }

  #partitionOf(key: Buffer | undefined, batchPartition: number): number {
    if (this.fixedPartition !== undefined) return this.fixedPartition;
    if (key) return this.keyHash(key) % this.partitions;
    return batchPartition;
  }

  async #send(batch: PendingRecord[]): Promise<void> {
    const batchPartition = this.#sticky++ % this.partitions;
    for (const r of batch) r.message.partition = this.#partitionOf(r.message.key, batchPartition);
    try {
      const result = await this.producer.send({ messages: batch.map((r) => r.message) });
      if (result.unwritableNodes && result.unwritableNodes.length > 0) this.#fail(batch, 'NETWORK_EXCEPTION: the broker could not be written to (acks=0)');
    } catch (err) {
      const produced = (err as { produced?: ProduceResult }).produced;
      const done = new Set((produced?.offsets ?? []).map((o) => o.partition));
      this.#fail(batch.filter((r) => !done.has(r.message.partition!)), describeError(err));
    }
  }

  #fail(records: PendingRecord[], why: string): void {
    for (const r of records) process.stderr.write(`gregor: line ${r.line}: ${why}\n`);
    this.failed += records.length;
  }
}

async function produce(topic: string, opts: ProduceCliOptions): Promise<void> {
  const { props, connection } = consoleConnection(opts, 'producer');
  const settings = settingsFrom(opts, props);
  const headers = parseHeaders(opts.header);
  const separator = opts.keySeparator === undefined ? null : unescapeBytes(opts.keySeparator);
  if (separator !== null && separator.length === 0) throw new Error('--key-separator is empty');
  const headerBytes = Object.entries(headers).reduce((n, [k, v]) => n + k.length + v.length, 0);

  const { Producer, compatibilityPartitioner } = await import('@platformatic/kafka');
  const producer = new Producer<Buffer, Buffer, string, Buffer>({
    ...connection,
    retryDelay: retryBackoff(props),
    acks: settings.acks,
    compression: settings.compression,
    idempotent: settings.idempotent,
    autocreateTopics: false,
    serializers: { headerKey: (k?: string) => (k === undefined ? undefined : Buffer.from(k)) },
  });
  try {
    const partitions = await topicPartitionCount(producer, topic, opts.partition);
    const sender = new BatchSender(producer, settings, partitions, opts.partition, (key) => compatibilityPartitioner(undefined as never, key));
    const input = opts.file ? createReadStream(opts.file) : process.stdin;
    let line = 0;
    let total = 0;
    for await (const bytes of readLines(input)) {
      line++;
      total++;
      let key: Buffer | undefined;
      let value = bytes;
      if (separator) {
        const at = bytes.indexOf(separator);
        if (at < 0) {
          process.stderr.write(`gregor: line ${line}: no key separator found on line number ${line}\n`);
          sender.failed++;
          continue;
        }
        key = Buffer.from(bytes.subarray(0, at));
        value = bytes.subarray(at + separator.length);
      }
      value = Buffer.from(value);
      await sender.add({ line, message: { topic, key, value, headers }, bytes: (key?.length ?? 0) + value.length + headerBytes });
    }
    await sender.end();
    if (sender.failed > 0) {
      process.stderr.write(`gregor: ${sender.failed} of ${total} records failed\n`);
      process.exitCode = 1;
    }
  } finally {
    await producer.close().catch(() => {});
  }
}

/** Registers `gregor produce <topic>`. */
export function registerProduceCommand(program: Command): void {
  const cmd = program
    .command('produce <topic>')
    .description('send lines from stdin (or --file) as records, as kafka-console-producer does')
    .option('-f, --file <file>', 'read lines from this file instead of stdin')
    .option('--key-separator <sep>', 'each line is key<sep>value (parse.key=true); escapes \\t \\n \\xNN')
    .option('-H, --header <key=value>', 'a header on every record; repeatable', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('-p, --partition <n>', 'send every record to this partition', intOption('a partition', 0, 2 ** 31 - 1))
    .option('--acks <acks>', 'all|-1 (default), 1, 0 (acks)')
    .addOption(new Option('--compression <codec>', 'compression.type (default none)').choices([...COMPRESSIONS]))
    .option('--idempotent', 'enable.idempotence=true (needs acks=all)')
    .option('--batch-size <bytes>', 'send a batch once it holds this many bytes (batch.size, default 16384)', intOption('a byte count', 1))
    .option('--linger-ms <ms>', 'send a batch at most this long after its first record (linger.ms, default 5)', intOption('a time in ms', 0));
  consoleCommand<ProduceCliOptions>(cmd, 'producer', produce);
}
