/**
 * One HTTP request/response on the gateway's uWebSockets.js app, for the REST proxy: what the
 * request said (read synchronously, as uWS requires), its body read with a bound, and one way
 * to answer. uWS hands body chunks only to a handler attached before the route returns, so
 * the body is buffered from the start; until `allowBody(limit)` is called (after
 * authentication) the socket is paused once PRE_AUTH_BODY_BYTES have arrived, so an
 * unauthenticated peer makes the broker hold at most that plus one socket read.
 */
import type uWS from 'uWebSockets.js';
import { REASONS, RestError } from './rest-error.js';

/** Body bytes buffered before the request is authenticated. */
export const PRE_AUTH_BODY_BYTES = 16 * 1024;

export class HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly accept: string;
  readonly authorization: string;
  readonly lastEventId: string;
  /** Whether the body comes with `Transfer-Encoding: chunked` (v3's streamed produce). */
  readonly chunked: boolean;
  readonly remote: string;
  /** The Host header (for URIs the answer names). */
  readonly host: string;
  aborted = false;
  private responded = false;
  /** The answer has ended: the response must not be touched again. */
  private ended = false;
  /** Where body chunks go once the body is streamed (streamBody) rather than buffered. */
  private sink: ((chunk: Buffer, last: boolean) => void) | null = null;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private limit = PRE_AUTH_BODY_BYTES;
  private paused = false;
  private complete = false;
  private failure: RestError | null = null;
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private abortListeners: Array<() => void> = [];
  /** The Content-Length header's value (0 when absent; chunked bodies are counted as they come). */
  private readonly declaredLength: number;

  constructor(
    readonly res: uWS.HttpResponse,
    req: uWS.HttpRequest,
    /** The route's path parameters, in order. */
    readonly params: string[],
  ) {
    this.method = req.getCaseSensitiveMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = new URLSearchParams(req.getQuery() ?? '');
    this.contentType = req.getHeader('content-type');
    this.accept = req.getHeader('accept');
    this.authorization = req.getHeader('authorization');
    this.lastEventId = req.getHeader('last-event-id');
    this.chunked = /chunked/i.test(req.getHeader('transfer-encoding'));
    this.remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    this.host = req.getHeader('host');
    this.declaredLength = Number(req.getHeader('content-length') || '0');
    res.onAborted(() => {
      this.aborted = true;
      this.fail(new RestError(400, 400, 'the client went away'));
      for (const listener of this.abortListeners.splice(0)) listener();
    });
    // GET may carry a body (v2's GET …/offsets does); a request without one has no data to wait for.
    if ((this.method === 'GET' || this.method === 'HEAD' || this.method === 'DELETE') && this.declaredLength === 0 && !this.chunked) {
      this.complete = true;
      return;
    }
    res.onData((chunk, isLast) => {
      // Once answered (or gone) the response must not be touched; the rest is discarded.
      if (this.failure || this.ended || this.aborted) return;
      if (this.sink) {
        if (isLast) this.complete = true;
        this.sink(Buffer.from(chunk.slice(0)), isLast);
        return;
      }
      this.received += chunk.byteLength;
      if (this.received > this.limit && this.limit !== PRE_AUTH_BODY_BYTES) {
        this.fail(new RestError(413, 413, `request body larger than ${this.limit} bytes`));
        return;
      }
      this.chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) {
        this.complete = true;
        this.settle();
      } else if (this.received >= this.limit && !this.paused) {
        this.paused = true;
        res.pause();
      }
    });
  }

  /** Runs `listener` when the client goes away before the answer. */
  onAbort(listener: () => void): void {
    if (this.aborted) listener();
    else this.abortListeners.push(listener);
  }

  /**
   * The whole body, once authenticated: allows up to `limit` bytes (rejects with RestError 413
   * beyond that) and resumes a paused socket.
   */
  body(limit: number): Promise<Buffer> {
    this.limit = limit;
    if (this.received > limit || this.declaredLength > limit) this.fail(new RestError(413, 413, `request body larger than ${limit} bytes`));
    return new Promise<Buffer>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.settle();
      if (!this.failure) this.resumeBody();
    });
  }

  /**
   * Hands the body to `sink` chunk by chunk instead of buffering it (after authentication;
   * for streamed requests): chunks that already arrived first. The caller bounds what it keeps
   * and applies back-pressure with pauseBody / resumeBody.
   */
  streamBody(sink: (chunk: Buffer, last: boolean) => void): void {
    this.sink = sink;
    const early = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    if (early.length > 0 || this.complete) sink(early, this.complete);
    this.resumeBody();
  }

  /** Stops reading the body (back-pressure). */
  pauseBody(): void {
    if (this.paused || this.ended || this.aborted || this.complete) return;
    this.paused = true;
    this.res.pause();
  }

  /** Reads the body again after pauseBody (or the pre-authentication pause). */
  resumeBody(): void {
    if (!this.paused || this.ended || this.aborted) return;
    this.paused = false;
    this.res.resume();
  }

  private fail(error: RestError): void {
    if (this.failure) return;
    this.failure = error;
    this.chunks.length = 0;
    this.settle();
  }

  private settle(): void {
    if (!this.waiter) return;
    if (this.failure) this.waiter.reject(this.failure);
    else if (this.complete) this.waiter.resolve(Buffer.concat(this.chunks));
    else return;
    this.waiter = null;
  }

  /** Answers with `status`, `contentType` and `body`; closes the connection when the body was not read to its end. */
  respond(status: number, contentType: string, body: string | Uint8Array, headers: ReadonlyArray<[string, string]> = []): void {
    if (this.aborted || this.responded) return;
    this.responded = true;
    this.ended = true;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${REASONS[status] ?? ''}`).writeHeader('Content-Type', contentType).writeHeader('Cache-Control', 'no-store');
      for (const [k, v] of headers) this.res.writeHeader(k, v);
      this.res.end(body, !this.complete || this.failure !== null);
    });
  }

  /** Starts a streamed answer (Server-Sent Events, chunked record deliveries). */
  beginStream(status: number, contentType: string, headers: ReadonlyArray<[string, string]> = []): void {
    if (this.aborted || this.responded) return;
    this.responded = true;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${REASONS[status] ?? ''}`).writeHeader('Content-Type', contentType).writeHeader('Cache-Control', 'no-store');
      for (const [k, v] of headers) this.res.writeHeader(k, v);
    });
  }

  /** Writes one chunk of a streamed answer; false when the client is gone or its buffer is full. */
  write(chunk: string): boolean {
    if (this.aborted || this.ended) return false;
    let ok = false;
    this.res.cork(() => {
      ok = this.res.write(chunk);
    });
    return ok;
  }

  /** Ends a streamed answer. */
  endStream(): void {
    if (this.aborted || this.ended) return;
    this.ended = true;
    // Not closeConnection: uWS would cut the connection before the chunked answer's last chunk;
    // a body still arriving is discarded by the HTTP parser (onData ignores it once ended).
    this.res.cork(() => this.res.end());
  }

  get hasResponded(): boolean {
    return this.responded;
  }
}
