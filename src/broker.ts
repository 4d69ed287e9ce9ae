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
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { HANDLERS } from './apis/index.js';
import {
  type BrokerConfig,
  type EngineKind,
  type SecuredListener,
  applyProperties,
  interBrokerListener,
  defaultConfig,
  readPropertiesFile,
  validateListeners,
} from './config/broker-config.js';
import type { Engine } from './engine/engine.js';
import { createEngine } from './engine/index.js';
import { createLogger } from './logger.js';
import { Connection, type ConnectionBroker, type ConnectionSecurity } from './network/connection.js';
import type { RequestQuotas } from './security/quotas/request-quotas.js';
import { KafkaListener } from './network/listener.js';
import { ConnectionQuotas } from './network/connection-quotas.js';
import { TailBudget } from './storage/tail-buffer.js';
import { KafkaClient } from './network/kafka-client.js';
import { ClusterManager } from './cluster/cluster-manager.js';
import { type BrokerEndpoint, type BrokerInfo, brokerEndpoint } from './cluster/zk-paths.js';
import type { ClusterMetadata } from './cluster/cluster-metadata.js';
import { LocalMetadata } from './cluster/local-metadata.js';
import { type ControllerRole, LocalController } from './cluster/local-controller.js';
import { LocalTopicAdmin } from './cluster/local-topic-admin.js';
import type { TopicAdmin } from './cluster/topic-admin.js';
import { ZkMetadata } from './cluster/zk-metadata.js';
import { ZkTopicAdmin } from './cluster/zk-topic-admin.js';
import { followTopicConfigChanges } from './cluster/topic-config-changes.js';
import { ZkBrokerConfigAdmin } from './cluster/zk-broker-config-admin.js';
import { type BrokerConfigAdmin, LocalBrokerConfigAdmin } from './config/broker-config-admin.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { OFFSETS_TOPIC } from './groups/offsets-topic.js';
import { TransactionCoordinator } from './transactions/transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC } from './transactions/transaction-log.js';
import { TransactionStateManager } from './transactions/transaction-state-manager.js';
import { TxnMarkerWriter } from './transactions/txn-marker-writer.js';
import { leaderAppender } from './replication/leader-appender.js';
import { type CoordinatorLeadership, ReplicaManager } from './replication/replica-manager.js';
import { ErrorCode } from './protocol/error-codes.js';
import { FetchPurgatory } from './server/fetch-purgatory.js';
import { FetchSessionCache } from './server/fetch-session-cache.js';
import { LogManager } from './storage/log-manager.js';
import { DynamicBrokerConfig } from './config/dynamic-broker-config.js';
import { LocalProducerIdBlocks, ProducerIdManager } from './storage/producer-ids.js';
import { ZkProducerIdBlocks } from './cluster/zk-producer-id-blocks.js';
import type { WebSocketGateway } from './gateway/gateway.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { MetricsServer } from './metrics/metrics-server.js';
import { AppendPool } from './workers/append-pool.js';
import type { AuditService } from './audit/audit-service.js';
import { ALLOW_ALL_AUTHORIZER, type Authorizer } from './security/authorizer.js';
import { readFileSync } from 'node:fs';
import { createAuthorizer } from './security/acl/create-authorizer.js';
import { JwtVerifier } from './security/jwt-verifier.js';
import { listenerProperty } from './config/security-keys.js';
import { GatewayAuthenticator } from './gateway/gateway-authenticator.js';
import { AclAuthorizer } from './security/acl/acl-authorizer.js';
import { ZkAclStore } from './security/acl/acl-zk-store.js';
import { usesSasl } from './security/auth-session.js';
import type { SaslServerFactory } from './security/sasl/sasl-server.js';
import { listenerSaslServerFactory } from './security/sasl/listener-sasl.js';
import { interBrokerClientSecurity } from './security/client-security.js';
import { ConfigError } from './config/broker-config.js';
import type { EntityConfigStore } from './security/entity-config/entity-config-store.js';
import { FileEntityConfigStore } from './security/entity-config/file-entity-config-store.js';
import { ZkEntityConfigStore } from './security/entity-config/zk-entity-config-store.js';
import { StoredScramCredentials } from './security/entity-config/scram-credentials.js';
import type { ScramCredentialSource } from './security/sasl/scram-credential.js';
import { ClientQuotaManager } from './security/quotas/client-quota-manager.js';
import { type BrokerReadiness, brokerReadiness } from './cluster/readiness.js';
import { initCodecs } from './storage/cleaner/compression.js';

