/**
 * Gregor as a library: one broker (Kafka protocol listener, logs, engine) in this process.
 *
 *   const broker = await Broker.start({ port: 0, logDirs: '/tmp/x' });  // returns once listening
 *   broker.port;                                                        // the bound port
 *   await broker.stop();                                                // flushes and closes
 *
 * Several brokers in one process share nothing (each has its own engine memory, logs,
 * sockets and timers).
 */
import { type Server, type Socket, createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { HANDLERS } from './apis/index.js';
import {
  type BrokerConfig,
  type EngineKind,
  applyProperties,
  defaultConfig,
  readPropertiesFile,
} from './config/broker-config.js';
import type { Engine } from './engine/engine.js';
import { createEngine } from './engine/index.js';
import { createLogger } from './logger.js';
import { Connection } from './network/connection.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { FetchPurgatory } from './server/fetch-purgatory.js';
import { LogManager } from './storage/log-manager.js';

export interface BrokerOptions {
  /** Kafka listener port (0: any free port); overrides `listeners`. */
  port?: number;
  /** Host to bind (default: all interfaces, as Kafka's `PLAINTEXT://:9092`). */
  host?: string;
  /** `log.dirs`: one directory (or a comma list). */
  logDirs?: string;
  /** `gregor.engine` */
  engine?: EngineKind;
  /** A server.properties file read first. */
  configFile?: string;
  /** Any Kafka property by name, e.g. { 'log.segment.bytes': 1048576 }. */
  properties?: Record<string, string | number | boolean>;
  logger?: Logger;
}

/** Bytes of shared memory per active segment's tail buffer: room for two largest batches. */
function tailCapacityFor(config: BrokerConfig): number {
  return Math.max(1024 * 1024, 2 * config.messageMaxBytes);
}

/** Builds the effective config: defaults, then the file, then properties, then options. */
export function resolveConfig(options: BrokerOptions): BrokerConfig {
  const config = defaultConfig();
  if (options.configFile) applyProperties(config, readPropertiesFile(options.configFile));
  if (options.properties) applyProperties(config, options.properties);
  if (options.logDirs !== undefined) applyProperties(config, { 'log.dirs': options.logDirs });
  if (options.engine !== undefined) applyProperties(config, { 'gregor.engine': options.engine });
  if (options.port !== undefined || options.host !== undefined) {
    const listener = config.listeners[0]!;
    const port = options.port ?? listener.port;
    const host = options.host ?? listener.host;
    const advertisedSame = config.advertisedListeners === config.listeners;
    config.listeners = [{ ...listener, host, port }];
    if (advertisedSame) config.advertisedListeners = config.listeners;
  }
  return config;
}

export class Broker {
  readonly logs: LogManager;
  readonly fetchPurgatory = new FetchPurgatory();
  /** Consumer groups and committed offsets (`__consumer_offsets`). */
  readonly groups: GroupCoordinator;
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  /** The bound Kafka port (resolved after listen when 0 was asked). */
  port = 0;
  /** Host:port Metadata advertises. */
  advertisedHost = 'localhost';
  private stopped = false;

  private constructor(
    readonly config: BrokerConfig,
    readonly engine: Engine,
    readonly logger: Logger,
  ) {
    this.logs = LogManager.open({
      logDir: resolve(config.logDirs[0]!),
      nodeId: config.nodeId,
      clusterId: config.clusterId,
      logger,
      logConfig: {
        engine,
        indexIntervalBytes: config.logIndexIntervalBytes,
        tailCapacity: tailCapacityFor(config),
        segmentBytes: config.logSegmentBytes,
        rollMs: config.logRollMs,
        maxBatchBytes: config.messageMaxBytes,
        flushIntervalMessages: config.logFlushIntervalMessages,
      },
    });
    this.groups = new GroupCoordinator(this.logs, engine, {
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      maxSize: config.groupMaxSize,
      offsetsTopicNumPartitions: config.offsetsTopicNumPartitions,
      offsetsRetentionMs: config.offsetsRetentionMs,
      offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
      offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
    }, logger.child({ component: 'group-coordinator' }));
    this.groups.start();
  }

  /**
   * Starts a broker and resolves once it listens.
   * Errors: ConfigError (bad options), listen errors (EADDRINUSE), log recovery errors.
   */
  static async start(options: BrokerOptions = {}): Promise<Broker> {
    const config = resolveConfig(options);
    const logger = options.logger ?? createLogger();
    const engine = createEngine(config.engine);
    const broker = new Broker(config, engine, logger);
    await broker.listen();
    return broker;
  }

  get clusterId(): string {
    return this.logs.clusterId;
  }

  private async listen(): Promise<void> {
    const listener = this.config.listeners[0]!;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      const host = listener.host === '' ? undefined : listener.host;
      server.listen({ port: listener.port, host }, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : listener.port;
    const advertised = this.config.advertisedListeners[0]!;
    this.advertisedHost = advertised.host === '' || advertised.host === '0.0.0.0' || advertised.host === '::' ? 'localhost' : advertised.host;
    if (this.config.logFlushIntervalMs > 0) {
      this.flushTimer = setInterval(() => this.logs.flush(), this.config.logFlushIntervalMs);
      this.flushTimer.unref();
    }
    this.logger.info(
      { port: this.port, logDir: this.config.logDirs[0], engine: this.engine.kind, clusterId: this.clusterId },
      'broker started',
    );
  }

  /** The port Metadata advertises: the configured advertised port, or the bound one. */
  get advertisedPort(): number {
    const advertised = this.config.advertisedListeners[0]!;
    return advertised === this.config.listeners[0] || advertised.port === 0 ? this.port : advertised.port;
  }

  private accept(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const connection = new Connection(socket, this, HANDLERS, this.logger);
    this.connections.add(connection);
  }

  /** Called by a connection when its socket closes. */
  onConnectionClosed(connection: Connection): void {
    this.connections.delete(connection);
  }

  /**
   * Stops accepting, closes every connection, answers waiting fetches, writes indexes and
   * closes the logs (graceful shutdown; no fsync unless `log.flush.interval.*` asks).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.fetchPurgatory.close();
    this.groups.stop();
    const closed = new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.logs.close();
    this.logger.info({ port: this.port }, 'broker stopped');
  }
}
