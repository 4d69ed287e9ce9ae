/**
 * `gregor perf produce|consume`: kafka-producer-perf-test and kafka-consumer-perf-test
 * against any Kafka-compatible broker (engine in src/perf/):
 *
 *   gregor perf produce --topic T --num-records N (--record-size B | --payload-file F
 *       [--payload-delimiter D]) --throughput R|-1 [--producer-props k=v …]
 *       [--producer.config FILE] [-b host:port] [--reporting-interval MS] [--print-metrics]
 *       [--json] [--report out.html] [--compare host:port --runs N]
 *   gregor perf consume --topic T --messages N [--group G] [--timeout MS] [--from-latest]
 *       [--consumer.config FILE] [--consumer-props k=v …] [-b host:port] [--print-metrics]
 *       [--json] [--report out.html] [--compare host:port --runs N]
 *
 * stdout carries Kafka's lines (periodic + final for produce; header + line for consume),
 * or with --json one JSON document at the end. On a terminal stderr shows a progress bar
 * (the periodic lines print above it); otherwise periodic lines only (for consume on
 * stderr, as plain `N records consumed, …` lines). Exit code 1 with `gregor: <message>` when
 * the run fails or any record failed.
 * The work is in src/cli/perf-commands.ts, loaded when a perf command runs.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { intOption } from './console-options.js';
import type { ConsumeOpts, ProduceOpts } from './perf-commands.js';

function throughputArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || (n <= 0 && n !== -1)) throw new InvalidArgumentError(`"${value}" is not a rate in records/s (> 0) or -1 (unthrottled)`);
  return n;
}

/** The options both commands take: the address, the outputs, --compare. */
function withCommonOptions(cmd: Command, jsonHolds: string, reportShows: string): Command {
  return cmd
    .option('-b, --bootstrap-server <list>', 'host:port[,host:port…] (or bootstrap.servers in the properties)')
    .option('--json', `print one JSON document (${jsonHolds}) instead of the lines`)
    .option('--report <file>', `write a self-contained HTML report (${reportShows})`)
    .option('--compare <bootstrap2>', 'run the same workload against -b (A) and this broker (B) alternately; print B/A ratios')
    .option('--runs <n>', 'pairs of runs for --compare', intOption('a run count >= 1', 1), 3);
}

/** Adds `perf produce` and `perf consume` to the `gregor` program. */
export function registerPerfCommand(program: Command): void {
  const perf = program.command('perf').description('benchmark any Kafka-compatible broker (kafka-producer-perf-test / kafka-consumer-perf-test)');
  const produceCommand = perf
    .command('produce')
    .description("kafka-producer-perf-test: send records as fast as allowed, report throughput and send→ack latency")
    .requiredOption('--topic <topic>', 'topic to produce to')
    .requiredOption('--num-records <n>', 'number of records to produce', intOption('a record count >= 1', 1))
    .option('--record-size <bytes>', 'value size of each record (random letters)', intOption('a size in bytes', 0))
    .option('--payload-file <file>', 'values read from this file, split at --payload-delimiter, picked at random')
    .option('--payload-delimiter <d>', 'delimiter of --payload-file', '\\n')
    .requiredOption('--throughput <rate>', 'records/s to hold; -1 for no limit', throughputArg)
    .option('--producer-props <k=v...>', 'producer properties (Kafka names: acks, batch.size, linger.ms, compression.type, …)')
    .option('--producer.config <file>', 'producer properties file')
    .option('--print-metrics', "print the producer's metrics at the end (Kafka's names and layout)")
    .option('--reporting-interval <ms>', 'ms between periodic lines', intOption('a time in ms', 1), 5000);
  withCommonOptions(produceCommand, 'summary, percentiles, windows, per-second series', 'throughput over time, latency percentiles').action(async (opts: ProduceOpts) => {
    const { failOnError, produce } = await import('./perf-commands.js');
    await failOnError(() => produce(opts));
  });
  const consumeCommand = perf
    .command('consume')
    .description('kafka-consumer-perf-test: read records in a consumer group, report MB/s and records/s')
    .requiredOption('--topic <topic>', 'topic to consume from')
    .requiredOption('--messages <n>', 'number of records to read', intOption('a record count >= 1', 1))
    .option('--group <id>', 'consumer group id (default perf-consumer-<random>)')
    .option('--timeout <ms>', 'give up after this long without a record', intOption('a time in ms', 1), 10_000)
    .option('--from-latest', 'start at the log end when the group has no committed offset (default: the beginning)')
    .option('--consumer.config <file>', 'consumer properties file')
    .option('--consumer-props <k=v...>', 'consumer properties (Kafka names)')
    .option('--print-metrics', "print the consumer's metrics at the end (Kafka's names and layout)")
    .option('--reporting-interval <ms>', 'ms between progress lines when stderr is not a terminal', intOption('a time in ms', 1), 5000);
  withCommonOptions(consumeCommand, 'summary, per-second series', 'records read over time').action(async (opts: ConsumeOpts) => {
    const { consume, failOnError } = await import('./perf-commands.js');
    await failOnError(() => consume(opts));
  });
}
