/**
 * The peers' clients as benchmark processes (bench/run.ts runs them as it runs kcat), each
 * printing one JSON line. Same records as Gregor's (records.ts): for Redis a stream entry
 * `k <key> v <value>`, for NATS a message whose payload is the key then the value.
 *
 *   node dist/bench/e2e/peer-client.js <client> produce --port P --first I --count N --value-bytes V
 *   node dist/bench/e2e/peer-client.js <client> consume --port P --count N
 *   node dist/bench/e2e/peer-client.js nats-js setup --port P          (creates the stream)
 *
 * Clients (the issue's "fastest Node client" rule: the official one, and a lean one where the
 * official client is the bottleneck):
 *   ioredis     XADD pipelined 1,000 at a time (4 pipelines in flight); XREAD COUNT 1000
 *   redis-lean  the same commands in RESP over a bare socket: 1,000 XADDs per write, 8 writes
 *               in flight, replies counted; XREAD COUNT 1000 parsed by a minimal RESP reader
 *   nats-js     `nats` JetStream: async publish, 1,000 acks in flight; pull consumer, fetch
 *               batches of 1,000 (no acks: AckPolicy none)
 *   nats-lean   PUB with a reply inbox over a bare socket, 1,000 acks in flight (each ack is
 *               the JetStream PubAck JSON); consume as nats-js
 * Produce latency: ioredis/redis-lean per pipeline of 1,000 (write → last reply); nats-js and
 * nats-lean per message (publish → its PubAck).
 */
import { Socket, connect as tcpConnect } from 'node:net';
import { Redis } from 'ioredis';
import { AckPolicy, StorageType, connect as natsConnect } from 'nats';
import { Checksum, KEY_BYTES, writeKey, writeValue } from './records.js';

const STREAM = 'bench';
const NATS_STREAM = 'BENCH';
const NATS_SUBJECT = 'bench.data';
const PIPELINE = 1000;

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

/** Keys and values of records [first, first + count) in two flat arrays. */
function makeRecords(first: number, count: number, valueBytes: number): { keys: Buffer; values: Buffer } {
  const keys = Buffer.allocUnsafe(count * KEY_BYTES);
  const values = Buffer.allocUnsafe(count * valueBytes);
  for (let r = 0; r < count; r++) {
    writeKey(keys, r * KEY_BYTES, first + r);
    writeValue(values, r * valueBytes, first + r, valueBytes);
  }
  return { keys, values };
}

// ─── Redis: ioredis ─────────────────────────────────────────────────────────────────────────

