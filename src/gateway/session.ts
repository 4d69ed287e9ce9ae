/**
 * One WebSocket connection to the gateway: its subscriptions and its back-pressure state.
 *
 * Back-pressure (uWebSockets.js `getBufferedAmount` / `drain`): after every send, a socket
 * holding more than `pauseBytes` unsent bytes is *paused* — no subscription pushes until
 * uWS reports a drain below `pauseBytes / 2`; requests are still answered. A socket paused
 * for `slowClientTimeoutMs` without draining, or whose unsent bytes pass uWS's
 * `maxBackpressure` (answers to requests it keeps sending but never reads), is closed. So
 * a client that stops reading holds at most about `pauseBytes` (plus one frame, or the
 * backpressure limit) of broker memory, and never slows producers or other clients.
 *
 * `wss://` sockets (`deferWrites`): frames are queued and written on the next turn of the
 * event loop (setImmediate, one corked write), never from inside a uWS callback. uSockets'
 * TLS read path (ssl_on_data) decrypts a read into a 512 KiB buffer and, when that buffer
 * fills, hands it to uWS before it has decrypted the rest of the read; a write at that
 * moment (us_internal_ssl_socket_write) clears the loop's pending ciphertext length, so the
 * rest of the read is lost, the TLS record stream breaks and the socket is closed (1006 at
 * both ends). Answers to a client pipelining more than ~512 KiB of requests were exactly such
 * writes. Queued bytes count in `bufferedAmount`, so pausing works as without the queue.
 */
import type { WebSocket } from 'uWebSockets.js';
import { type AuthSession, anonymousSession } from '../security/auth-session.js';
import type { KafkaPrincipal } from '../security/principal.js';
import type { SaslServer } from '../security/sasl/sasl-server.js';
import { ErrorCode, KafkaError, errorName } from '../protocol/error-codes.js';
import type { ErrorFrame, FrameCodec } from './protocol.js';
import type { Subscription } from './subscription.js';

/** What uWS keeps per socket: a pointer back to the session, set in `open`. */
export interface SocketData {
  session: Session | null;
  remote: string;
}

export interface SessionLimits {
  /** Unsent bytes above which pushes pause (bytes). */
  pauseBytes: number;
  /** Close a socket paused this long without draining (ms). */
  slowClientTimeoutMs: number;
  /** Queue frames and write them from setImmediate, never inside a uWS callback (TLS sockets). */
  deferWrites?: boolean;
}

export interface SessionEvents {
  /** The socket drained below the resume mark: deliver to its subscriptions again. */
  resumed(session: Session): void;
  /** The session is paused (for metrics). */
  paused(session: Session): void;
  /** The session was closed for not reading (for metrics and logs). */
  slowClientClosed(session: Session): void;
}

/** uWS send() results. */
const SEND_DROPPED = 2;

export class Session {
  /** Subscriptions by `${topic}\u0000${partition}`. */
  readonly subscriptions = new Map<string, Subscription>();
  paused = false;
  closed = false;
  /** Requests answered and pushes sent, for metrics. */
  framesSent = 0;
  /** Who is on this WebSocket (anonymous until it authenticates); the Authorizer decides on it. */
  auth: AuthSession;
  /** Whether an `authenticate` exchange succeeded (gateway authentication on). */
  authenticated = false;
  /** The SASL exchange in progress (between `authenticate` frames), if any. */
  saslExchange: SaslServer | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private slowTimer: NodeJS.Timeout | null = null;
  /** Frames waiting for the deferred write (deferWrites only), and their bytes. */
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;

  constructor(
    private readonly ws: WebSocket<SocketData>,
    readonly remote: string,
    private readonly codec: FrameCodec,
    private readonly limits: SessionLimits,
    private readonly events: SessionEvents,
  ) {
    this.auth = anonymousSession('WEBSOCKET', 'PLAINTEXT', remote);
  }

  /**
   * Sets the principal after a completed SASL exchange; the socket is closed at `expiresAtMs`
   * (ms since the epoch; null: never) unless a re-authentication moves it
   * (gateway-authenticator.ts).
   */
  authenticateAs(principal: KafkaPrincipal, mechanism: string, expiresAtMs: number | null): void {
    this.auth = { ...this.auth, principal, saslMechanism: mechanism, sessionExpiresAtMs: expiresAtMs };
    this.authenticated = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (expiresAtMs === null) return;
    this.expiryTimer = setTimeout(() => this.end(1008, 'session expired'), Math.max(0, expiresAtMs - Date.now()));
    this.expiryTimer.unref();
  }

