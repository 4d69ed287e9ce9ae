/**
 * The WebSocket gateway: a uWebSockets.js app on its own port (`gregor.websocket.port`,
 * default 9093), in the broker's process, over the same logs and topics as the Kafka
 * listener. WebSocket upgrades on any path speak the protocol of
 * docs/websocket-protocol.md (MessagePack frames); plain HTTP on the same port serves
 * `GET /health`, `GET /metrics` and the live page (http.ts).
 *
 *   const gateway = await WebSocketGateway.start(broker, options);  // resolves once listening
 *   gateway.port;                                                   // the bound port
 *   await gateway.close();                                          // closes every socket
 *
 * Errors: start rejects when the port cannot be bound (e.g. in use).
 */
import uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { BrokerServices } from '../broker-services.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { Dispatcher } from './dispatcher.js';
import { portState } from './port-probe.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { registerHttpRoutes } from './http.js';
import type { GatewayContext } from './operation.js';
import { type FrameCodec, type HelloFrame, PROTOCOL_VERSION, createFrameCodec } from './protocol.js';
import { Session, type SocketData } from './session.js';
import { OriginPolicy } from './origin-policy.js';
import { type GatewayAuthenticator, POLICY_VIOLATION } from './gateway-authenticator.js';
import { SubscriptionHub } from './subscription-hub.js';

export interface GatewayOptions {
  /** Interface to bind ('' = all). */
  host: string;
  /** Port (0 = any free port). */
  port: number;
  /** Largest frame accepted (bytes); larger ones get MESSAGE_TOO_LARGE; twice this closes the socket. */
  maxFrameBytes: number;
  /** Unsent bytes at which subscription pushes to a socket pause. */
  pauseBytes: number;
  /** Unsent bytes at which a socket is closed (uWS maxBackpressure). */
  maxBackpressureBytes: number;
  /** A socket paused this long (ms) without draining is closed. */
  slowClientTimeoutMs: number;
  /** `gregor.websocket.allowed.origins` (null: the gateway's own origin and localhost pages). */
  allowedOrigins: readonly string[] | null;
  /** Client authentication (null: none, every socket is User:ANONYMOUS). */
  authenticator: GatewayAuthenticator | null;
  /** `wss://`: a PEM file with the private key and certificate chain (null: plain `ws://`). */
  tlsKeystorePath: string | null;
}

/** Seconds without any frame (uWS sends pings automatically before) after which a socket closes. */
const IDLE_TIMEOUT_S = 120;
/** Close code for a broker shutting down (RFC 6455 "going away"). */
const GOING_AWAY = 1001;
/** uSockets listen option: no SO_REUSEPORT, so a second process cannot share the port. */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;
/** How long a stopping gateway lets clients close after `goodbye` before closing them (ms). */
const GOODBYE_GRACE_MS = 250;
/** How long to wait for a port held only by TIME_WAIT connections of a previous run (ms). */
const TIME_WAIT_MAX_MS = 65_000;

export class WebSocketGateway {
  readonly metrics: BrokerMetrics;
  readonly gatewayMetrics: GatewayMetrics;
  readonly hub: SubscriptionHub;
  readonly sessions = new Set<Session>();
  private readonly codec: FrameCodec = createFrameCodec();
  private readonly app: uWS.TemplatedApp;
  private listenSocket: uWS.us_listen_socket | null = null;
  /** The bound port. */
  port = 0;
  private readonly http: { close(): Promise<void> };
  private closed = false;

