/**
 * Gregor's own client (src/client, over WebSocket) as a benchmark process, run by
 * bench/run.ts like kcat: prints one JSON line.
 *
 *   node dist/bench/e2e/ws-client.js produce --url ws://… --topic T --first I --count N --value-bytes V --acks 1|-1
 *     send() calls of 1,000 records, up to 64 outstanding; batch.size 1 MiB, linger.ms 5, the
 *     WASM encoder; → { ms, latenciesMs: [per send() call, ack latency] }
 *   node dist/bench/e2e/ws-client.js consume --url ws://… --topic T --count N --partitions P
 *     every partition from offset 0 until N records; → { ms, count, checksum }
 */
import { connect } from '../../src/client/node.js';
import { Checksum, KEY_BYTES, writeKey, writeValue } from './records.js';

const CHUNK = 1000;
const WINDOW = 64;

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

async function produce(): Promise<object> {
  const url = arg('url');
  const topic = arg('topic');
  const first = Number(arg('first'));
  const count = Number(arg('count'));
  const valueBytes = Number(arg('value-bytes'));
  const acks = Number(arg('acks')) as 1 | -1;
  const keys = new Uint8Array(count * KEY_BYTES);
  const values = new Uint8Array(count * valueBytes);
  for (let r = 0; r < count; r++) {
    writeKey(keys, r * KEY_BYTES, first + r);
    writeValue(values, r * valueBytes, first + r, valueBytes);
  }
  const client = await connect(url);
  const producer = client.producer({ acks, batchSize: 1024 * 1024, lingerMs: 5, bufferMemory: 256 * 1024 * 1024 });
  const latenciesMs: number[] = [];
  const pending: Array<Promise<unknown>> = [];
  const start = performance.now();
  for (let at = 0; at < count; at += CHUNK) {
    const n = Math.min(CHUNK, count - at);
    const messages = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = at + i;
      messages[i] = { key: keys.subarray(r * KEY_BYTES, (r + 1) * KEY_BYTES), value: values.subarray(r * valueBytes, (r + 1) * valueBytes) };
    }
    const sent = performance.now();
    pending.push(producer.send({ topic, messages }).then(() => latenciesMs.push(performance.now() - sent)));
    if (pending.length >= WINDOW) await pending.shift();
  }
  await Promise.all(pending);
  const ms = performance.now() - start;
  await client.close();
  if (client.encoderKind !== 'wasm') throw new Error(`the client encoded with ${client.encoderKind}, not wasm`);
  return { ms, latenciesMs: latenciesMs.map((x) => Math.round(x * 1000) / 1000), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

async function consume(): Promise<object> {
  const url = arg('url');
  const topic = arg('topic');
  const count = Number(arg('count'));
  const partitions = Number(arg('partitions'));
  const client = await connect(url);
  const consumer = client.consumer({ autoOffsetReset: 'earliest', maxBytesPerPartition: 8 * 1024 * 1024 });
  const checksum = new Checksum();
  const start = performance.now();
  await consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
  await new Promise<void>((resolve, reject) => {
    consumer.run({
      eachBatch: ({ records }) => {
        for (const r of records) checksum.add(r.value!);
        if (checksum.count >= count) resolve();
      },
      onError: reject,
    });
  });
  const ms = performance.now() - start;
  await client.close();
  return { ms, count: checksum.count, checksum: checksum.digest(), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

const result = process.argv[2] === 'produce' ? await produce() : await consume();
/** start/end: epoch ms (high resolution) of the measured span, so the harness can merge producers. */
// Exit once the line is flushed (a pipe's write is asynchronous; exiting first would cut it).
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