export interface BrokerOptions {
  /** Kafka listener port (0: any free port); overrides `listeners`. */
  port?: number;
  /** Host to bind (default: all interfaces, as Kafka's `PLAINTEXT://:9092`). */
  host?: string;
  /** `log.dirs`: one directory (or a comma list). */
  logDirs?: string;
  /** `gregor.engine` */
  engine?: EngineKind;
  /** `gregor.workers`: append worker threads (0 = inline on the main thread, the default). */
  workers?: number;
  /** A server.properties file read first. */
  configFile?: string;
  /** Any Kafka property by name, e.g. { 'log.segment.bytes': 1048576 }. */
  properties?: Record<string, string | number | boolean>;
  /**
   * WebSocket gateway port (`gregor.websocket.port`; 0: any free port; -1: no gateway).
   * When `port` is 0 and the gateway's port was left at its default, it also takes a free port
   * (so does `gregor.metrics.port`, the metrics port used when the gateway is off, whenever
   * the first listener's port is 0).
   */
  websocketPort?: number;
  logger?: Logger;
}

/** Bytes of shared memory per active segment's tail buffer: room for two largest batches. */
function tailCapacityFor(config: BrokerConfig): number {
  return Math.max(1024 * 1024, 2 * config.messageMaxBytes);
}

/** The audit and how it registers its gauges, from {@link openAudit}. */
interface OpenedAudit {
  service: AuditService;
  registerMetrics: typeof import('./audit/audit-metrics.js').registerAuditMetrics;
}

/**
 * The end-to-end audit's service (`gregor.audit.enable`), its modules imported only then
 * (issue 12, idle RSS: they bring hdr-histogram-js, whose `Intl.NumberFormat` at load pages in
 * ~4 MiB of the node binary's ICU data, pako and the client's record decoders).
 */
async function openAudit(config: BrokerConfig, engine: Engine, logger: Logger): Promise<OpenedAudit> {
  const [{ AuditService }, { registerAuditMetrics }] = await Promise.all([import('./audit/audit-service.js'), import('./audit/audit-metrics.js')]);
  return { service: new AuditService(config, engine, logger.child({ component: 'audit' })), registerMetrics: registerAuditMetrics };
}

