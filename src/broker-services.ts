/**
 * What the request handlers (src/apis), the network layer, the WebSocket gateway and
 * replication may use of the broker: its services, not the Broker class. `Broker`
 * implements this; no module below src/broker.ts imports broker.ts, so the broker's wiring
 * and the code it wires form no import cycle (test/architecture/import-cycles.test.ts).
 * Kafka's KafkaApis likewise takes a ReplicaManager, a GroupCoordinator, a MetadataCache and
 * an Authorizer rather than the KafkaServer.
 */
import type { Logger } from 'pino';
import type { KafkaClient } from './network/kafka-client.js';
import type { ClusterMetadata } from './cluster/cluster-metadata.js';
import type { ControllerRole } from './cluster/local-controller.js';
import type { TopicAdmin } from './cluster/topic-admin.js';
import type { AuditService } from './audit/audit-service.js';
import type { BrokerEndpoint, BrokerInfo } from './cluster/zk-paths.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { BrokerConfigAdmin } from './config/broker-config-admin.js';
import type { DynamicBrokerConfig } from './config/dynamic-broker-config.js';
import type { Engine } from './engine/engine.js';
import type { GroupCoordinator } from './groups/group-coordinator.js';
import type { ReplicaManager } from './replication/replica-manager.js';
import type { TransactionCoordinator } from './transactions/transaction-coordinator.js';
import type { Authorizer } from './security/authorizer.js';
import type { EntityConfigStore } from './security/entity-config/entity-config-store.js';
import type { ClientQuotaManager } from './security/quotas/client-quota-manager.js';
import type { ScramCredentialSource } from './security/sasl/scram-credential.js';
import type { FetchPurgatory } from './server/fetch-purgatory.js';
import type { FetchSessionCache } from './server/fetch-session-cache.js';
import type { BrokerMetrics } from './metrics/broker-metrics.js';
import type { BrokerReadiness } from './cluster/readiness.js';
import type { LogManager } from './storage/log-manager.js';
import type { ProducerIdManager } from './storage/producer-ids.js';
import type { AppendPool } from './workers/append-pool.js';

export interface BrokerServices {
  readonly config: BrokerConfig;
  /** The end-to-end audit (src/audit/; null unless `gregor.audit.enable`). */
  readonly audit?: AuditService | null;
  readonly engine: Engine;
  readonly logger: Logger;
  /** Local partition logs. */
  readonly logs: LogManager;
  /** Leadership, replication and the one produce path. */
  readonly replicas: ReplicaManager;
  /** Consumer groups and committed offsets. */
  readonly groups: GroupCoordinator;
  /** Transactional ids and their transactions (`__transaction_state`, KIP-98). */
  readonly transactions: TransactionCoordinator;
  /** Live brokers, the controller, topics and partition states (a single broker: a cluster of one). */
  readonly metadata: ClusterMetadata;
  /** Creates, grows and deletes topics (a single broker's logs, or ZooKeeper and the controller). */
  readonly topicAdmin: TopicAdmin;
  /** This broker's controller role (ControlledShutdown). */
  readonly controller: ControllerRole;
  readonly authorizer: Authorizer;
  readonly dynamicConfig: DynamicBrokerConfig;
  /** Changes dynamic broker configs (the log dir's file, or ZooKeeper in a cluster). */
  readonly brokerConfigs: BrokerConfigAdmin;
  readonly producerIds: ProducerIdManager;
  readonly fetchPurgatory: FetchPurgatory;
  /** Incremental fetch sessions (KIP-227), `max.incremental.fetch.session.cache.slots` at most. */
  readonly fetchSessions: FetchSessionCache;
  readonly clientQuotas: ClientQuotaManager | null;
  readonly entityConfigs: EntityConfigStore | null;
  readonly scramCredentials: ScramCredentialSource;
  readonly appendPool: AppendPool | null;
  readonly clusterId: string;
  /** The Kafka listener port of the first listener (0 before listening). */
  readonly port: number;
  readonly websocketPort: number;
  readonly kafkaConnectionCount: number;
  /** Prometheus metrics (served on /metrics by the gateway or the metrics server). */
  readonly metrics: BrokerMetrics;
  /** The WebSocket port broker `nodeId` advertises (-1 when none). */
  websocketPortOf(nodeId: number): number;
  /** Whether to take traffic: started, joined, in the ISR of every followed partition (GET /health). */
  readiness(): BrokerReadiness;
  /** This broker's advertised endpoint on `listenerName`. */
  endpointFor(listenerName: string): { host: string; port: number };
  /** Another broker's endpoint on `listenerName`, if it has that listener. */
  endpointOf(info: BrokerInfo, listenerName: string): BrokerEndpoint | undefined;
  /** A client connection to broker `brokerId` on the inter-broker listener. */
  connectToBroker(brokerId: number, timeoutMs?: number): Promise<KafkaClient>;
}