  private constructor(
    readonly broker: BrokerServices,
    readonly options: GatewayOptions,
    private readonly logger: Logger,
  ) {
    this.metrics = broker.metrics;
    this.hub = new SubscriptionHub({
      logOf: (topic, partition) => broker.replicas.leaderLog(topic, partition),
      codec: this.codec,
      maxPushBytes: Math.max(64 * 1024, Math.min(options.pauseBytes, 1024 * 1024)),
      observer: { pushed: (topic, records, bytes) => this.gatewayMetrics.pushed(topic, records, bytes) },
    });
    this.gatewayMetrics = new GatewayMetrics(this.metrics.registry, () => this.hub);
    const ctx: GatewayContext = { broker, hub: this.hub, metrics: this.gatewayMetrics, logger, websocketPort: () => this.port, authenticator: options.authenticator };
    const dispatcher = new Dispatcher(ctx, this.codec, options.maxFrameBytes);
    const origins = new OriginPolicy(options.allowedOrigins, options.host);
    // The same PEM keystore file serves as certificate chain and key (OpenSSL reads each from it).
    this.app = options.tlsKeystorePath ? uWS.SSLApp({ key_file_name: options.tlsKeystorePath, cert_file_name: options.tlsKeystorePath }) : uWS.App();
    this.app.ws<SocketData>('/*', {
      maxPayloadLength: options.maxFrameBytes * 2,
      maxBackpressure: options.maxBackpressureBytes,
      closeOnBackpressureLimit: 1,
      idleTimeout: IDLE_TIMEOUT_S,
      sendPingsAutomatically: true,
      compression: uWS.DISABLED,
      upgrade: (res, req, context) => {
        const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
        const origin = req.getHeader('origin');
        if (!origins.admits(origin, req.getHeader('host'))) {
          this.logger.warn({ remote, origin }, 'WebSocket upgrade from a foreign origin refused');
          res.cork(() => res.writeStatus('403 Forbidden').writeHeader('Content-Type', 'text/plain').end('origin not allowed (gregor.websocket.allowed.origins)\n'));
          return;
        }
        res.upgrade<SocketData>(
          { session: null, remote },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => this.onOpen(ws),
      message: (ws, message, isBinary) => {
        const session = ws.getUserData().session;
        if (session) dispatcher.onMessage(session, message, isBinary);
      },
      drain: (ws) => ws.getUserData().session?.onDrain(),
      close: (ws) => this.onClose(ws),
    });
    this.http = registerHttpRoutes(this.app, { broker, metrics: this.metrics, gateway: this });
  }

  /** Starts the gateway and resolves once it listens. */
  static async start(broker: BrokerServices, options: GatewayOptions, logger: Logger): Promise<WebSocketGateway> {
    const gateway = new WebSocketGateway(broker, options, logger.child({ component: 'websocket' }));
    await gateway.listen();
    return gateway;
  }

  /**
   * Binds the port exclusively (no SO_REUSEPORT sharing with another process). A port held
   * only by TIME_WAIT connections of a previous run is waited for (up to 65 s, logged);
   * a port another process listens on fails at once.
   */
  private async listen(): Promise<void> {
    const { host, port } = this.options;
    const deadline = Date.now() + TIME_WAIT_MAX_MS;
    let warned = false;
    for (;;) {
      const socket = await new Promise<uWS.us_listen_socket | false>((resolve) => {
        // listen(host, port, options, cb) exists at run time but not in uWS's typings.
        const listen = this.app.listen.bind(this.app) as unknown as (...args: unknown[]) => void;
        if (host === '') listen(port, LIBUS_LISTEN_EXCLUSIVE_PORT, resolve);
        else listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, resolve);
      });
      if (socket) {
        this.listenSocket = socket;
        this.port = uWS.us_socket_local_port(socket as unknown as uWS.us_socket);
        return;
      }
      const state = port === 0 ? 'unknown' : portState(port);
      if (state !== 'time-wait' || Date.now() > deadline) {
        throw new Error(`WebSocket gateway cannot listen on ${host || '*'}:${port} (${state === 'listening' ? 'address in use' : state === 'time-wait' ? 'connections of a previous run still in TIME_WAIT' : 'address in use?'})`);
      }
      if (!warned) this.logger.warn({ port }, 'waiting for connections of a previous run (TIME_WAIT) to release the WebSocket port');
      warned = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private onOpen(ws: uWS.WebSocket<SocketData>): void {
    const data = ws.getUserData();
    if (this.closed) {
      ws.end(GOING_AWAY, 'broker stopping');
      return;
    }
    const session = new Session(ws, data.remote, this.codec, { ...this.options, deferWrites: this.options.tlsKeystorePath !== null }, {
      resumed: (s) => this.hub.resume(s),
      paused: () => this.gatewayMetrics.pausedTotal.inc(),
      slowClientClosed: (s) => {
        this.gatewayMetrics.slowClientDisconnects.inc();
        this.logger.warn({ remote: s.remote, bufferedBytes: s.bufferedAmount }, 'closed a WebSocket client that stopped reading');
      },
    });
    data.session = session;
    this.sessions.add(session);
    this.gatewayMetrics.connections.inc();
    const hello: HelloFrame = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      nodeId: this.broker.config.nodeId,
      clusterId: this.broker.clusterId,
      maxFrameBytes: this.options.maxFrameBytes,
      maxBatchBytes: this.broker.config.messageMaxBytes,
      ...(this.options.authenticator ? { authentication: this.options.authenticator.mode, saslMechanisms: this.options.authenticator.enabledMechanisms } : {}),
    };
    session.send(hello);
    const authenticator = this.options.authenticator;
    if (authenticator) {
      setTimeout(() => {
        if (!session.authenticated) session.end(POLICY_VIOLATION, 'authentication timeout');
      }, authenticator.timeoutMs).unref();
    }
  }

  private onClose(ws: uWS.WebSocket<SocketData>): void {
    const session = ws.getUserData().session;
    if (!session) return;
    session.onClosed();
    this.hub.removeSession(session);
    this.sessions.delete(session);
    this.gatewayMetrics.connections.dec();
  }

  /**
   * Stops listening, sends every WebSocket a `goodbye` frame, gives clients up to 250 ms to
   * close (a client that closes first leaves the port free for a restart), then closes the
   * rest (close code 1001).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // REST consumer instances are WebSocket clients of this gateway: they leave their groups first.
    await this.http.close().catch((err: unknown) => this.logger.warn({ err }, 'closing REST consumer instances failed'));
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    this.hub.close();
    if (this.sessions.size > 0) {
      const goodbye = this.codec.pack({ type: 'goodbye', reason: 'broker stopping' });
      for (const session of this.sessions) session.sendEncoded(goodbye);
      const deadline = Date.now() + GOODBYE_GRACE_MS;
      while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    }
    for (const session of [...this.sessions]) session.end(GOING_AWAY, 'broker stopping');
  }
}
