/**
 * One Kafka-protocol listener (`listeners=NAME://host:port`, docs/security.html "Listener
 * Configuration"): a TCP server (node:net) for PLAINTEXT and SASL_PLAINTEXT, or a TLS server
 * (node:tls) for SSL and SASL_SSL, whose accepted sockets carry the listener's name, security
 * protocol and the peer's initial principal — `User:<subject DN>` (after
 * `ssl.principal.mapping.rules`) for a verified TLS client certificate, else `User:ANONYMOUS`.
 *
 *   const l = await KafkaListener.bind(listener, options, onConnection);  // resolves once bound
 *   l.port;          // the bound port (0 asked → the one the OS gave)
 *   await l.close(); // stops accepting and destroys every socket it accepted
 *
 * Every accepted socket first takes a slot of the broker's ConnectionQuotas (closed at once
 * when over a limit), and is closed once nothing was read or written on it for
 * `connections.max.idle.ms` (Kafka's idle-connection reaper).
 * A TLS handshake that does not finish within `gregor.authentication.timeout.ms` is dropped;
 * a failed handshake (bad or missing client certificate with ssl.client.auth=required, plain
 * TCP to a TLS port) is logged at debug level and costs nothing else.
 * Errors: bind rejects with the listen error (EADDRINUSE …); ConfigError for bad TLS settings.
 */
import { type Server, type Socket, createServer } from 'node:net';
import { type TLSSocket, createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { SecuredListener } from '../config/broker-config.js';
import { listenerProperty } from '../config/security-keys.js';
import { type AuthSession, anonymousSession, usesSasl, usesTls } from '../security/auth-session.js';
import { userPrincipal } from '../security/principal.js';
import type { SaslServerFactory } from '../security/sasl/sasl-server.js';
import { parsePrincipalMappingRules } from '../security/ssl-principal-mapper.js';
import { serverTlsOptions, subjectDistinguishedName } from '../security/tls-options.js';
import type { ConnectionSecurity } from './connection.js';
import type { ConnectionQuotas } from './connection-quotas.js';

export interface ListenerOptions {
  /** The broker's TLS/SASL properties (BrokerConfig.securityProps). */
  securityProps: Readonly<Record<string, string>>;
  /** The listener's SASL mechanisms (required for SASL_* listeners). */
  sasl: SaslServerFactory | null;
  /** TLS handshakes must finish within this (ms). */
  handshakeTimeoutMs: number;
  /** `connections.max.idle.ms` (-1: never). */
  connectionsMaxIdleMs: number;
  /** The broker's connection limits, shared by its listeners. */
  quotas: ConnectionQuotas;
  logger: Logger;
}

export type ConnectionHandler = (socket: Socket, security: ConnectionSecurity) => void;

export class KafkaListener {
  /** The bound port. */
  port = 0;

  private constructor(
    readonly listener: SecuredListener,
    private readonly server: Server,
    /** Every admitted socket still open. */
    private readonly sockets: Set<Socket>,
  ) {}

  get name(): string {
    return this.listener.name;
  }

  get securityProtocol(): SecuredListener['securityProtocol'] {
    return this.listener.securityProtocol;
  }

  /** Binds the listener. Errors: listen errors; ConfigError for TLS material. */
  static async bind(listener: SecuredListener, options: ListenerOptions, onConnection: ConnectionHandler): Promise<KafkaListener> {
    const { securityProps, logger } = options;
    const protocol = listener.securityProtocol;
    const sasl = usesSasl(protocol) ? options.sasl : null;
    if (usesSasl(protocol) && !sasl) throw new Error(`listener ${listener.name} (${protocol}) has no SASL mechanisms`);
    const remoteIp = (socket: Socket) => (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const sessionFor = (socket: Socket): AuthSession => anonymousSession(listener.name, protocol, remoteIp(socket));
    const sockets = new Set<Socket>();
    /** Takes a quota slot and arms the idle timer; false (socket destroyed) when over a limit. */
    const admit = (socket: Socket): boolean => {
      if (sockets.has(socket)) return true;
      const ip = remoteIp(socket);
      const refused = options.quotas.admit(listener.name, ip);
      if (refused !== null) {
        logger.info({ listener: listener.name, remote: socket.remoteAddress }, `connection refused: ${refused}`);
        socket.destroy();
        return false;
      }
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        options.quotas.release(listener.name, ip);
      });
      if (options.connectionsMaxIdleMs >= 0) {
        socket.setTimeout(options.connectionsMaxIdleMs, () => {
          logger.debug({ listener: listener.name, remote: socket.remoteAddress }, `closing a connection idle for connections.max.idle.ms=${options.connectionsMaxIdleMs}`);
          socket.destroy();
        });
      }
      return true;
    };
    let server: Server;
    if (usesTls(protocol)) {
      const tls = serverTlsOptions(securityProps, listener.name);
      const rules = listenerProperty(securityProps, listener.name, 'ssl.principal.mapping.rules');
      const mapPrincipal = parsePrincipalMappingRules(rules ?? 'DEFAULT');
      server = createTlsServer({ ...tls.options, handshakeTimeout: options.handshakeTimeoutMs }, (socket: TLSSocket) => {
        const session = sessionFor(socket);
        if (socket.authorized) {
          const dn = subjectDistinguishedName(socket.getPeerCertificate());
          if (dn !== null) session.principal = userPrincipal(mapPrincipal(dn));
        }
        onConnection(socket, { session, sasl });
      });
      server.on('tlsClientError', (err, socket) => {
        logger.debug({ listener: listener.name, remote: socket.remoteAddress, err: err.message }, 'TLS handshake failed');
      });
      // The raw TCP socket, before its handshake: over a limit, no handshake is done for it.
      server.on('connection', (socket: Socket) => void admit(socket));
    } else {
      server = createServer((socket) => {
        if (admit(socket)) onConnection(socket, { session: sessionFor(socket), sasl });
      });
    }
    const bound = new KafkaListener(listener, server, sockets);
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen({ port: listener.port, host: listener.host === '' ? undefined : listener.host }, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
    const address = server.address();
    bound.port = typeof address === 'object' && address ? address.port : listener.port;
    return bound;
  }

  /** Stops accepting and destroys every socket this listener accepted. */
  close(): Promise<void> {
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }
}