/** `listener.name.<l>.max.connections` (Infinity when unset). Errors: ConfigError for a bad value. */
function listenerMaxConnections(config: BrokerConfig, listenerName: string): number {
  const key = `listener.name.${listenerName.toLowerCase()}.max.connections`;
  const raw = config.securityProps[key];
  if (raw === undefined) return Number.POSITIVE_INFINITY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${key}: "${raw}" is not a non-negative integer`);
  return n;
}

/** Builds the effective config: defaults, then the file, then properties, then options. */
export function resolveConfig(options: BrokerOptions): BrokerConfig {
  const config = defaultConfig();
  if (options.configFile) applyProperties(config, readPropertiesFile(options.configFile));
  if (options.properties) applyProperties(config, options.properties);
  if (options.logDirs !== undefined) applyProperties(config, { 'log.dirs': options.logDirs });
  if (options.engine !== undefined) applyProperties(config, { 'gregor.engine': options.engine });
  if (options.workers !== undefined) applyProperties(config, { 'gregor.workers': options.workers });
  if (options.port !== undefined || options.host !== undefined) {
    const listener = config.listeners[0]!;
    const port = options.port ?? listener.port;
    const host = options.host ?? listener.host;
    const advertisedSame = config.advertisedListeners === config.listeners;
    config.listeners = [{ ...listener, host, port }, ...config.listeners.slice(1)];
    if (advertisedSame) config.advertisedListeners = config.listeners;
  }
  const defaults = defaultConfig();
  if (options.websocketPort !== undefined) applyProperties(config, { 'gregor.websocket.port': options.websocketPort });
  else if (options.port === 0 && config.websocketPort === defaults.websocketPort) config.websocketPort = 0;
  if (options.host !== undefined && config.websocketHost === defaults.websocketHost) config.websocketHost = options.host;
  // A broker on an ephemeral Kafka port (tests, several brokers on one host) does not take 9094 either.
  if (config.listeners[0]?.port === 0 && config.metricsPort === defaults.metricsPort) config.metricsPort = 0;
  if (options.host !== undefined && config.metricsHost === defaults.metricsHost) config.metricsHost = options.host;
  return config;
}

export class Broker implements ConnectionBroker {
  readonly logs: LogManager;
  /** Broker configs changed at run time (AlterConfigs on the BROKER resource), persisted. */
  readonly dynamicConfig: DynamicBrokerConfig;
  /** Changes dynamic broker configs: the log dir's file, or ZooKeeper once in a cluster. */
  brokerConfigs: BrokerConfigAdmin;
  /** Producer ids for InitProducerId: blocks from the log dir, or from ZooKeeper once in a cluster. */
  readonly producerIds: ProducerIdManager;
  readonly fetchPurgatory = new FetchPurgatory();
  /** Incremental fetch sessions (KIP-227) of every Fetch served here. */
  readonly fetchSessions: FetchSessionCache;
  /** Decides every request of every connection (allow-all without `authorizer.class.name`). */
  authorizer: Authorizer = ALLOW_ALL_AUTHORIZER;
  /** Client quotas applied by every Kafka connection (null: none configured). */
  quotas: RequestQuotas | null = null;
  /** Client quotas from the entity configs (null until the store is open). */
  clientQuotas: ClientQuotaManager | null = null;
  /**
   * User and client-id configs (SCRAM credentials, quotas): a file in log.dirs on a single
   * broker, ZooKeeper in a cluster (null until opened: cluster mode before joining).
   */
  entityConfigs: EntityConfigStore | null = null;
  /** SCRAM credentials from the entity configs, for the SASL/SCRAM server. */
  readonly scramCredentials: ScramCredentialSource = new StoredScramCredentials(() => this.entityConfigs);
  /** Consumer groups and committed offsets (`__consumer_offsets`). */
  readonly groups: GroupCoordinator;
  /** Transactional ids and their transactions (`__transaction_state`, KIP-98). */
  readonly transactions: TransactionCoordinator;
  /** Cluster membership through ZooKeeper (null on a single broker: no `zookeeper.connect`). */
  cluster: ClusterManager | null = null;
  /** Live brokers, controller, topics, partition states: this broker's own until it joins a cluster. */
  metadata: ClusterMetadata;
  /** Topic creation, growth and deletion: through the local logs, or ZooKeeper in a cluster. */
  topicAdmin: TopicAdmin;
  /** The controller role (a single broker is always its own controller). */
  controller: ControllerRole;
  /**
   * Leadership, replication and the one produce path (ReplicaManager.appendRecords). A single
   * broker is a cluster of one: it leads every local partition with an ISR of itself.
   */
  readonly replicas: ReplicaManager;
  private clusterIdFromZk: string | null = null;
  private readonly connections = new Set<Connection>();
  /** The bound Kafka listeners, in `listeners` order. */
  readonly listeners: KafkaListener[] = [];
  /** Every listener with its security protocol (validated at start-up). */
  readonly securedListeners: SecuredListener[];
  /** The bound on every active segment's tail buffer together (`gregor.tail.buffers.max.bytes`). */
  readonly tailBudget: TailBudget;
  /** Connection limits shared by the listeners (max.connections, max.connections.per.ip). */
  private readonly connectionQuotas: ConnectionQuotas;
  /** The end-to-end audit (docs/audit.md; null unless `gregor.audit.enable`). */
  readonly audit: AuditService | null;
  /** The append worker pool (null when `gregor.workers` is 0). */
  appendPool: AppendPool | null = null;
  /** The WebSocket gateway (null when `gregor.websocket.port` is -1). */
  gateway: WebSocketGateway | null = null;
  /**
   * The broker's Prometheus metrics, whatever the gateway's setting: served at `GET /metrics`
   * on the gateway's port, or on `gregor.metrics.port` when the gateway is off.
   */
  readonly metrics: BrokerMetrics;
  /** `GET /metrics` on its own port (null with the gateway on, or `gregor.metrics.port=-1`). */
  private metricsServer: MetricsServer | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  /** The first listener's bound port (resolved after listen when 0 was asked). */
  port = 0;
  private stopped = false;
  private ready = false;
  private readonly whenReady: Array<() => void> = [];

  private constructor(
    readonly config: BrokerConfig,
    readonly engine: Engine,
    readonly logger: Logger,
    audit: OpenedAudit | null,
  ) {
    this.securedListeners = validateListeners(config);
    const listenerLimits = new Map(this.securedListeners.map((l) => [l.name, listenerMaxConnections(config, l.name)]));
    this.connectionQuotas = new ConnectionQuotas({
      maxConnections: config.maxConnections,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
      maxConnectionsPerIpOverrides: config.maxConnectionsPerIpOverrides,
      listenerMaxConnections: (name) => listenerLimits.get(name) ?? Number.POSITIVE_INFINITY,
      interBrokerListener: this.interBrokerListener.name,
    });
    // A cluster broker's own credentials towards the others are checked now, not at its first replica fetch.
    if (config.zookeeperConnect !== null) interBrokerClientSecurity(config, this.interBrokerListener);
    this.dynamicConfig = new DynamicBrokerConfig(resolve(config.logDirs[0]!), config);
    this.tailBudget = new TailBudget(config.tailBuffersMaxBytes);
    this.brokerConfigs = new LocalBrokerConfigAdmin(this.dynamicConfig, () => this.logs.reconfigure());
    this.producerIds = new ProducerIdManager(new LocalProducerIdBlocks(resolve(config.logDirs[0]!)));
    this.authorizer = createAuthorizer(config, resolve(config.logDirs[0]!));
    this.audit = audit?.service ?? null;
    this.logs = LogManager.open({
      brokerConfig: config,
      clustered: config.zookeeperConnect !== null,
      logDir: resolve(config.logDirs[0]!),
      nodeId: config.nodeId,
      clusterId: config.clusterId,
      logger,
      logConfig: {
        engine,
        indexIntervalBytes: config.logIndexIntervalBytes,
        tailCapacity: tailCapacityFor(config),
        tailBudget: this.tailBudget,
        segmentBytes: config.logSegmentBytes,
        rollMs: config.logRollMs,
        maxBatchBytes: config.messageMaxBytes,
        flushIntervalMessages: config.logFlushIntervalMessages,
        audit: this.audit?.tiers ?? null,
      },
    });
    this.metadata = new LocalMetadata(this.logs, () => this.registration());
    this.topicAdmin = new LocalTopicAdmin(this.logs, this.metadata, config);
    this.controller = new LocalController(this.metadata);
    this.groups = new GroupCoordinator(this.logs, engine, {
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      maxSize: config.groupMaxSize,
      offsetsTopicNumPartitions: config.offsetsTopicNumPartitions,
      offsetsRetentionMs: config.offsetsRetentionMs,
      offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
      offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
      offsetsCommitTimeoutMs: config.offsetsCommitTimeoutMs,
    }, logger.child({ component: 'group-coordinator' }));
    this.replicas = new ReplicaManager(
      this,
      {
        replicaLagTimeMaxMs: config.replicaLagTimeMaxMs,
        minInsyncReplicas: config.minInsyncReplicas,
        replicaFetchWaitMaxMs: config.replicaFetchWaitMaxMs,
        replicaFetchMaxBytes: config.replicaFetchMaxBytes,
        replicaFetchResponseMaxBytes: config.replicaFetchResponseMaxBytes,
        rackAwareReplicaSelector: config.replicaSelectorClass !== null,
        throttle: {
          leaderRate: () => config.leaderReplicationThrottledRate,
          followerRate: () => config.followerReplicationThrottledRate,
          windowNum: config.replicationQuotaWindowNum,
          windowSizeMs: config.replicationQuotaWindowSizeSeconds * 1000,
        },
      },
      logger.child({ component: 'replicas' }),
      leaderAppender(() => this.appendPool),
    );
    if (config.zookeeperConnect === null) this.replicas.leadLocalPartitions();
    this.fetchSessions = new FetchSessionCache({ maxSlots: config.maxIncrementalFetchSessionCacheSlots, evictionMs: config.minIncrementalFetchSessionEvictionMs });
    this.metrics = new BrokerMetrics({ tailBudget: this.tailBudget, logs: this.logs, kafkaConnections: () => this.kafkaConnectionCount, groups: this.groups, fetchSessions: this.fetchSessions, replicationQuotas: { leader: this.replicas.leaderQuota, follower: this.replicas.followerQuota } });
    if (audit) audit.registerMetrics(this.metrics.registry, () => audit.service.collector);
    if (config.zookeeperConnect !== null) {
      this.groups.enableClusterMode(
        () => this.metadata.topic(OFFSETS_TOPIC)?.partitionCount ?? config.offsetsTopicNumPartitions,
        (partition) => this.replicas.replica(OFFSETS_TOPIC, partition)?.leaderEpoch ?? 0,
        (partition, endOffset, timeoutMs) => this.replicas.waitForHighWatermark(OFFSETS_TOPIC, partition, endOffset, timeoutMs),
      );
    }
    this.groups.start();
    const txnLogger = logger.child({ component: 'transaction-coordinator' });
    const txnState = new TransactionStateManager(this, txnLogger);
    if (config.zookeeperConnect !== null) txnState.enableClusterMode();
    this.transactions = new TransactionCoordinator(this, txnState, new TxnMarkerWriter(this, txnLogger), txnLogger);
    this.transactions.start();
  }

  /** The coordinator whose log is internal topic `topic`, told of its partitions' leadership (ReplicaHost). */
  coordinatorOf(topic: string): CoordinatorLeadership | undefined {
    if (topic === OFFSETS_TOPIC) return this.groups;
    if (topic === TRANSACTION_STATE_TOPIC) return this.transactions;
    return undefined;
  }

  /**
   * Starts a broker and resolves once it listens.
   * Errors: ConfigError (bad options), listen errors (EADDRINUSE), log recovery errors.
   */
  static async start(options: BrokerOptions = {}): Promise<Broker> {
    const config = resolveConfig(options);
    const logger = options.logger ?? createLogger();
    const engine = createEngine(config.engine);
    const broker = new Broker(config, engine, logger, config.auditEnable ? await openAudit(config, engine, logger) : null);
    await initCodecs(); // zstd's WASM, for the leader's recompression (compression.type=zstd)
    if (config.workers > 0) {
      try {
        broker.appendPool = await AppendPool.start({ workers: config.workers, engine: config.engine, memory: engine.memory, logger: logger.child({ component: 'append-pool' }) });
      } catch (err) {
        await broker.stop();
        throw err;
      }
    }
    if (config.zookeeperConnect === null) {
      try {
        broker.openEntityConfigs(new FileEntityConfigStore(resolve(config.logDirs[0]!)));
      } catch (err) {
        await broker.stop();
        throw err;
      }
    }
    await broker.listen();
    if (config.zookeeperConnect !== null) {
      try {
        await broker.joinCluster(config.zookeeperConnect);
        const cluster = broker.cluster!;
        broker.openEntityConfigs(await ZkEntityConfigStore.open(cluster.zk, cluster.configChanges, logger.child({ component: 'entity-configs' })));
        broker.brokerConfigs = await ZkBrokerConfigAdmin.open(cluster, broker.dynamicConfig, () => broker.logs.reconfigure(), logger.child({ component: 'broker-configs' }));
        await cluster.configChanges.start();
        const authorizer = broker.authorizer;
        if (authorizer instanceof AclAuthorizer) {
          authorizer.useStore(await ZkAclStore.open(broker.cluster!.zk, logger.child({ component: 'acls' }), (acls) => authorizer.replaceAll(acls)));
        }
      } catch (err) {
        await broker.stop();
        throw err;
      }
    }
    if (broker.audit) {
      try {
        await broker.audit.start({ config, engine, logs: broker.logs, topicAdmin: broker.topicAdmin, metadata: broker.metadata, leaderEpochOf: (t, p) => broker.replicas.replica(t, p)?.leaderEpoch ?? 0, connectToBroker: (id, ms) => broker.connectToBroker(id, ms) });
      } catch (err) {
        await broker.stop();
        throw err;
      }
    }
    broker.markReady();
    broker.logger.info(
      { port: broker.port, websocketPort: broker.websocketPort, metricsPort: broker.metricsPort, listenerPorts: broker.listeners.map((l) => l.port), logDir: broker.config.logDirs[0], engine: broker.engine.kind, workers: broker.appendPool?.workers ?? 0, clusterId: broker.clusterId },
      'broker started',
    );
    return broker;
  }

  /** Starts using `store` for SCRAM credentials and client quotas. */
  private openEntityConfigs(store: EntityConfigStore): void {
    this.entityConfigs = store;
    this.clientQuotas = new ClientQuotaManager(store, { samples: this.config.quotaWindowNum, windowMs: this.config.quotaWindowSizeSeconds * 1000 });
    this.quotas = this.clientQuotas;
  }

  /** The cluster's id (ZooKeeper's /cluster/id in cluster mode, else this log dir's). */
  get clusterId(): string {
    return this.clusterIdFromZk ?? this.logs.clusterId;
  }

  /** Registers in ZooKeeper, follows the controller's partition states, replicates. */
  private async joinCluster(connect: string): Promise<void> {
    const config = this.config;
    const { manager, clusterId } = await ClusterManager.start(
      {
        connect,
        sessionTimeoutMs: config.zookeeperSessionTimeoutMs,
        connectionTimeoutMs: config.zookeeperConnectionTimeoutMs,
        uncleanLeaderElection: config.uncleanLeaderElectionEnable,
        leaderRebalance: {
          enabled: config.autoLeaderRebalanceEnable,
          checkIntervalMs: config.leaderImbalanceCheckIntervalSeconds * 1000,
          imbalancePercentage: config.leaderImbalancePerBrokerPercentage,
        },
      },
      this.registration(),
      this.logs.clusterId,
      this.logger.child({ component: 'cluster' }),
    );
    this.cluster = manager;
    this.producerIds.useSource(new ZkProducerIdBlocks(manager.zk, config.nodeId, new LocalProducerIdBlocks(resolve(config.logDirs[0]!))));
    this.metadata = new ZkMetadata(manager.metadata);
    const applyTopicConfigs = (topic: string, configs: Record<string, string>) => {
      if (this.logs.topic(topic)) this.logs.alterTopicConfigs(topic, configs);
    };
    this.topicAdmin = new ZkTopicAdmin(manager, this.metadata, config, applyTopicConfigs);
    followTopicConfigChanges(manager, applyTopicConfigs);
    this.controller = manager.controller;
    this.logs.adoptClusterId(clusterId);
    this.clusterIdFromZk = clusterId;
    this.replicas.start(manager);
  }

  /**
   * Controlled shutdown (cluster mode): asks the controller to move this broker's
   * leaderships to other in-sync replicas, retrying for up to `timeoutMs`, so clients fail
   * over at once rather than after the ZooKeeper session timeout.
   */
  private async controlledShutdown(timeoutMs = 10_000, maxRetries = 3): Promise<void> {
    const cluster = this.cluster;
    if (!cluster || !this.config.controlledShutdownEnable) return;
    const deadline = Date.now() + timeoutMs;
    let previous = Number.POSITIVE_INFINITY;
    // Kafka's controlled.shutdown.max.retries (3): failed attempts are bounded, not just the time.
    for (let attempt = 0; attempt <= maxRetries && Date.now() < deadline; attempt++) {
      let remaining = Number.POSITIVE_INFINITY;
      try {
        if (cluster.controller.isActive) {
          remaining = await cluster.controller.controlledShutdown(this.config.nodeId);
        } else {
          const controllerId = cluster.metadata.controllerId;
          if (cluster.metadata.brokers.has(controllerId)) {
            const client = await this.connectToBroker(controllerId, 5_000);
            try {
              const { response } = await client.request<{ errorCode: number; remainingPartitions: unknown[] }>(7, { brokerId: this.config.nodeId, brokerEpoch: -1 }, 3);
              if (response.errorCode === 0) remaining = response.remainingPartitions.length;
            } finally {
              client.close();
            }
          }
        }
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'controlled shutdown attempt failed');
      }
      if (remaining === 0) return;
      // Partitions with no other in-sync replica cannot move: stop retrying once nothing changes.
      if (remaining !== Number.POSITIVE_INFINITY && remaining >= previous) break;
      previous = Math.min(previous, remaining);
      await new Promise((r) => setTimeout(r, 300));
    }
    this.logger.warn('controlled shutdown did not move every leadership (no other in-sync replica, or no controller answered); stopping anyway');
  }

  private async listen(): Promise<void> {
    try {
      for (const listener of this.securedListeners) {
        const bound = await KafkaListener.bind(
          listener,
          {
            securityProps: this.config.securityProps,
            sasl: this.saslServerFactory(listener),
            handshakeTimeoutMs: this.config.authenticationTimeoutMs,
            connectionsMaxIdleMs: this.config.connectionsMaxIdleMs,
            quotas: this.connectionQuotas,
            logger: this.logger,
          },
          (socket, security) => this.accept(socket, security),
        );
        this.listeners.push(bound);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.port = this.listeners[0]!.port;
    if (this.config.logFlushIntervalMs > 0) {
      this.flushTimer = setInterval(() => this.logs.flush(), this.config.logFlushIntervalMs);
      this.flushTimer.unref();
    }
    try {
      if (this.config.websocketPort >= 0) {
        // Loaded only with the gateway on: a broker without it never maps uWebSockets.js.
        const { WebSocketGateway } = await import('./gateway/gateway.js');
        this.gateway = await WebSocketGateway.start(this, {
          host: this.config.websocketHost,
          port: this.config.websocketPort,
          maxFrameBytes: this.config.websocketMaxFrameBytes,
          pauseBytes: this.config.websocketPauseBytes,
          maxBackpressureBytes: this.config.websocketMaxBackpressureBytes,
          slowClientTimeoutMs: this.config.websocketSlowClientTimeoutMs,
          allowedOrigins: this.config.websocketAllowedOrigins,
          authenticator: this.gatewayAuthenticator(),
          tlsKeystorePath: this.gatewayKeystore(),
        }, this.logger);
      } else if (this.config.metricsPort >= 0) {
        const access = { metrics: this.metrics, authorizer: () => this.authorizer, bearer: this.gatewayAuthenticator() };
        this.metricsServer = await MetricsServer.start(access, { host: this.config.metricsHost, port: this.config.metricsPort });
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The WebSocket gateway's bound port, or -1 without a gateway. */
  get websocketPort(): number {
    return this.gateway ? this.gateway.port : -1;
  }

  /**
   * The port serving `GET /metrics`: the gateway's, or `gregor.metrics.port` (bound) when the
   * gateway is off; -1 when neither serves it.
   */
  get metricsPort(): number {
    return this.gateway ? this.gateway.port : (this.metricsServer?.port ?? -1);
  }

  /** Open Kafka-protocol connections (for metrics). */
  get kafkaConnectionCount(): number {
    return this.connections.size;
  }

  /** The WebSocket gateway port of broker `nodeId` (this one, or another from its registration); -1 if none or unknown. */
  websocketPortOf(nodeId: number): number {
    if (nodeId === this.config.nodeId) return this.websocketPort;
    return this.metadata.aliveBrokers().find((b) => b.id === nodeId)?.websocketPort ?? -1;
  }

  /**
   * The host and port clients of listener `listenerName` are told to use (Metadata,
   * FindCoordinator): its `advertised.listeners` entry, else its bound address; a wildcard or
   * empty host becomes `localhost`, an advertised port 0 the bound port. Unknown names (the
   * WebSocket gateway's) get the first listener's.
   */
  endpointFor(listenerName: string): { host: string; port: number } {
    const index = Math.max(0, this.securedListeners.findIndex((l) => l.name === listenerName));
    const listener = this.securedListeners[index]!;
    const advertised = this.config.advertisedListeners.find((a) => a.name === listener.name) ?? listener;
    const bound = this.listeners[index]?.port ?? listener.port;
    const host = advertised.host === '' || advertised.host === '0.0.0.0' || advertised.host === '::' ? 'localhost' : advertised.host;
    return { host, port: advertised.port === 0 || advertised === listener ? bound : advertised.port };
  }

  /**
   * Broker `info`'s endpoint for a client of `listenerName`: its endpoint on that listener
   * (undefined when it has none: the client cannot reach it), or, for sessions that are not
   * on a Kafka listener (the WebSocket gateway's), its first endpoint.
   */
  endpointOf(info: BrokerInfo, listenerName: string): BrokerEndpoint | undefined {
    return this.securedListeners.some((l) => l.name === listenerName) ? brokerEndpoint(info, listenerName) : info.endpoints[0];
  }

  /** This broker as the cluster knows it (its /brokers/ids/<id> registration). */
  private registration(): BrokerInfo {
    return { id: this.config.nodeId, endpoints: this.advertisedEndpoints(), rack: this.config.brokerRack, websocketPort: this.websocketPort };
  }

  /** Every listener's advertised endpoint (for the broker's ZooKeeper registration). */
  advertisedEndpoints(): Array<{ listenerName: string; securityProtocol: SecuredListener['securityProtocol']; host: string; port: number }> {
    return this.securedListeners.map((l) => ({ listenerName: l.name, securityProtocol: l.securityProtocol, ...this.endpointFor(l.name) }));
  }

  /** The listener brokers use to reach each other (`inter.broker.listener.name`). */
  get interBrokerListener(): SecuredListener {
    return interBrokerListener(this.config, this.securedListeners);
  }

  /**
   * `gregor.websocket.ssl.enabled=true`: the gateway serves `wss://` with the PEM keystore of
   * `listener.name.websocket.ssl.keystore.location` (or `ssl.keystore.location`): key and chain
   * in one file, as for the Kafka listeners. ConfigError when missing or not PEM.
   */
  private gatewayKeystore(): string | null {
    if (!this.config.websocketSslEnabled) return null;
    const path = listenerProperty(this.config.securityProps, 'WEBSOCKET', 'ssl.keystore.location');
    if (!path) throw new ConfigError('gregor.websocket.ssl.enabled=true needs ssl.keystore.location (a PEM file with the key and certificate chain), globally or as listener.name.websocket.ssl.keystore.location');
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`ssl.keystore.location: cannot read ${path}: ${(err as Error).message}`);
    }
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) || !text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigError(`ssl.keystore.location: ${path} must hold a PEM private key and certificate chain for the WebSocket gateway`);
    }
    return path;
  }

  /**
   * The WebSocket gateway's authenticator (`gregor.websocket.authentication=jwt|sasl`), or null
   * for none. Its mechanisms are the WEBSOCKET listener's (listener-sasl.ts; OAUTHBEARER only
   * for jwt). ConfigError when a mechanism lacks its settings (JWT keys, PLAIN users).
   */
  private gatewayAuthenticator(): GatewayAuthenticator | null {
    const mode = this.config.websocketAuthentication;
    if (mode === 'none') return null;
    const props = this.config.securityProps;
    const reauth = listenerProperty(props, 'WEBSOCKET', 'connections.max.reauth.ms');
    const maxSessionMs = reauth !== undefined ? Number(reauth) : this.config.connectionsMaxReauthMs;
    if (!Number.isSafeInteger(maxSessionMs) || maxSessionMs < 0) throw new ConfigError(`listener.name.websocket.connections.max.reauth.ms: ${reauth} is not a non-negative integer`);
    return new GatewayAuthenticator({
      mode,
      mechanisms: listenerSaslServerFactory(props, 'WEBSOCKET', this.scramCredentialSource(), mode === 'jwt' ? ['OAUTHBEARER'] : undefined),
      bearerVerifier: JwtVerifier.fromProperties((key) => listenerProperty(props, 'WEBSOCKET', key, 'OAUTHBEARER')),
      timeoutMs: this.config.authenticationTimeoutMs,
      failureDelayMs: this.config.connectionFailedAuthenticationDelayMs,
      maxSessionMs,
    });
  }

  /**
   * Opens a connection to broker `brokerId` on the inter-broker listener, with that
   * listener's TLS and SASL settings (the broker authenticates like any client).
   * Errors: the broker is not live or has no such listener; connection, TLS or SASL errors.
   */
  async connectToBroker(brokerId: number, timeoutMs = 10_000): Promise<KafkaClient> {
    const info = this.cluster?.metadata.brokers.get(brokerId);
    if (!info) throw new Error(`broker ${brokerId} is not a live broker`);
    const listener = this.interBrokerListener;
    const endpoint = brokerEndpoint(info, listener.name);
    if (!endpoint) throw new Error(`broker ${brokerId} has no listener ${listener.name} (inter.broker.listener.name)`);
    return KafkaClient.connect(`${endpoint.host}:${endpoint.port}`, timeoutMs, interBrokerClientSecurity(this.config, listener));
  }

  /** The SASL mechanisms of a SASL_* listener (null for PLAINTEXT and SSL). */
  private saslServerFactory(listener: SecuredListener): SaslServerFactory | null {
    if (!usesSasl(listener.securityProtocol)) return null;
    return listenerSaslServerFactory(this.config.securityProps, listener.name, this.scramCredentialSource());
  }

  /** SCRAM credentials as the SASL servers look them up: the broker's store at the time of each login. */
  private scramCredentialSource(): ScramCredentialSource {
    return { scramCredential: (user, mechanism) => this.scramCredentials.scramCredential(user, mechanism) };
  }

  /**
   * A new client connection. Until start-up completes (in a cluster: joined and the cluster
   * metadata loaded — the listener must be bound first, to register its port), its bytes
   * wait unread in the socket, so no request is ever answered with a half-started view.
   */
  private accept(socket: Socket, security: ConnectionSecurity): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    if (!this.ready) {
      this.whenReady.push(() => this.serve(socket, security));
      return;
    }
    this.serve(socket, security);
  }

  private serve(socket: Socket, security: ConnectionSecurity): void {
    if (socket.destroyed) return;
    const connection = new Connection(socket, this, HANDLERS, this.logger, security);
    this.connections.add(connection);
  }

  /** Start-up is complete: serve the connections that waited. */
  private markReady(): void {
    this.ready = true;
    for (const serve of this.whenReady.splice(0)) serve();
  }

  /** Readiness for Kubernetes (cluster/readiness.ts): started, registered, in every followed partition's ISR. */
  readiness(): BrokerReadiness {
    const registered = this.config.zookeeperConnect === null || (this.cluster?.metadata.brokers.has(this.config.nodeId) ?? false);
    const notInSync = this.ready ? this.replicas.outOfSyncFollowers().map((r) => `${r.topic}-${r.partition}`) : [];
    return brokerReadiness({ started: this.ready, stopping: this.stopped, registered, notInSync });
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
    await this.controlledShutdown();
    this.replicas.stop();
    this.entityConfigs?.close();
    this.cluster?.close();
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.gateway?.close();
    await this.metricsServer?.close();
    this.fetchPurgatory.close();
    this.groups.stop();
    this.transactions.stop();
    await Promise.all(this.listeners.map((l) => l.close()));
    await this.appendPool?.close();
    await this.audit?.stop();
    this.logs.close();
    this.logger.info({ port: this.port }, 'broker stopped');
  }
}
