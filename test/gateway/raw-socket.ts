/**
 * A bare WebSocket peer for gateway tests (the `ws` package, no Gregor client code): sends
 * frames as given (MessagePack maps, raw bytes or text) and collects every frame received.
 */
import { WebSocket } from 'ws';
import { createFrameCodec } from '../../src/gateway/protocol.js';

const codec = createFrameCodec();

export type Received = Record<string, any>;

export class RawSocket {
  readonly frames: Received[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer, isBinary) => {
      this.frames.push(isBinary ? (codec.unpack(data) as Received) : { text: data.toString() });
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        for (const w of this.waiters.splice(0)) w();
        resolve(code);
      }),
    );
    ws.on('error', () => {});
  }

  static async open(port: number, path = '/'): Promise<RawSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
    const socket = new RawSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await socket.waitFor((f) => f.type === 'hello');
    return socket;
  }

  /** Resolves with the first received frame matching `match` (waiting for it), or rejects after `timeoutMs`. */
  async waitFor(match: (f: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((f) => f.type ?? f))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  sendFrame(frame: unknown): void {
    this.ws.send(codec.pack(frame));
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.ws.send(bytes);
  }

  /** Sends `{ op, id, ...fields }` and resolves with the result or error frame for that id. */
  async request(op: string, fields: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<Received> {
    const id = this.nextId++;
    this.sendFrame({ op, id, ...fields });
    return this.waitFor((f) => f.id === id, timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
