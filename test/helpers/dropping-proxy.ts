/**
 * A TCP proxy on loopback between Kafka clients and a broker that loses Produce responses:
 * it reads the client's request frames to learn each correlation id's API key, and when the
 * broker's response to a chosen Produce request comes back, it swallows it and cuts both
 * connections — so the broker has appended the batch but the client never hears of it and
 * retries on a new connection. Clients reach the broker only through the proxy (the broker
 * advertises the proxy's port); `target` can be repointed at a restarted broker.
 * With `{ drop: 'requests' }` it instead swallows the chosen Produce *requests* (the broker
 * never sees them; the connection stays up): records lost on the way, as acks=0 producers
 * lose them without knowing.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';

const PRODUCE = 0;

export interface DroppingProxy {
  port: number;
  /** The broker port requests go to (settable: a restarted broker listens elsewhere). */
  target: number;
  /** Produce responses dropped so far. */
  readonly dropped: number;
  /** Produce responses seen so far (forwarded or dropped). */
  readonly produced: number;
  close(): Promise<void>;
}

/** Splits a byte stream into size-prefixed frames. */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let buffer: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4 && buffer.length >= 4 + buffer.readInt32BE(0)) {
      const size = buffer.readInt32BE(0);
      onFrame(buffer.subarray(0, 4 + size));
      buffer = buffer.subarray(4 + size);
    }
  };
}

/**
 * Starts a proxy that drops the Produce responses whose 1-based sequence number (counting
 * every Produce response the proxy sees) `shouldDrop` approves — or, with `drop: 'requests'`,
 * the Produce requests (numbered likewise, counting requests; `onDrop` sees each dropped frame).
 */
export async function startDroppingProxy(
  target: number,
  shouldDrop: (n: number) => boolean,
  options: { drop?: 'responses' | 'requests'; onDrop?: (frame: Buffer) => void } = {},
): Promise<DroppingProxy> {
  const dropRequests = options.drop === 'requests';
  const sockets = new Set<Socket>();
  let dropped = 0;
  let produced = 0;
  const state = { target };
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: state.target });
    sockets.add(client);
    sockets.add(upstream);
    const apiKeys = new Map<number, number>();
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', framer((frame) => {
      const apiKey = frame.readInt16BE(4);
      if (dropRequests && apiKey === PRODUCE) {
        produced++;
        if (shouldDrop(produced)) {
          dropped++;
          options.onDrop?.(frame);
          return;
        }
      }
      apiKeys.set(frame.readInt32BE(8), apiKey);
      upstream.write(frame);
    }));
    upstream.on('data', framer((frame) => {
      const correlationId = frame.readInt32BE(4);
      const apiKey = apiKeys.get(correlationId);
      apiKeys.delete(correlationId);
      if (apiKey === PRODUCE && !dropRequests) {
        produced++;
        if (shouldDrop(produced)) {
          dropped++;
          cut();
          return;
        }
      }
      client.write(frame);
    }));
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    get target() {
      return state.target;
    },
    set target(port: number) {
      state.target = port;
    },
    get dropped() {
      return dropped;
    },
    get produced() {
      return produced;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
