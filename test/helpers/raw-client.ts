/**
 * A minimal Kafka client over a real TCP socket, built on the generated codecs: sends
 * requests at any version (or raw bytes), reads size-prefixed responses in order.
 * For tests of exact wire behaviour that real clients never exercise (bad input,
 * version edges).
 */
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import {
  API_DEFINITIONS,
  decodeResponseHeader,
  encodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../src/protocol/generated/index.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<(frame: Buffer) => void> = [];
  private correlationId = 1;
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      while (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        const frame = this.buffer.subarray(4, 4 + size);
        this.buffer = this.buffer.subarray(4 + size);
        this.waiters.shift()?.(frame);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect({ port, host });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  /** One request on a connection of its own (opened, used, closed), e.g. to one broker of a cluster. */
  static async requestOnce(port: number, apiKey: number, version: number, body: unknown): Promise<any> {
    const c = await RawClient.connect(port);
    try {
      return await c.request(apiKey, version, body);
    } finally {
      c.close();
    }
  }

  /** Writes bytes as they are. */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next response frame (without its size prefix); rejects if the socket closes first. */
  nextFrame(timeoutMs = 10_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response within timeout')), timeoutMs);
      this.waiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.closed.then(() => {
        clearTimeout(timer);
        reject(new Error('connection closed'));
      });
    });
  }

  /** Encodes a request (header + body) at `version` as a size-prefixed frame. */
  encode(apiKey: number, version: number, body: unknown, clientId: string | null = 'raw-client'): Buffer {
    const w = new Writer();
    const sizeAt = w.reserveInt32();
    encodeRequestHeader(w, requestHeaderVersion(apiKey, version), {
      requestApiKey: apiKey,
      requestApiVersion: version,
      correlationId: this.correlationId++,
      clientId,
    } as never);
    API_DEFINITIONS[apiKey]!.encodeRequest(w, version, body as never);
    w.patchInt32(sizeAt, w.length - 4);
    return w.finishSingle();
  }

  /** Sends a request and decodes its response. */
  async request<T = any>(apiKey: number, version: number, body: unknown): Promise<T> {
    const bytes = this.encode(apiKey, version, body);
    const response = this.nextFrame();
    this.sendRaw(bytes);
    const frame = await response;
    const r = new Reader(frame);
    decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
    return API_DEFINITIONS[apiKey]!.decodeResponse(r, version) as T;
  }

  close(): void {
    this.socket.destroy();
  }
}
