/**
 * A small Kafka-protocol client: one TCP (or TLS) connection to a broker, SASL if configured,
 * requests encoded with our generated codecs at the highest version both sides support
 * (learned from ApiVersions), responses read in order. Brokers use it towards each other
 * (replica fetchers, controlled shutdown) and the CLI for its admin commands. Works against
 * Gregor and against Apache Kafka.
 */
import { once } from 'node:events';
import { isIP, type Socket, connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { type ClientSecurity, NO_CLIENT_SECURITY } from '../security/client-security.js';
import { API_METAS, loadApi, loadedApi, requestHeaderVersion, responseHeaderVersion } from '../protocol/generated/api-registry.js';
import type { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import type { SaslAuthenticateResponse } from '../protocol/generated/sasl-authenticate-response.js';
import { encodeRequestHeader } from '../protocol/generated/request-header.js';
import { decodeResponseHeader } from '../protocol/generated/response-header.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { FrameReader } from './frame-reader.js';
import { DirectFrameReader } from './direct-frame-reader.js';
import { releaseFrameBuffer } from './frame-pool.js';
import { readIntoBuffers } from './socket-reads.js';
import { createSaslClient } from '../security/sasl/sasl-client.js';

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
/** The highest ApiVersions request whose response every broker since 2.4 can send. */
const API_VERSIONS_VERSION = 3;

/** Largest response frame accepted: a Kafka response's size is an int32. */
const MAX_RESPONSE_BYTES = 0x7fffffff;

export class KafkaClient {
  /**
   * Response frames out of the byte stream. On a plain TCP socket the kernel reads straight
   * into the frame's own buffer (DirectFrameReader over user-buffer reads, socket-reads.ts):
   * no 64 KiB buffer per read and no join copy. Over TLS, 'data' chunks are kept in a list
   * and joined once per frame (FrameReader): a 1 MiB replica fetch response arriving in
   * 64 KiB chunks costs one copy, not a growing concatenation per chunk (which cost a
   * follower most of its CPU). Frames of 4 KiB and more come from frame-pool.ts; those of a
   * {@link requestRetained} go back to it when its caller releases them, so a follower's
   * fetch responses land in the same few buffers (pages already mapped) instead of a fresh
   * megabyte each (page faults and garbage collections).
   */
  private readonly frames: FrameReader | DirectFrameReader;
  private readonly waiting: Array<{ resolve: (frame: Buffer) => void; reject: (err: Error) => void }> = [];
  private correlationId = 0;
  private readonly versions = new Map<number, number>();
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    /** How long an outstanding request may go unanswered before the connection is dropped (ms). */
    private readonly requestTimeoutMs: number,
  ) {
    // Requests go out as written (TCP_NODELAY, as Kafka's clients and our listeners set it).
    socket.setNoDelay(true);
    const direct = new DirectFrameReader(MAX_RESPONSE_BYTES, 'response size');
    if (readIntoBuffers(socket, () => direct.nextBuffer(), (n) => this.onRead(direct, n))) {
      this.frames = direct;
    } else {
      this.frames = new FrameReader(MAX_RESPONSE_BYTES, 'response size');
      socket.on('data', (d: Buffer) => this.onData(d));
    }
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  /**
   * Connects to `host:port` (over TLS when `security.tls` is set) and negotiates API versions.
   * `timeoutMs` bounds the connect and, afterwards, each outstanding request (no answer within
   * it drops the connection); an idle connection with nothing outstanding stays open.
   * Errors: connection and TLS errors (ECONNREFUSED, certificate errors …), or a broker that
   * answers ApiVersions with an error.
   */
  static async connect(bootstrap: string, timeoutMs = 10_000, security: ClientSecurity = NO_CLIENT_SECURITY): Promise<KafkaClient> {
    const at = bootstrap.lastIndexOf(':');
    if (at <= 0) throw new Error(`"${bootstrap}" is not host:port`);
    const host = bootstrap.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(bootstrap.slice(at + 1));
    const socket = security.tls ? connectTls({ ...security.tls, host, port, ...(isIP(host) ? {} : { servername: host }) }) : connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${bootstrap} within ${timeoutMs} ms`)));
    await Promise.race([once(socket, security.tls ? 'secureConnect' : 'connect'), once(socket, 'error').then(([err]) => Promise.reject(err))]);
    const client = new KafkaClient(socket, timeoutMs);
    const res = await client.send<ApiVersionsResponse>(API_VERSIONS, API_VERSIONS_VERSION, { clientSoftwareName: 'gregor-cli', clientSoftwareVersion: '0.1.0' });
    if (res.errorCode !== 0) throw new Error(`ApiVersions failed with error code ${res.errorCode}`);
    for (const k of res.apiKeys) {
      const ours = API_METAS[k.apiKey];
      if (ours && k.maxVersion >= ours.minVersion) client.versions.set(k.apiKey, Math.min(k.maxVersion, ours.maxVersion));
    }
    if (security.sasl) {
      try {
        await client.authenticate(security.sasl.mechanism, security.sasl.username, security.sasl.password);
      } catch (err) {
        client.close();
        throw err;
      }
    }
    return client;
  }

  /** Time left of the SASL session (ms since the epoch; null: none reported), KIP-368. */
  sessionExpiresAtMs: number | null = null;

  /**
   * SaslHandshake v1 then SaslAuthenticate until the mechanism completes (also used for
   * KIP-368 re-authentication on the same connection).
   * Errors: UNSUPPORTED_SASL_MECHANISM (with the broker's list), SASL_AUTHENTICATION_FAILED
   * with the broker's message, or a server that fails mutual authentication (SCRAM).
   */
  async authenticate(mechanism: string, username: string, password: string): Promise<void> {
    const hs = await this.send<{ errorCode: number; mechanisms: string[] }>(SASL_HANDSHAKE, 1, { mechanism });
    if (hs.errorCode !== 0) throw new Error(`SaslHandshake failed with error code ${hs.errorCode} (the broker offers ${hs.mechanisms.join(', ') || 'no mechanism'})`);
    const sasl = createSaslClient(mechanism, username, password);
    const version = Math.min(this.versions.get(SASL_AUTHENTICATE) ?? 1, 2);
    let token: Uint8Array | null = await sasl.start();
    while (token !== null) {
      const res: SaslAuthenticateResponse = await this.send<SaslAuthenticateResponse>(SASL_AUTHENTICATE, version, { authBytes: token });
      if (res.errorCode !== 0) throw new Error(`SASL authentication failed (error code ${res.errorCode}): ${res.errorMessage ?? ''}`);
      this.sessionExpiresAtMs = res.sessionLifetimeMs > 0 ? Date.now() + res.sessionLifetimeMs : null;
      token = sasl.complete ? null : await sasl.evaluate(res.authBytes);
    }
  }

  /**
   * Sends a request at the highest common version (or `version`) and resolves with its
   * decoded response and the version used.
   * Errors: the broker does not serve the API; the connection fails.
   */
  async request<T>(apiKey: number, body: unknown, version?: number): Promise<{ response: T; version: number }> {
    const v = this.versionFor(apiKey, version);
    return { response: (await this.sendFrame<T>(apiKey, v, body)).response, version: v };
  }

  /**
   * As {@link request}, but the response's byte fields (a Fetch response's `records`) are
   * views of a recycled receive buffer: they are valid until `release()` is called, which
   * the caller must do once it holds no view of them any more (e.g. after a follower has
   * appended the fetched records); the buffer then receives a later response. A response
   * never released only costs its buffer's reuse.
   * Errors: as {@link request}.
   */
  async requestRetained<T>(apiKey: number, body: unknown, version?: number): Promise<{ response: T; version: number; release: () => void }> {
    const v = this.versionFor(apiKey, version);
    const { response, frame } = await this.sendFrame<T>(apiKey, v, body);
    let released = false;
    return {
      response,
      version: v,
      release: () => {
        if (released) return;
        released = true;
        releaseFrameBuffer(frame);
      },
    };
  }

  private versionFor(apiKey: number, version: number | undefined): number {
    const v = version ?? this.versions.get(apiKey);
    if (v === undefined) throw new Error(`the broker does not support ${API_METAS[apiKey]?.name ?? `API ${apiKey}`}`);
    return v;
  }

  private async send<T>(apiKey: number, version: number, body: unknown): Promise<T> {
    return (await this.sendFrame<T>(apiKey, version, body)).response;
  }

  /** Sends a request; resolves with its decoded response and the frame it was decoded from. */
  private async sendFrame<T>(apiKey: number, version: number, body: unknown): Promise<{ response: T; frame: Buffer }> {
    // The API's codecs are imported on its first use (api-registry.ts); the request is then
    // queued and written in one step, so responses still match requests in order.
    const def = loadedApi(apiKey) ?? (await loadApi(apiKey));
    if (this.closedError) throw this.closedError;
    if (!def) throw new Error(`unknown API key ${apiKey}`);
    const w = new Writer();
    const sizeAt = w.reserveInt32();
    encodeRequestHeader(w, requestHeaderVersion(apiKey, version), {
      requestApiKey: apiKey,
      requestApiVersion: version,
      correlationId: this.correlationId++,
      clientId: 'gregor-cli',
    } as never);
    def.encodeRequest(w, version, body as never);
    w.patchInt32(sizeAt, w.length - 4);
    const frame = new Promise<Buffer>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.waiting.length === 1) this.socket.setTimeout(this.requestTimeoutMs);
    this.socket.write(w.finishSingle());
    return frame.then((bytes) => {
      const r = new Reader(bytes);
      decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
      return { response: def.decodeResponse(r, version) as T, frame: bytes };
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = (this.frames as FrameReader).push(chunk);
    } catch (err) {
      this.socket.destroy(err as Error);
      return;
    }
    this.onFrames(frames);
  }

  /** `n` bytes read into the direct reader's buffer. */
  private onRead(reader: DirectFrameReader, n: number): void {
    if (this.closedError) return;
    let frames: Buffer[];
    try {
      frames = reader.onRead(n);
    } catch (err) {
      this.socket.destroy(err as Error);
      return;
    }
    this.onFrames(frames);
  }

  private onFrames(frames: Buffer[]): void {
    for (const frame of frames) this.waiting.shift()?.resolve(frame);
    // Nothing outstanding: idle is not a failure (the timeout runs again with the next request).
    if (frames.length > 0 && this.waiting.length === 0) this.socket.setTimeout(0);
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** Whether the connection has ended (closed, failed, or idle past its timeout): requests on it fail. */
  get closed(): boolean {
    return this.closedError !== null;
  }

  close(): void {
    this.closedError ??= new Error('client closed');
    this.socket.destroy();
  }
}
