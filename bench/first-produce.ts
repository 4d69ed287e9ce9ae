/**
 * The first produce to a new topic, build against build: what a request pays for work done
 * once per partition (before issue 12's fix, the leader-epoch checkpoint: two fsyncs per
 * partition on the first produce's path). Per run and build (alternating order): a fresh
 * broker (`bin/gregor.js start`, wasm, no workers) with a topic of `--partitions`; a KafkaJS
 * producer (acks=1, metadata already fetched) sends one 100 B record to every partition in
 * one request, then the same again; prints both round trips and their medians.
 *
 *   node dist/bench/first-produce.js --build base=/work/main --build new=. [--runs 5] [--partitions 4]
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBuildArg } from './build-arg.js';
import { startGregor } from './e2e/gregor-server.js';
import { percentile } from './e2e/records.js';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');

interface Args { builds: Array<{ name: string; tree: string }>; runs: number; partitions: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { builds: [], runs: 5, partitions: 4 };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i]!;
    switch (argv[i]) {
      case '--build': a.builds.push(parseBuildArg(next())); break;
      case '--runs': a.runs = Number(next()); break;
      case '--partitions': a.partitions = Number(next()); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (a.builds.length === 0) a.builds.push({ name: 'this', tree: resolve('.') });
  return a;
}

async function roundTrips(tree: string, partitions: number): Promise<[number, number]> {
  const server = await startGregor('wasm', 0, 'first', partitions, {}, { bin: join(tree, 'bin/gregor.js') });
  const kafka = new Kafka({ clientId: 'first-produce', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: ['first'] });
    await admin.disconnect();
    await producer.connect();
    const messages = Array.from({ length: partitions }, (_, partition) => ({ partition, value: 'x'.repeat(100) }));
    const send = async () => {
      const t0 = performance.now();
      await producer.send({ topic: 'first', acks: 1, messages });
      return performance.now() - t0;
    };
    const first = await send();
    return [first, await send()];
  } finally {
    await producer.disconnect();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const results = new Map(args.builds.map((b) => [b.name, [] as Array<[number, number]>]));
  console.log(`load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (let run = 0; run < args.runs; run++) {
    const order = run % 2 === 0 ? args.builds : [...args.builds].reverse();
    for (const build of order) {
      const [first, second] = await roundTrips(build.tree, args.partitions);
      results.get(build.name)!.push([first, second]);
      console.log(`run ${run} ${build.name}: first ${first.toFixed(2)} ms, second ${second.toFixed(2)} ms`);
    }
  }
  const median = (xs: number[]) => percentile([...xs].sort((x, y) => x - y), 50).toFixed(2);
  for (const [name, rs] of results) console.log(`${name}: median first ${median(rs.map((r) => r[0]))} ms, second ${median(rs.map((r) => r[1]))} ms (${rs.length} runs)`);
  console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
