/**
 * The REST side of `npm run bench:websocket -- --rest` (bench/websocket.ts runs it as a
 * separate process, as kcat is): produces N records through the REST proxy's v2 produce in
 * POSTs of 1,000 binary records (one request in flight, as a simple HTTP client sends them),
 * or consumes them as Server-Sent Events from the beginning; prints one JSON line with the
 * elapsed time and checks.
 *
 *   node dist/bench/rest-client.js produce|consume --url http://127.0.0.1:PORT --topic bench --records N
 *
 * produce: 8-byte keys, 100-byte values (the bytes bench/run.ts gives kcat); acks=all (the
 *   proxy's); ms from the first POST to the last answer.
 * consume: `GET …/records` with Accept text/event-stream until N records; ms and a SHA-256 of
 *   the values in offset order.
 */
import { createHash } from 'node:crypto';

const VALUE_BYTES = 100;
const KEY_BYTES = 8;
const CHUNK = 1000;

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

async function produce(url: string, topic: string, records: number): Promise<object> {
  const bodies: string[] = [];
  for (let from = 0; from < records; from += CHUNK) {
    const list = [];
    for (let i = from; i < Math.min(records, from + CHUNK); i++) {
      const value = Buffer.alloc(VALUE_BYTES);
      for (let j = 0; j < VALUE_BYTES; j++) value[j] = 0x61 + ((i + j) % 26);
      list.push({ key: Buffer.from(String(i).padStart(KEY_BYTES, '0')).toString('base64'), value: value.toString('base64') });
    }
    bodies.push(JSON.stringify({ records: list }));
  }
  const start = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${url}/topics/${topic}/partitions/0`, { method: 'POST', headers: { 'Content-Type': 'application/vnd.kafka.binary.v2+json' }, body });
    const answer = (await res.json()) as { offsets?: Array<{ error_code: number | null }> };
    if (res.status !== 200 || answer.offsets?.some((o) => o.error_code !== null)) throw new Error(`produce failed: ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
  }
  return { ms: performance.now() - start };
}

async function consume(url: string, topic: string, records: number): Promise<object> {
  const hash = createHash('sha256');
  const start = performance.now();
  const controller = new AbortController();
  const res = await fetch(`${url}/topics/${topic}/partitions/0/records?offset=beginning&format=binary`, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
  const decoder = new TextDecoder();
  let text = '';
  let count = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const event = text.slice(0, end);
      text = text.slice(end + 2);
      const data = event.split('\n').find((l) => l.startsWith('data: '));
      if (!data || !event.includes('event: record')) continue;
      hash.update(Buffer.from((JSON.parse(data.slice(6)) as { value: string }).value, 'base64'));
      count++;
    }
    if (count >= records) break;
  }
  const ms = performance.now() - start;
  controller.abort();
  return { ms, count, checksum: hash.digest('hex') };
}

const [mode] = process.argv.slice(2);
const url = arg('url');
const topic = arg('topic');
const records = Number(arg('records'));
(mode === 'produce' ? produce(url, topic, records) : consume(url, topic, records)).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
