/**
 * The client side of `npm run bench:websocket` (bench/websocket.ts runs it as a separate
 * process, as kcat is): produces or consumes N records through the WebSocket client
 * library and prints one JSON line with the elapsed time and checks.
 *
 *   node dist/bench/websocket-client.js produce|consume --url ws://127.0.0.1:PORT --topic bench --records N
 *
 * produce: 8-byte keys, 100-byte values (as bench/run.ts gives kcat), sent in send() calls of
 *   1,000 records with up to 64 calls outstanding; acks=1, batch.size 1 MiB, linger.ms 5.
 *   Reports ms from the first send to the last ack and each call's ack latency (p50/p99).
 * consume: a consumer from the earliest offset (CRC-32C checked) until N records; reports ms
 *   and a SHA-256 of the values in offset order.
 */
import { createHash } from 'node:crypto';
import { connect } from '../src/client/node.js';

const VALUE_BYTES = 100;
const KEY_BYTES = 8;
const CHUNK = 1000;
const WINDOW = 64;

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function produce(url: string, topic: string, records: number): Promise<object> {
  // Plain Uint8Arrays (views of two big arrays), as an application holding binary data has.
  const keys = new Uint8Array(records * KEY_BYTES);
  const values = new Uint8Array(records * VALUE_BYTES);
  for (let i = 0; i < records; i++) {
    for (let d = KEY_BYTES - 1, n = i; d >= 0; d--, n = Math.floor(n / 10)) keys[i * KEY_BYTES + d] = 0x30 + (n % 10);
    for (let j = 0; j < VALUE_BYTES; j++) values[i * VALUE_BYTES + j] = 0x61 + ((i + j) % 26);
  }
  const client = await connect(url);
  const producer = client.producer({ acks: 1, batchSize: 1024 * 1024, lingerMs: 5, bufferMemory: 256 * 1024 * 1024 });
  const latencies: number[] = [];
  const pending: Array<Promise<unknown>> = [];
  const start = performance.now();
  const chunkOf = (at: number, n: number) => {
    const messages = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = at + i;
      messages[i] = { key: keys.subarray(r * KEY_BYTES, (r + 1) * KEY_BYTES), value: values.subarray(r * VALUE_BYTES, (r + 1) * VALUE_BYTES) };
    }
    return messages;
  };
  for (let at = 0; at < records; at += CHUNK) {
    const messages = chunkOf(at, Math.min(CHUNK, records - at));
    const sent = performance.now();
    pending.push(producer.send({ topic, messages }).then(() => latencies.push(performance.now() - sent)));
    if (pending.length >= WINDOW) await pending.shift();
  }
  await Promise.all(pending);
  const ms = performance.now() - start;
  await client.close();
  latencies.sort((a, b) => a - b);
  return { ms, calls: latencies.length, ackP50Ms: percentile(latencies, 50), ackP99Ms: percentile(latencies, 99), encoder: client.encoderKind };
}

async function consume(url: string, topic: string, records: number): Promise<object> {
  const client = await connect(url);
  const consumer = client.consumer({ autoOffsetReset: 'earliest', maxBytesPerPartition: 8 * 1024 * 1024 });
  const hash = createHash('sha256');
  let count = 0;
  let expected = 0;
  const start = performance.now();
  await consumer.assign([{ topic, partition: 0, offset: 0 }]);
  await new Promise<void>((resolve, reject) => {
    consumer.run({
      eachBatch: ({ records: batch }) => {
        for (const r of batch) {
          if (r.offset !== expected++) reject(new Error(`offset ${r.offset}, expected ${expected - 1}`));
          hash.update(r.value!);
        }
        count += batch.length;
        if (count >= records) resolve();
      },
      onError: reject,
    });
  });
  const ms = performance.now() - start;
  await client.close();
  return { ms, count, checksum: hash.digest('hex') };
}

const mode = process.argv[2];
const url = arg('url');
const topic = arg('topic', 'bench');
const records = Number(arg('records', '1000000'));
const result = mode === 'produce' ? await produce(url, topic, records) : await consume(url, topic, records);
process.stdout.write(`${JSON.stringify(result)}\n`);
