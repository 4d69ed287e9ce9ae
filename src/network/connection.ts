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
 *
 * On a SASL listener the connection first authenticates (sasl-authenticator.ts): until then
 * only ApiVersions, SaslHandshake and SaslAuthenticate are served, frames are limited to
 * `sasl.server.max.receive.size`, and the connection closes if it has not authenticated
 * within `gregor.authentication.timeout.ms`. After SaslHandshake v0 the client's raw SASL
 * tokens (size-prefixed, no request header) are answered in kind.
 * Nothing a connection does affects the others.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ApiHandler, HandlerResult, RequestContext } from '../apis/api.js';
import type { BrokerServices } from '../broker-services.js';
import type { RequestQuotas } from '../security/quotas/request-quotas.js';
import type { AuthSession } from '../security/auth-session.js';
import type { SaslServerFactory } from '../security/sasl/sasl-server.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { loadApi, loadedApi, requestHeaderVersion, responseHeaderVersion } from '../protocol/generated/api-registry.js';
import { decodeRequestHeader } from '../protocol/generated/request-header.js';
import { encodeResponseHeader } from '../protocol/generated/response-header.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { FrameReader, FrameTooLargeError } from './frame-reader.js';
import { isPooledFrame, releaseFrameBuffer } from './frame-pool.js';
import { DirectFrameReader } from './direct-frame-reader.js';
import { readIntoBuffers } from './socket-reads.js';

const PRODUCE_KEY = 0;
const API_VERSIONS_KEY = 18;
/** Request header v0 prefix: apiKey int16, apiVersion int16, correlationId int32. */
const MIN_HEADER_BYTES = 8;
/** Pause reading while this many response bytes wait for the socket (back-pressure). */
const MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;

interface Slot {
  ready: boolean;
  chunks: Uint8Array[] | null;
  release?: () => void;
  /** Close the connection once this slot is written. */
  closeAfter?: boolean;
}

/** What a connection needs of its broker: its services, its quotas, and to be told it closed. */
export interface ConnectionBroker extends BrokerServices {
  readonly quotas: RequestQuotas | null;
  onConnectionClosed(connection: Connection): void;
}

/** How a listener's connections authenticate. */
export interface ConnectionSecurity {
  /** Who the peer is before any SASL exchange (anonymous, or from its TLS client certificate). */
  session: AuthSession;
  /** The listener's SASL mechanisms (SASL_PLAINTEXT / SASL_SSL), or null: no SASL exchange. */
  sasl: SaslServerFactory | null;
}