  /** After a failed authentication: nothing more is served; the caller closes the socket after the failure delay. */
  authenticationFailed(): void {
    this.authenticated = false;
    this.saslExchange = null;
  }

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** Bytes uWS holds for this socket, not yet written to the kernel, plus frames still queued. */
  get bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount() + this.outboxBytes;
  }

  /** Encodes and sends one frame. Returns false if the socket is closed or the frame was dropped. */
  send(frame: unknown): boolean {
    if (this.closed) return false;
    return this.sendEncoded(this.codec.pack(frame));
  }

  /** Sends an already encoded frame (shared by several sessions when fanning out). */
  sendEncoded(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.limits.deferWrites) {
      // The codec's buffers are not reused, so holding `bytes` until the flush is safe.
      if (this.outbox.length === 0) setImmediate(() => this.flush());
      this.outbox.push(bytes);
      this.outboxBytes += bytes.byteLength;
      this.framesSent++;
      if (!this.paused && this.bufferedAmount > this.limits.pauseBytes) this.pause();
      return true;
    }
    const status = this.ws.send(bytes, true, false);
    this.framesSent++;
    if (status === SEND_DROPPED) return false; // uWS closes it (closeOnBackpressureLimit)
    if (!this.paused && this.ws.getBufferedAmount() > this.limits.pauseBytes) this.pause();
    return true;
  }

  /** Writes the queued frames in one corked batch (deferWrites). */
  private flush(): void {
    const frames = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    if (this.closed || frames.length === 0) return;
    let dropped = false;
    this.ws.cork(() => {
      for (const frame of frames) {
        // SEND_DROPPED: past maxBackpressure, uWS closes the socket (closeOnBackpressureLimit).
        dropped = this.closed || this.ws.send(frame, true, false) === SEND_DROPPED;
        if (dropped) return;
      }
    });
    if (dropped || this.closed) return;
    // A pause the queue caused ends here if the kernel took the bytes (uWS drains nothing then).
    if (this.paused) this.onDrain();
    else if (this.ws.getBufferedAmount() > this.limits.pauseBytes) this.pause();
  }

  /** An error frame for a request id (or none) from any thrown value. */
  sendError(id: number | undefined, err: unknown, extra: Partial<ErrorFrame> = {}): void {
    this.send(errorFrame(id, err, extra));
  }

  private pause(): void {
    this.paused = true;
    this.events.paused(this);
    this.slowTimer = setTimeout(() => {
      if (!this.paused || this.closed) return;
      this.events.slowClientClosed(this);
      this.ws.close();
    }, this.limits.slowClientTimeoutMs);
    this.slowTimer.unref();
  }

  /** uWS drain handler: resumes pushes once below half the pause mark. */
  onDrain(): void {
    if (!this.paused || this.closed) return;
    if (this.bufferedAmount > this.limits.pauseBytes / 2) return;
    this.paused = false;
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = null;
    this.events.resumed(this);
  }

  /** Called from uWS's close handler: the socket must not be used after this. */
  onClosed(): void {
    this.closed = true;
    this.outbox = [];
    this.outboxBytes = 0;
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = null;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** Closes the socket gracefully (close frame with `code`). */
  end(code: number, reason: string): void {
    if (this.closed) return;
    // Queued frames (e.g. the error that explains the close) go out before the close frame;
    // input still unread no longer matters on a socket being closed.
    this.flush();
    if (!this.closed) this.ws.end(code, reason);
  }
}

/** Builds an error frame: KafkaError keeps its code; anything else is UNKNOWN_SERVER_ERROR. */
export function errorFrame(id: number | undefined, err: unknown, extra: Partial<ErrorFrame> = {}): ErrorFrame {
  const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
  const name = errorName(code);
  let message = err instanceof Error ? err.message : String(err);
  // KafkaError messages start with their name; the frame carries the name separately.
  if (message.startsWith(`${name}: `)) message = message.slice(name.length + 2);
  const frame: ErrorFrame = { type: 'error', code, name, message, ...extra };
  if (id !== undefined) frame.id = id;
  return frame;
}
