/**
 * One client connection speaking the Kafka protocol over TCP.
 *
 * Requests are handled as they arrive (synchronous handlers such as Produce run in arrival
 * order); responses are written strictly in request order, as the protocol requires,
 * even when a later request (e.g. ApiVersions) completes before an earlier long-poll Fetch.
 *
 * Bad input (protocol guide, Kafka SocketServer behaviour):
 *   - declared size < 0 or > socket.request.max.bytes → closed before allocating, logged;
 *   - unknown API key, unsupported version (except ApiVersions), malformed or truncated
 *     body → closed with a logged reason;
 *   - ApiVersions at an unsupported version → an ApiVersions v0 response with
 *     UNSUPPORTED_VERSION and our ranges, so the client can fall back (KIP-511).
 * Nothing a connection does affects the others.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ApiHandler, HandlerResult, RequestContext } from '../apis/api.js';
import type { Broker } from '../broker.js';
import { type AuthSession, anonymousSession } from '../security/auth-session.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  API_DEFINITIONS,
  decodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../protocol/generated/index.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { FrameReader, FrameTooLargeError } from './frame-reader.js';

const API_VERSIONS_KEY = 18;
/** Request header v0 prefix: apiKey int16, apiVersion int16, correlationId int32. */
const MIN_HEADER_BYTES = 8;
/** Pause reading while this many response bytes wait for the socket (back-pressure). */
const MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;

interface Slot {
  ready: boolean;
  chunks: Uint8Array[] | null;
  release?: () => void;
}

export class Connection {
  private readonly frames: FrameReader;
  private readonly queue: Slot[] = [];
  private closed = false;
  readonly remote: string;
  /** Who is on this connection (anonymous until authenticated). */
  readonly session: AuthSession;

  constructor(
    private readonly socket: Socket,
    private readonly broker: Broker,
    private readonly handlers: ReadonlyMap<number, ApiHandler>,
    private readonly logger: Logger,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.session = anonymousSession('PLAINTEXT', 'PLAINTEXT', socket.remoteAddress ?? '');
    this.frames = new FrameReader(broker.config.socketRequestMaxBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.logger.debug({ remote: this.remote, err: err.message }, 'socket error'));
    socket.on('close', () => this.onClose());
    socket.on('drain', () => socket.resume());
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      if (err instanceof FrameTooLargeError) return this.close(err.message);
      throw err;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    if (frame.byteLength < MIN_HEADER_BYTES) return this.close(`request of ${frame.byteLength} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = this.handlers.get(apiKey);
    const definition = API_DEFINITIONS[apiKey];
    if (!handler || !definition) return this.close(`unknown API key ${apiKey}`);
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) return this.respondUnsupportedApiVersions(correlationId);
      return this.close(`unsupported version ${apiVersion} of ${handler.name} (supported ${handler.minVersion}-${handler.maxVersion})`);
    }
    let request: unknown;
    let clientId: string | null = null;
    try {
      const reader = new Reader(frame);
      const header = decodeRequestHeader(reader, requestHeaderVersion(apiKey, apiVersion));
      clientId = header.clientId ?? null;
      request = definition.decodeRequest(reader, apiVersion);
    } catch (err) {
      return this.close(`malformed ${handler.name} v${apiVersion} request: ${(err as Error).message}`);
    }
    const ctx: RequestContext = {
      broker: this.broker,
      apiVersion,
      correlationId,
      clientId,
      remote: this.remote,
      session: this.session,
      logger: this.logger,
    };
    const slot: Slot = { ready: false, chunks: null };
    this.queue.push(slot);
    const started = performance.now();
    const encode = (result: HandlerResult<unknown> | null) => {
      if (result) {
        slot.chunks = this.encodeResponse(apiKey, apiVersion, correlationId, result.response);
        slot.release = result.release;
      }
      this.broker.requestObserver?.(handler.name, (performance.now() - started) / 1000);
      slot.ready = true;
      this.flushQueue();
    };
    const fail = (err: unknown) => {
      this.logger.error({ err, api: handler.name, apiVersion, remote: this.remote }, 'request handler failed');
      this.close(`internal error in ${handler.name}`);
    };
    try {
      const result = handler.handle(request, ctx);
      if (result instanceof Promise) result.then(encode, fail);
      else encode(result);
    } catch (err) {
      fail(err);
    }
  }

  private encodeResponse(apiKey: number, apiVersion: number, correlationId: number, response: unknown): Uint8Array[] {
    const definition = API_DEFINITIONS[apiKey]!;
    const w = new Writer();
    const sizeAt = w.reserveInt32();
    encodeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
    definition.encodeResponse(w, apiVersion, response as never);
    w.patchInt32(sizeAt, w.length - 4);
    return w.finish();
  }

  /** ApiVersions v0 body: error UNSUPPORTED_VERSION plus every API's range (KIP-511). */
  private respondUnsupportedApiVersions(correlationId: number): void {
    const response = {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [...this.handlers.values()].map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })),
      throttleTimeMs: 0,
    };
    this.queue.push({ ready: true, chunks: this.encodeResponse(API_VERSIONS_KEY, 0, correlationId, response) });
    this.flushQueue();
  }

  /** Writes the finished responses at the head of the queue, in request order. */
  private flushQueue(): void {
    const socket = this.socket;
    while (this.queue.length > 0 && this.queue[0]!.ready) {
      const slot = this.queue.shift()!;
      if (this.closed) {
        slot.release?.();
        continue;
      }
      if (!slot.chunks) continue;
      socket.cork();
      const last = slot.chunks.length - 1;
      slot.chunks.forEach((chunk, i) => {
        if (i === last && slot.release) socket.write(chunk, slot.release);
        else socket.write(chunk);
      });
      socket.uncork();
    }
    if (socket.writableLength > MAX_PENDING_WRITE_BYTES) socket.pause();
  }

  /** Closes the connection with a logged reason; other connections are unaffected. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.warn({ remote: this.remote, reason }, 'closing connection');
    this.socket.destroy();
    for (const slot of this.queue) slot.release?.();
  }

  private onClose(): void {
    this.closed = true;
    this.broker.onConnectionClosed(this);
  }
}
