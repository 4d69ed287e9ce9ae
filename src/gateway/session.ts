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

  /** Bytes uWS holds for this socket, not yet written to the kernel. */
  get bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  /** Encodes and sends one frame. Returns false if the socket is closed or the frame was dropped. */
  send(frame: unknown): boolean {
    if (this.closed) return false;
    return this.sendEncoded(this.codec.pack(frame));
  }

  /** Sends an already encoded frame (shared by several sessions when fanning out). */
  sendEncoded(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const status = this.ws.send(bytes, true, false);
    this.framesSent++;
    if (status === SEND_DROPPED) return false; // uWS closes it (closeOnBackpressureLimit)
    if (!this.paused && this.ws.getBufferedAmount() > this.limits.pauseBytes) this.pause();
    return true;
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
    if (this.ws.getBufferedAmount() > this.limits.pauseBytes / 2) return;
    this.paused = false;
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = null;
    this.events.resumed(this);
  }

  /** Called from uWS's close handler: the socket must not be used after this. */
  onClosed(): void {
    this.closed = true;
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = null;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** Closes the socket gracefully (close frame with `code`). */
  end(code: number, reason: string): void {
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
