/**
 * What `gregor produce` and `gregor consume` share: Kafka's console-tool connection options
 * and one way to say what went wrong in Kafka's terms.
 *
 *   -b, --bootstrap-server host:port[,host:port…]
 *   --command-config FILE | --producer.config FILE | --consumer.config FILE   (client properties)
 *   --producer-property k=v | --consumer-property k=v                          (repeatable; win)
 *
 * The properties go through kafkaConnectionOptions (security.protocol, sasl.*, ssl.*,
 * client.id); each tool also reads the few client keys it honours (acks, linger.ms, group.id…).
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { ClusterMetadata, MetadataOptions } from '@platformatic/kafka';
import { describeError } from './kafka-client-errors.js';
import { clientProperties, type KafkaConnectionOptions, kafkaConnectionOptions } from './kafka-client-options.js';

/** The parsed connection options of a console tool. */
export interface ConsoleConnection {
  bootstrapServer: string;
  commandConfig?: string;
  'producer.config'?: string;
  'consumer.config'?: string;
  producerProperty?: string[];
  consumerProperty?: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Adds the connection options for `role` to `cmd` and makes `run(topic, opts)` its action:
 * any failure becomes one stderr line `gregor: <describeError>` and exit code 1 (commander's
 * own option errors stay one line too: no help text after them).
 */
export function consoleCommand<Opts extends ConsoleConnection>(cmd: Command, role: 'producer' | 'consumer', run: (topic: string, opts: Opts) => Promise<void>): void {
  consoleConnectionOptions(cmd, role)
    .showHelpAfterError(false)
    .action(async (topic: string, opts: Opts) => {
      try {
        await run(topic, opts);
      } catch (err) {
        process.stderr.write(`gregor: ${describeError(err)}\n`);
        process.exitCode = 1;
      }
    });
}

/**
 * Adds the connection options to `cmd` for `role` ('producer' adds --producer.config and
 * --producer-property; 'consumer' the consumer ones).
 */
export function consoleConnectionOptions(cmd: Command, role: 'producer' | 'consumer'): Command {
  return cmd
    .option('-b, --bootstrap-server <host:port>', 'the brokers to bootstrap from (comma-separated)', 'localhost:9092')
    .option('--command-config <file>', 'Kafka client properties (security.protocol, sasl.*, ssl.*, client.id …)')
    .option(`--${role}.config <file>`, `${role} properties file (as kafka-console-${role} reads it)`)
    .option(`--${role}-property <key=value>`, `a ${role} property; repeatable, wins over the files`, collect, []);
}

/**
 * The client properties (files first, then `key=value` overrides) and the @platformatic/kafka
 * connection options they describe. Errors: Error/ConfigError for unreadable files, entries
 * without `=` or invalid security settings.
 */
export function consoleConnection(opts: ConsoleConnection, role: 'producer' | 'consumer'): { props: Record<string, string>; connection: KafkaConnectionOptions } {
  const files = [opts.commandConfig, opts[`${role}.config`]].filter((f): f is string => f !== undefined);
  const overrides = (role === 'producer' ? opts.producerProperty : opts.consumerProperty) ?? [];
  const props = files.reduce<Record<string, string>>((acc, file) => ({ ...acc, ...clientProperties(file) }), {});
  Object.assign(props, clientProperties(undefined, overrides));
  return { props, connection: kafkaConnectionOptions(opts.bootstrapServer, props, `gregor-console-${role}`) };
}

/**
 * The client's wait between retries as Kafka's clients do it (KIP-580): retry.backoff.ms
 * (default 100) doubling per attempt up to retry.backoff.max.ms (default 1000). Units: ms.
 * (@platformatic/kafka's own default is a flat 1000 ms, which makes an unknown topic take
 * seconds to report.)
 */
export function retryBackoff(props: Readonly<Record<string, string>>): (client: unknown, operationId: string, attempt: number) => number {
  const baseMs = intOption('retry.backoff.ms', 0)(props['retry.backoff.ms'] ?? '100');
  const maxMs = intOption('retry.backoff.max.ms', 0)(props['retry.backoff.max.ms'] ?? '1000');
  return (_client, _operationId, attempt) => Math.min(baseMs * 2 ** Math.max(0, attempt - 1), Math.max(baseMs, maxMs));
}

/** A commander parser for an integer option in [min, max]. */
export function intOption(what: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`"${value}" is not ${what} in [${min}, ${max}]`);
    return n;
  };
}

/**
 * The number of partitions of `topic` (Metadata, no auto-creation), checking `partition` is one
 * of them. Errors: `UNKNOWN_TOPIC_OR_PARTITION: …` for an unknown topic or partition (the
 * client reports an unknown topic as a plain "Unknown topic X." UserError; we name the code).
 */
export async function topicPartitionCount(client: { metadata(options: MetadataOptions): Promise<ClusterMetadata> }, topic: string, partition?: number): Promise<number> {
  let metadata: ClusterMetadata;
  try {
    metadata = await client.metadata({ topics: [topic], autocreateTopics: false });
  } catch (err) {
    if (/^Unknown topic /.test((err as Error).message)) throw new Error(`UNKNOWN_TOPIC_OR_PARTITION: topic ${topic} does not exist`);
    throw err;
  }
  const count = metadata.topics.get(topic)!.partitionsCount;
  if (partition !== undefined && partition >= count) throw new Error(`UNKNOWN_TOPIC_OR_PARTITION: partition ${partition} does not exist (${topic} has ${count})`);
  return count;
}
