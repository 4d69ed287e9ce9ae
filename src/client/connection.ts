/**
 * One WebSocket to the gateway for the lifetime of the socket: sends requests with ids,
 * matches `result` / `error` frames to them, hands `records` pushes and subscription errors
 * to `onPush`, and fails every pending request with NETWORK_EXCEPTION when the socket
 * closes. Reconnection is the client's job (client.ts).
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { type ErrorFrame, type FrameCodec, type HelloFrame, PROTOCOL_VERSION, type RecordsPush, createFrameCodec } from '../gateway/protocol.js';
import { Listeners } from './emitter.js';
import { GregorError } from './errors.js';
import { OPEN, type Platform, type WebSocketLike } from './platform.js';

interface Pending {
  resolve(frame: Record<string, unknown>): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout> | null;
}

export type Push = RecordsPush | ErrorFrame;

/** The error of an error frame. */
export function frameError(frame: ErrorFrame): GregorError {
  return new GregorError(frame.code, frame.message, { topic: frame.topic, partition: frame.partition, memberId: frame.memberId });
}

export class Connection {
  readonly pushes = new Listeners<[Push]>();
  readonly closes = new Listeners<[GregorError]>();
  /** Error frames for requests nobody waits for (produce with acks 0). */
  readonly orphanErrors = new Listeners<[GregorError]>();
  private readonly pending = new Map<number, Pending>();
  private readonly codec: FrameCodec = createFrameCodec();
  private nextId = 1;
  closed = false;

  private constructor(
    private readonly ws: WebSocketLike,
    readonly hello: HelloFrame,
  ) {}

  /**
   * Opens a socket and resolves after the server's hello frame.
   * Errors: NETWORK_EXCEPTION (cannot connect, closed early), REQUEST_TIMED_OUT,
   * UNSUPPORTED_VERSION (the server speaks another protocol version).
   */
  static async open(url: string, platform: Platform, timeoutMs: number): Promise<Connection> {
    const ws = await platform.openSocket(url);
    const codec = createFrameCodec();
    return new Promise<Connection>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new GregorError(ErrorCode.REQUEST_TIMED_OUT, `no hello from ${url} within ${timeoutMs} ms`));
        ws.close();
      }, timeoutMs);
      ws.onerror = () => {};
      ws.onclose = (event) => {
        clearTimeout(timer);
        reject(new GregorError(ErrorCode.NETWORK_EXCEPTION, `connection to ${url} closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`));
      };
      ws.onmessage = (event) => {
        clearTimeout(timer);
        let hello: HelloFrame;
        try {
          hello = codec.unpack(toBytes(event.data)) as HelloFrame;
        } catch {
          hello = { type: 'error' } as unknown as HelloFrame;
        }
        if (hello.type !== 'hello' || hello.protocol !== PROTOCOL_VERSION) {
          reject(new GregorError(ErrorCode.UNSUPPORTED_VERSION, `${url} did not greet with protocol ${PROTOCOL_VERSION}`));
          ws.close();
          return;
        }
        const connection = new Connection(ws, hello);
        connection.attach();
        resolve(connection);
      };
    });
  }

  private attach(): void {
    this.ws.onmessage = (event) => this.onFrame(toBytes(event.data));
    this.ws.onclose = (event) => this.onClose(event.code, event.reason);
  }

  /** Bytes queued in the socket, not yet sent. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Sends a request and resolves with its result frame (rejects with the GregorError of its
   * error frame, NETWORK_EXCEPTION if the socket closes, REQUEST_TIMED_OUT after `timeoutMs`).
   */
  request<T = Record<string, unknown>>(frame: Record<string, unknown>, timeoutMs: number): Promise<T> {
    if (this.closed || this.ws.readyState !== OPEN) return Promise.reject(new GregorError(ErrorCode.NETWORK_EXCEPTION, 'not connected'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (f: Record<string, unknown>) => void, reject, timer: null };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new GregorError(ErrorCode.REQUEST_TIMED_OUT, `no answer to ${String(frame['op'])} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(id, entry);
      this.ws.send(this.codec.pack({ ...frame, id }));
    });
  }

  /** Sends a request whose success has no answer (produce acks 0); errors go to orphanErrors. */
  fire(frame: Record<string, unknown>): void {
    if (this.closed || this.ws.readyState !== OPEN) throw new GregorError(ErrorCode.NETWORK_EXCEPTION, 'not connected');
    this.ws.send(this.codec.pack({ ...frame, id: this.nextId++ }));
  }

  /** Sends a notification (no id, no answer), e.g. credit. */
  notify(frame: Record<string, unknown>): void {
    if (this.closed || this.ws.readyState !== OPEN) return;
    this.ws.send(this.codec.pack(frame));
  }

  close(): void {
    if (this.closed) return;
    this.ws.close(1000, 'client closed');
    this.onClose(1000, 'client closed');
  }

  private onFrame(bytes: Uint8Array): void {
    let frame: Record<string, unknown>;
    try {
      frame = this.codec.unpack(bytes) as Record<string, unknown>;
    } catch {
      return; // not ours to answer: the server only sends valid frames
    }
    const type = frame['type'];
    if (type === 'records') {
      this.pushes.emit(frame as unknown as RecordsPush);
      return;
    }
    if (type === 'goodbye') {
      // The broker is stopping. Closing first (where the platform can drop the TCP
      // connection) leaves the broker's port free for an immediate restart.
      if (this.ws.terminate) this.ws.terminate();
      else this.ws.close(1001, 'broker stopping');
      this.onClose(1001, 'broker stopping');
      return;
    }
    const id = frame['id'];
    const entry = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (entry) {
      this.pending.delete(id as number);
      if (entry.timer) clearTimeout(entry.timer);
      if (type === 'error') entry.reject(frameError(frame as unknown as ErrorFrame));
      else entry.resolve(frame);
      return;
    }
    if (type === 'error') {
      const error = frame as unknown as ErrorFrame;
      if (error.topic !== undefined && error.id === undefined) this.pushes.emit(error);
      else this.orphanErrors.emit(frameError(error));
    }
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const err = new GregorError(ErrorCode.NETWORK_EXCEPTION, `connection closed (${code}${reason ? ` ${reason}` : ''})`);
    for (const entry of this.pending.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(err);
    }
    this.pending.clear();
    this.closes.emit(err);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new GregorError(ErrorCode.INVALID_REQUEST, 'expected a binary frame');
}