export class Connection {
  /** Frames from user-buffer reads (plain TCP, socket-reads.ts), or from 'data' chunks. */
  private readonly frames: FrameReader | DirectFrameReader;
  private readonly queue: Slot[] = [];
  private closed = false;
  readonly remote: string;
  /** Who is on this connection (anonymous until authenticated). */
  readonly session: AuthSession;
  /** The SASL exchange on a SASL listener, else null. */
  private readonly sasl: SaslAuthenticator | null;
  private authenticationDeadline: NodeJS.Timeout | null = null;
  /** Reading is paused until this time (epoch ms) by a quota (KIP-219); 0 = not throttled. */
  private throttledUntil = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  /** Set while the codecs of an API's first request are imported (see missingCodecs). */
  private codecsLoading: Promise<void> | null = null;
  /** Requests received while codecsLoading, in arrival order. */
  private waitingForCodecs: Buffer[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly broker: ConnectionBroker,
    private readonly handlers: ReadonlyMap<number, ApiHandler>,
    private readonly logger: Logger,
    security: ConnectionSecurity,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.session = security.session;
    const config = broker.config;
    const direct = new DirectFrameReader(config.socketRequestMaxBytes);
    const readsDirect = readIntoBuffers(socket, () => direct.nextBuffer(), (n) => this.onRead(direct, n));
    if (security.sasl) {
      this.frames = readsDirect ? direct : new FrameReader(0);
      this.frames.maxFrameBytes = config.saslServerMaxReceiveSize;
      this.frames.limitName = 'sasl.server.max.receive.size';
      this.sasl = new SaslAuthenticator(
        security.sasl,
        this.session,
        { connectionsMaxReauthMs: config.connectionsMaxReauthMs, failedAuthenticationDelayMs: config.connectionFailedAuthenticationDelayMs },
        { authenticated: () => this.onAuthenticated() },
      );
      this.authenticationDeadline = setTimeout(() => this.close(`not authenticated within gregor.authentication.timeout.ms=${config.authenticationTimeoutMs}`), config.authenticationTimeoutMs);
      this.authenticationDeadline.unref();
    } else {
      this.frames = readsDirect ? direct : new FrameReader(config.socketRequestMaxBytes);
      this.sasl = null;
    }
    socket.setNoDelay(true);
    if (!readsDirect) socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.logger.debug({ remote: this.remote, err: err.message }, 'socket error'));
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.resumeReading());
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = (this.frames as FrameReader).push(chunk);
    } catch (err) {
      if (err instanceof FrameTooLargeError) return this.close(err.message);
      throw err;
    }
    this.onFrames(frames);
  }

  /** `n` bytes read into the direct reader's buffer (bytes after a close are dropped). */
  private onRead(reader: DirectFrameReader, n: number): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = reader.onRead(n);
    } catch (err) {
      if (err instanceof FrameTooLargeError) return this.close(err.message);
      throw err;
    }
    this.onFrames(frames);
  }

  private onFrames(frames: Buffer[]): void {
    for (const frame of frames) {
      if (this.closed) return releaseFrameBuffer(frame);
      if (this.codecsLoading !== null) {
        this.waitingForCodecs.push(frame);
        continue;
      }
      const missing = this.missingCodecs(frame);
      if (missing >= 0) {
        this.waitingForCodecs.push(frame);
        this.loadCodecs(missing);
        continue;
      }
      this.onFrame(frame);
    }
  }

  /**
   * The api key of a request whose codecs this process has not imported yet (api-registry.ts
   * loads them on an API's first request), or -1. Requests that follow it wait in arrival order.
   */
  private missingCodecs(frame: Buffer): number {
    if (frame.byteLength < MIN_HEADER_BYTES || this.sasl?.state === 'rawToken') return -1;
    const apiKey = frame.readInt16BE(0);
    return this.handlers.has(apiKey) && loadedApi(apiKey) === undefined ? apiKey : -1;
  }

  /** Imports the codecs of `apiKey`, then handles the requests that waited for them, in order. */
  private loadCodecs(apiKey: number): void {
    this.codecsLoading = loadApi(apiKey).then(
      () => {
        this.codecsLoading = null;
        const frames = this.waitingForCodecs;
        this.waitingForCodecs = [];
        this.onFrames(frames);
      },
      (err: unknown) => {
        this.codecsLoading = null;
        this.logger.error({ err, apiKey }, 'loading the codecs of an API failed');
        this.close(`internal error loading the codecs of API key ${apiKey}`);
      },
    );
  }

  /** The first authentication completed: full-size requests from now on, no deadline. */
  private onAuthenticated(): void {
    this.frames.maxFrameBytes = this.broker.config.socketRequestMaxBytes;
    this.frames.limitName = 'socket.request.max.bytes';
    if (this.authenticationDeadline) clearTimeout(this.authenticationDeadline);
    this.authenticationDeadline = null;
  }

  private onFrame(received: Buffer): void {
    // A frame joined from several reads sits in a pooled buffer (frame-pool.ts). Produce gives
    // it back once the request is answered: its records are copied into the log (inline, or
    // when the worker pool stages them) before appendRecords settles, and nothing else keeps
    // a view. Every other request may keep views of its bytes fields (e.g. a group member's
    // metadata), so it gets its own copy and the pooled buffer goes back at once.
    let frame = received;
    const pooled = isPooledFrame(received);
    if (pooled && (this.sasl?.state === 'rawToken' || received.byteLength < MIN_HEADER_BYTES || received.readInt16BE(0) !== PRODUCE_KEY)) {
      frame = Buffer.from(received);
      releaseFrameBuffer(received);
    }
    /** A produce request in a pooled buffer: released when answered (not on a handler failure). */
    const releaseWhenAnswered = pooled && frame === received;
    if (this.sasl?.state === 'rawToken') return this.onRawSaslToken(frame);
    if (frame.byteLength < MIN_HEADER_BYTES) return this.close(`request of ${frame.byteLength} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    if (this.sasl) {
      const refused = this.sasl.admit(apiKey, Date.now());
      if (refused) return this.close(refused);
    }
    const handler = this.handlers.get(apiKey);
    const definition = loadedApi(apiKey);
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
      if (releaseWhenAnswered) releaseFrameBuffer(frame);
      return this.close(`malformed ${handler.name} v${apiVersion} request: ${(err as Error).message}`);
    }
    const ctx: RequestContext = {
      broker: this.broker,
      apiVersion,
      correlationId,
      clientId,
      remote: this.remote,
      session: this.session,
      sasl: this.sasl,
      logger: this.logger,
    };
    const slot: Slot = { ready: false, chunks: null };
    this.queue.push(slot);
    const started = performance.now();
    /** Time spent on this request on the event loop (not a long poll's wait), for request_percentage. */
    let busyMs = 0;
    const frameBytes = frame.byteLength;
    const encode = (result: HandlerResult<unknown> | null) => {
      if (releaseWhenAnswered) releaseFrameBuffer(frame);
      const encodeStarted = performance.now();
      if (result) {
        slot.chunks = this.encodeResponse(apiKey, apiVersion, correlationId, result.response);
        slot.release = result.release;
        slot.closeAfter = result.closeConnection;
      }
      const quotas = this.broker.quotas;
      if (quotas && this.sasl?.state !== 'handshake' && !result?.quotaExempt) {
        const responseBytes = slot.chunks ? slot.chunks.reduce((n, c) => n + c.byteLength, 0) : 0;
        busyMs += performance.now() - encodeStarted;
        const throttleMs = quotas.record(this.session, clientId ?? '', apiKey, frameBytes + 4, responseBytes, busyMs, Date.now());
        if (throttleMs > 0) {
          if (result && typeof (result.response as { throttleTimeMs?: unknown }).throttleTimeMs === 'number') {
            (result.response as { throttleTimeMs: number }).throttleTimeMs = throttleMs;
            slot.chunks = this.encodeResponse(apiKey, apiVersion, correlationId, result.response);
          }
          this.throttle(throttleMs);
        }
      }
      this.broker.metrics.kafkaRequest(handler.name, (performance.now() - started) / 1000);
      slot.ready = true;
      this.flushQueue();
    };
    const fail = (err: unknown) => {
      this.logger.error({ err, api: handler.name, apiVersion, remote: this.remote }, 'request handler failed');
      this.close(`internal error in ${handler.name}`);
    };
    try {
      const result = handler.handle(request, ctx);
      busyMs = performance.now() - started;
      if (result instanceof Promise) result.then(encode, fail);
      else encode(result);
    } catch (err) {
      fail(err);
    }
  }

  /** KIP-219: the response is sent at once; then nothing is read from the client for `ms`. */
  private throttle(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.throttledUntil) return;
    this.throttledUntil = until;
    this.socket.pause();
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      this.throttledUntil = 0;
      this.resumeReading();
    }, ms);
    this.throttleTimer.unref();
  }

  /** Reads again unless a quota throttle or back-pressure (unsent responses) still holds. */
  private resumeReading(): void {
    if (this.closed || this.throttledUntil > 0 || this.socket.writableLength > MAX_PENDING_WRITE_BYTES) return;
    this.socket.resume();
  }

  private encodeResponse(apiKey: number, apiVersion: number, correlationId: number, response: unknown): Uint8Array[] {
    const definition = loadedApi(apiKey)!;
    const w = new Writer();
    const sizeAt = w.reserveInt32();
    encodeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
    definition.encodeResponse(w, apiVersion, response as never);
    w.patchInt32(sizeAt, w.length - 4);
    return w.finish();
  }

  /**
   * A raw SASL token after SaslHandshake v0: evaluated, and the server's token written back
   * size-prefixed, in request order. A failure closes the connection (v0 has no error field).
   */
  private onRawSaslToken(frame: Buffer): void {
    const slot: Slot = { ready: false, chunks: null };
    this.queue.push(slot);
    const token = new Uint8Array(frame);
    this.sasl!.step(token, true).then((r) => {
      if (r.close) {
        slot.closeAfter = true;
      } else {
        const size = Buffer.allocUnsafe(4);
        size.writeInt32BE(r.token.byteLength, 0);
        slot.chunks = [size, r.token];
      }
      slot.ready = true;
      this.flushQueue();
    });
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
      if (slot.chunks) {
        socket.cork();
        const last = slot.chunks.length - 1;
        slot.chunks.forEach((chunk, i) => {
          if (i === last && slot.release) socket.write(chunk, slot.release);
          else socket.write(chunk);
        });
        socket.uncork();
      }
      if (slot.closeAfter) {
        this.closeAfterWrite('authentication failed');
        return;
      }
    }
    if (socket.writableLength > MAX_PENDING_WRITE_BYTES) socket.pause();
  }

  /** Closes the connection with a logged reason; other connections are unaffected. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.warn({ remote: this.remote, reason }, 'closing connection');
    this.socket.destroy();
    this.releaseAll();
  }

  /** Ends the connection after what is written so far reaches the peer (a final error response). */
  private closeAfterWrite(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.info({ remote: this.remote, principal: this.session.principal.name, reason }, 'closing connection');
    this.socket.end();
    // Read and drop whatever the peer still sends until it closes too: unread bytes at close
    // would make the kernel answer with a reset instead of a clean FIN. Bounded in time.
    this.socket.removeAllListeners('data');
    this.socket.on('data', () => {});
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), 5_000).unref();
    this.releaseAll();
  }

  private releaseAll(): void {
    if (this.authenticationDeadline) clearTimeout(this.authenticationDeadline);
    this.authenticationDeadline = null;
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    for (const slot of this.queue) slot.release?.();
    for (const frame of this.waitingForCodecs) releaseFrameBuffer(frame);
    this.waitingForCodecs = [];
  }

  private onClose(): void {
    if (this.authenticationDeadline) clearTimeout(this.authenticationDeadline);
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.closed = true;
    this.broker.onConnectionClosed(this);
  }
}