async function ioredisProduce(port: number, first: number, count: number, valueBytes: number): Promise<object> {
  const redis = new Redis({ port, host: '127.0.0.1', enableAutoPipelining: false });
  const { keys, values } = makeRecords(first, count, valueBytes);
  const latenciesMs: number[] = [];
  const inFlight: Array<Promise<unknown>> = [];
  const start = performance.now();
  for (let at = 0; at < count; at += PIPELINE) {
    const pipeline = redis.pipeline();
    const n = Math.min(PIPELINE, count - at);
    for (let i = at; i < at + n; i++) {
      pipeline.xadd(STREAM, '*', 'k', keys.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES), 'v', values.subarray(i * valueBytes, (i + 1) * valueBytes));
    }
    const sent = performance.now();
    inFlight.push(
      pipeline.exec().then((results) => {
        latenciesMs.push(performance.now() - sent);
        const failed = results?.find(([err]) => err);
        if (failed) throw failed[0];
      }),
    );
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const ms = performance.now() - start;
  redis.disconnect();
  return { ms, latenciesMs: latenciesMs.map((x) => Math.round(x * 1000) / 1000), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

async function ioredisConsume(port: number, count: number): Promise<object> {
  const redis = new Redis({ port, host: '127.0.0.1' });
  const checksum = new Checksum();
  let last = '0-0';
  const start = performance.now();
  while (checksum.count < count) {
    const reply = await redis.xreadBuffer('COUNT', PIPELINE, 'STREAMS', STREAM, last);
    if (!reply) continue;
    for (const [, entries] of reply) {
      for (const [id, fields] of entries) {
        checksum.add(fields[3]!);
        last = id.toString();
      }
    }
  }
  const ms = performance.now() - start;
  redis.disconnect();
  return { ms, count: checksum.count, checksum: checksum.digest(), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

// ─── Redis: lean RESP over a socket ─────────────────────────────────────────────────────────

async function open(port: number): Promise<Socket> {
  const socket = tcpConnect({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** One RESP reply, parsed from `buf` at `at`: [value, next position], or null if incomplete. */
type Resp = Buffer | string | number | null | Resp[];
function parseResp(buf: Buffer, at: number): [Resp, number] | null {
  if (at >= buf.length) return null;
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const type = buf[at];
  const line = buf.toString('latin1', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case 0x2b: // +
      return [line, next];
    case 0x2d: // -
      throw new Error(`redis: ${line}`);
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: {
      // $
      const len = Number(line);
      if (len < 0) return [null, next];
      if (next + len + 2 > buf.length) return null;
      return [buf.subarray(next, next + len), next + len + 2];
    }
    case 0x2a: {
      // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const items: Resp[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const item = parseResp(buf, pos);
        if (!item) return null;
        items.push(item[0]);
        pos = item[1];
      }
      return [items, pos];
    }
    default:
      throw new Error(`redis: unexpected reply byte ${type}`);
  }
}

async function leanRedisProduce(port: number, first: number, count: number, valueBytes: number): Promise<object> {
  const socket = await open(port);
  const { keys, values } = makeRecords(first, count, valueBytes);
  const latenciesMs: number[] = [];
  const sentAt: number[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let replies = 0;
  let wrote = 0;
  const head = Buffer.from(`*7\r\n$4\r\nXADD\r\n$${STREAM.length}\r\n${STREAM}\r\n$1\r\n*\r\n$1\r\nk\r\n$${KEY_BYTES}\r\n`);
  const mid = Buffer.from(`\r\n$1\r\nv\r\n$${valueBytes}\r\n`);
  const crlf = Buffer.from('\r\n');
  const commandBytes = head.length + KEY_BYTES + mid.length + valueBytes + 2;
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const writeBatch = () => {
      const n = Math.min(PIPELINE, count - wrote);
      const out = Buffer.allocUnsafe(n * commandBytes);
      let at = 0;
      for (let i = wrote; i < wrote + n; i++) {
        at += head.copy(out, at);
        at += keys.copy(out, at, i * KEY_BYTES, (i + 1) * KEY_BYTES);
        at += mid.copy(out, at);
        at += values.copy(out, at, i * valueBytes, (i + 1) * valueBytes);
        at += crlf.copy(out, at);
      }
      wrote += n;
      sentAt.push(performance.now());
      socket.write(out);
    };
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let pos = 0;
      for (;;) {
        let parsed: [Resp, number] | null;
        try {
          parsed = parseResp(pending, pos);
        } catch (err) {
          return reject(err);
        }
        if (!parsed) break;
        pos = parsed[1];
        replies++;
        if (replies % PIPELINE === 0 || replies === count) latenciesMs.push(performance.now() - sentAt[latenciesMs.length]!);
        if (replies % PIPELINE === 0 && wrote < count) writeBatch();
      }
      pending = pending.subarray(pos);
      if (replies === count) resolve();
    });
    for (let w = 0; w < 8 && wrote < count; w++) writeBatch();
  });
  const ms = performance.now() - start;
  socket.destroy();
  return { ms, latenciesMs: latenciesMs.map((x) => Math.round(x * 1000) / 1000), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

async function leanRedisConsume(port: number, count: number): Promise<object> {
  const socket = await open(port);
  const checksum = new Checksum();
  let pending: Buffer = Buffer.alloc(0);
  let last = '0-0';
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const ask = () => {
      const cmd = ['XREAD', 'COUNT', String(PIPELINE), 'STREAMS', STREAM, last];
      socket.write(`*${cmd.length}\r\n${cmd.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join('')}`);
    };
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let parsed: [Resp, number] | null;
      try {
        parsed = parseResp(pending, 0);
      } catch (err) {
        return reject(err);
      }
      if (!parsed) return;
      pending = pending.subarray(parsed[1]);
      const streams = parsed[0] as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
      for (const [, entries] of streams ?? []) {
        for (const [id, fields] of entries) {
          checksum.add(fields[3]!);
          last = id.toString('latin1');
        }
      }
      if (checksum.count >= count) resolve();
      else ask();
    });
    ask();
  });
  const ms = performance.now() - start;
  socket.destroy();
  return { ms, count: checksum.count, checksum: checksum.digest(), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

// ─── NATS JetStream: nats.js ────────────────────────────────────────────────────────────────

async function natsSetup(port: number): Promise<object> {
  const nc = await natsConnect({ servers: `127.0.0.1:${port}` });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: NATS_STREAM, subjects: [NATS_SUBJECT], storage: StorageType.File });
  await jsm.consumers.add(NATS_STREAM, { durable_name: 'reader', ack_policy: AckPolicy.None });
  await nc.close();
  return {};
}

function payloadOf(keys: Buffer, values: Buffer, i: number, valueBytes: number): Uint8Array {
  const out = new Uint8Array(KEY_BYTES + valueBytes);
  out.set(keys.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES), 0);
  out.set(values.subarray(i * valueBytes, (i + 1) * valueBytes), KEY_BYTES);
  return out;
}

async function natsJsProduce(port: number, first: number, count: number, valueBytes: number): Promise<object> {
  const nc = await natsConnect({ servers: `127.0.0.1:${port}` });
  const js = nc.jetstream();
  const { keys, values } = makeRecords(first, count, valueBytes);
  const latenciesMs: number[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    const p: Promise<unknown> = js.publish(NATS_SUBJECT, payloadOf(keys, values, i, valueBytes)).then(() => {
      latenciesMs.push(performance.now() - sent);
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= PIPELINE) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const ms = performance.now() - start;
  await nc.close();
  return { ms, latenciesMs: latenciesMs.map((x) => Math.round(x * 1000) / 1000), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

async function natsConsume(port: number, count: number): Promise<object> {
  const nc = await natsConnect({ servers: `127.0.0.1:${port}` });
  const consumer = await nc.jetstream().consumers.get(NATS_STREAM, 'reader');
  const checksum = new Checksum();
  const start = performance.now();
  while (checksum.count < count) {
    const batch = await consumer.fetch({ max_messages: PIPELINE, expires: 2000 });
    for await (const m of batch) checksum.add(m.data, KEY_BYTES);
  }
  const ms = performance.now() - start;
  await nc.close();
  return { ms, count: checksum.count, checksum: checksum.digest(), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

// ─── NATS JetStream: lean publish over a socket ─────────────────────────────────────────────

async function leanNatsProduce(port: number, first: number, count: number, valueBytes: number): Promise<object> {
  const socket = await open(port);
  const { keys, values } = makeRecords(first, count, valueBytes);
  const latenciesMs: number[] = [];
  const sentAt = new Float64Array(count);
  const inbox = `_INBOX.bench${process.pid}`;
  let pending: Buffer = Buffer.alloc(0);
  let acked = 0;
  let sent = 0;
  const size = KEY_BYTES + valueBytes;
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const publish = (n: number) => {
      const parts: Buffer[] = [];
      for (let k = 0; k < n && sent < count; k++, sent++) {
        parts.push(Buffer.from(`PUB ${NATS_SUBJECT} ${inbox}.${sent} ${size}\r\n`), keys.subarray(sent * KEY_BYTES, (sent + 1) * KEY_BYTES), values.subarray(sent * valueBytes, (sent + 1) * valueBytes), Buffer.from('\r\n'));
        sentAt[sent] = performance.now();
      }
      if (parts.length) socket.write(Buffer.concat(parts));
    };
    socket.on('error', reject);
    let connected = false;
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let pos = 0;
      let newlyAcked = 0;
      for (;;) {
        const eol = pending.indexOf('\r\n', pos);
        if (eol < 0) break;
        const line = pending.toString('latin1', pos, eol);
        if (line.startsWith('MSG ')) {
          const parts = line.split(' ');
          const bytes = Number(parts[parts.length - 1]);
          if (eol + 2 + bytes + 2 > pending.length) break;
          const body = pending.toString('utf8', eol + 2, eol + 2 + bytes);
          if (body.includes('"error"')) return reject(new Error(`nats: ${body}`));
          const seq = Number(parts[1]!.slice(inbox.length + 1));
          latenciesMs.push(performance.now() - sentAt[seq]!);
          acked++;
          newlyAcked++;
          pos = eol + 2 + bytes + 2;
          continue;
        }
        pos = eol + 2;
        if (line.startsWith('INFO') && !connected) {
          connected = true;
          socket.write(`CONNECT {"verbose":false,"pedantic":false,"headers":false,"name":"lean"}\r\nSUB ${inbox}.* 1\r\nPING\r\n`);
        } else if (line === 'PONG' && sent === 0) {
          publish(PIPELINE);
        } else if (line === 'PING') {
          socket.write('PONG\r\n');
        } else if (line.startsWith('-ERR')) {
          return reject(new Error(`nats: ${line}`));
        }
      }
      pending = pending.subarray(pos);
      if (newlyAcked > 0) publish(newlyAcked);
      if (acked === count) resolve();
    });
  });
  const ms = performance.now() - start;
  socket.destroy();
  return { ms, latenciesMs: latenciesMs.map((x) => Math.round(x * 1000) / 1000), start: performance.timeOrigin + start, end: performance.timeOrigin + start + ms };
}

// ─── main ───────────────────────────────────────────────────────────────────────────────────

const [client, action] = process.argv.slice(2);
const port = Number(arg('port'));
let result: object;
if (action === 'setup') result = await natsSetup(port);
else if (action === 'consume') {
  const count = Number(arg('count'));
  result = client === 'ioredis' ? await ioredisConsume(port, count) : client === 'redis-lean' ? await leanRedisConsume(port, count) : await natsConsume(port, count);
} else {
  const first = Number(arg('first'));
  const count = Number(arg('count'));
  const valueBytes = Number(arg('value-bytes'));
  const produce = { ioredis: ioredisProduce, 'redis-lean': leanRedisProduce, 'nats-js': natsJsProduce, 'nats-lean': leanNatsProduce }[client as string];
  if (!produce) throw new Error(`unknown client ${client}`);
  result = await produce(port, first, count, valueBytes);
}
/** start/end: epoch ms (high resolution) of the measured span, so the harness can merge producers. */
// Exit once the line is flushed (a pipe's write is asynchronous; exiting first would cut it).
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
