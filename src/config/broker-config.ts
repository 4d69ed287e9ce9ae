/**
 * Broker configuration with Kafka's property names (docs: Kafka "Broker Configs").
 * Values come from a server.properties file, then CLI flags / library options on top.
 * An unknown key or a value of the wrong type or range is a start-up error
 * ({@link ConfigError}) naming the key, the value and the bound.
 */
import { readFileSync } from 'node:fs';
import { parse as parseProperties } from 'dot-properties';
import { SECURITY_PROTOCOLS, type SecurityProtocol } from '../security/auth-session.js';
import { isSecurityKey } from './security-keys.js';

export type EngineKind = 'js' | 'wasm';

export interface BrokerConfig {
  /** `node.id` (alias `broker.id`): this broker's id, >= 0. */
  nodeId: number;
  /** `listeners`: where the Kafka protocol listener binds, e.g. PLAINTEXT://:9092. */
  listeners: Listener[];
  /** `advertised.listeners`: what Metadata tells clients; defaults to `listeners`. */
  advertisedListeners: Listener[];
  /** `broker.rack`: the rack (or zone) of this broker, for rack-aware replica assignment; null = none. */
  brokerRack: string | null;
  /** `listener.security.protocol.map`: listener name → security protocol (Kafka's default maps each protocol's own name). */
  listenerSecurityProtocolMap: Record<string, SecurityProtocol>;
  /** `inter.broker.listener.name`: the listener brokers use to reach each other; null = from `security.inter.broker.protocol`, else the first listener. */
  interBrokerListenerName: string | null;
  /** `security.inter.broker.protocol`: names the inter-broker listener by protocol when `inter.broker.listener.name` is unset. */
  securityInterBrokerProtocol: SecurityProtocol | null;
  /** `connections.max.reauth.ms`: a SASL session must re-authenticate after this long (ms, KIP-368); 0 = never. */
  connectionsMaxReauthMs: number;
  /** `sasl.server.max.receive.size`: largest frame accepted before authentication (bytes); larger closes the connection unread. */
  saslServerMaxReceiveSize: number;
  /** `connection.failed.authentication.delay.ms`: a failed authentication's response (and close) is delayed this long (ms). */
  connectionFailedAuthenticationDelayMs: number;
  /** `gregor.authentication.timeout.ms`: a connection that has not completed TLS and SASL authentication in this long is closed (ms). */
  authenticationTimeoutMs: number;
  /** TLS and SASL properties (`ssl.*`, `sasl.*`, `listener.name.<l>.…`), validated where used (security-keys.ts). */
  securityProps: Record<string, string>;
  /** `log.dirs` (alias `log.dir`): partition directories live here; the first is used. */
  logDirs: string[];
  /** `num.partitions`: partitions of auto-created topics and CreateTopics with -1. */
  numPartitions: number;
  /** `log.segment.bytes`: a segment rolls before it would exceed this many bytes. */
  logSegmentBytes: number;
  /** `log.roll.ms` (or `log.roll.hours`): a segment rolls when its first record is this old. */
  logRollMs: number;
  /** `log.index.interval.bytes`: bytes of log between two offset-index entries. */
  logIndexIntervalBytes: number;
  /** `log.flush.interval.messages`: fsync after this many records (default: never, page cache). */
  logFlushIntervalMessages: number;
  /** `log.flush.interval.ms`: fsync a partition whose oldest unflushed record is this old (ms); -1 = never. */
  logFlushIntervalMs: number;
  /** `auto.create.topics.enable`: Metadata/Produce to an unknown topic creates it. */
  autoCreateTopicsEnable: boolean;
  /** `message.max.bytes`: largest record batch accepted, in bytes. */
  messageMaxBytes: number;
  /** `socket.request.max.bytes`: largest request frame, in bytes; larger ones close the connection unread. */
  socketRequestMaxBytes: number;
  /** `connections.max.idle.ms`: a connection with no bytes read or written for this long is closed (ms; -1 = never). */
  connectionsMaxIdleMs: number;
  /** `max.connections`: connections the broker holds at once over all listeners but the inter-broker one (KIP-402). */
  maxConnections: number;
  /** `max.connections.per.ip`: connections from one IP address at once. */
  maxConnectionsPerIp: number;
  /** `max.connections.per.ip.overrides`: `host:count,…`, per-IP limits that replace `max.connections.per.ip`. */
  maxConnectionsPerIpOverrides: Record<string, number>;
  /** `default.replication.factor`: replication factor reported for topics (1 on a single broker). */
  defaultReplicationFactor: number;
  /** `zookeeper.connect`: the ZooKeeper ensemble (host:port,… with an optional /chroot); null = a single broker. */
  zookeeperConnect: string | null;
  /** `zookeeper.session.timeout.ms`: a broker silent this long loses its session, and its leaderships. */
  zookeeperSessionTimeoutMs: number;
  /** `zookeeper.connection.timeout.ms`: how long start-up waits for ZooKeeper (ms). */
  zookeeperConnectionTimeoutMs: number;
  /** `replica.lag.time.max.ms`: a follower not caught up for this long leaves the ISR (ms). */
  replicaLagTimeMaxMs: number;
  /** `replica.fetch.wait.max.ms`: a follower's fetch long-poll (ms). */
  replicaFetchWaitMaxMs: number;
  /** `replica.fetch.max.bytes`: bytes a follower asks per partition and fetch. */
  replicaFetchMaxBytes: number;
  /** `replica.fetch.response.max.bytes`: bytes a follower asks for the whole fetch response. */
  replicaFetchResponseMaxBytes: number;
  /** `leader.replication.throttled.rate`: bytes/s this broker serves, as leader, to throttled replicas (dynamic; Long.MAX = none). */
  leaderReplicationThrottledRate: number;
  /** `follower.replication.throttled.rate`: bytes/s this broker fetches, as follower, for throttled replicas (dynamic; Long.MAX = none). */
  followerReplicationThrottledRate: number;
  /** `replication.quota.window.num`: samples the replication rate is measured over (Kafka: 11). */
  replicationQuotaWindowNum: number;
  /** `replication.quota.window.size.seconds`: length of one sample (s). */
  replicationQuotaWindowSizeSeconds: number;
  /** `replica.selector.class`: null (leader only) or Kafka's RackAwareReplicaSelector (KIP-392). */
  replicaSelectorClass: string | null;
  /** `max.incremental.fetch.session.cache.slots`: most incremental fetch sessions kept (KIP-227). */
  maxIncrementalFetchSessionCacheSlots: number;
  /** `min.incremental.fetch.session.eviction.ms`: a fetch session unused this long may be evicted (ms). */
  minIncrementalFetchSessionEvictionMs: number;
  /** `unclean.leader.election.enable`: let an out-of-sync replica lead (may lose records). */
  /** `auto.leader.rebalance.enable`: the controller moves leadership back to preferred replicas. */
  autoLeaderRebalanceEnable: boolean;
  /** `leader.imbalance.check.interval.seconds`: how often the controller checks (s). */
  leaderImbalanceCheckIntervalSeconds: number;
  /** `leader.imbalance.per.broker.percentage`: the share of a broker's preferred partitions led elsewhere that triggers a rebalance (%). */
  leaderImbalancePerBrokerPercentage: number;
  uncleanLeaderElectionEnable: boolean;
  /** `controlled.shutdown.enable`: move leaderships away before stopping. */
  controlledShutdownEnable: boolean;
  /** `group.min.session.timeout.ms`: smallest session timeout a member may ask for (ms). */
  groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms`: largest session timeout a member may ask for (ms). */
  groupMaxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms`: wait for more members before an empty group's first rebalance (ms, KIP-134). */
  groupInitialRebalanceDelayMs: number;
  /** `group.max.size`: most members a group may have. */
  groupMaxSize: number;
  /** `offsets.topic.num.partitions`: partitions of `__consumer_offsets` when it is created. */
  offsetsTopicNumPartitions: number;
  /** `offsets.topic.replication.factor`: its replicas in a cluster (capped at the live brokers). */
  offsetsTopicReplicationFactor: number;
  /** `offsets.retention.minutes`: committed offsets of a group empty this long expire (stored in ms). */
  offsetsRetentionMs: number;
  /** `offsets.retention.check.interval.ms`: how often offset expiry runs (ms). */
  offsetsRetentionCheckIntervalMs: number;
  /** `authorizer.class.name`: Kafka's AclAuthorizer / StandardAuthorizer names turn ACLs on; '' = off. */
  authorizerClassName: string;
  /** `super.users`: principals allowed everything (`User:admin;User:broker`). */
  superUsers: string[];
  /** `allow.everyone.if.no.acl.found`: a resource with no ACL at all is open to everyone (default false). */
  allowEveryoneIfNoAclFound: boolean;
  /** `quota.window.num`: samples a client quota rate is measured over (Kafka: 11). */
  quotaWindowNum: number;
  /** `quota.window.size.seconds`: length of each quota sample (Kafka: 1). */
  quotaWindowSizeSeconds: number;
  /** `offset.metadata.max.bytes`: largest metadata string of a committed offset (bytes). */
  offsetMetadataMaxBytes: number;
  /**
   * `offsets.commit.timeout.ms`: how long a group coordinator write (offset commit, group
   * metadata) waits for the in-sync replicas of `__consumer_offsets` before failing (Kafka: 5000).
   */
  offsetsCommitTimeoutMs: number;
  /** `transaction.state.log.num.partitions`: partitions of `__transaction_state` when it is created (Kafka: 50). */
  transactionStateLogNumPartitions: number;
  /** `transaction.state.log.replication.factor`: its replicas in a cluster (capped at the live brokers; Kafka: 3). */
  transactionStateLogReplicationFactor: number;
  /** `transaction.state.log.min.isr`: its `min.insync.replicas` (Kafka: 2; a cluster of one still writes, with acks=all over an ISR of one). */
  transactionStateLogMinIsr: number;
  /** `transaction.max.timeout.ms`: the largest `transaction.timeout.ms` InitProducerId accepts (ms; Kafka: 900000). */
  transactionMaxTimeoutMs: number;
  /** `transactional.id.expiration.ms`: a transactional id idle this long (no transaction) is removed (ms; Kafka: 7 days). */
  transactionalIdExpirationMs: number;
  /** `transaction.partition.verification.enable`: a leader asks the coordinator whether a transaction's first batch on a partition belongs to it (KIP-890; Kafka: true). */
  transactionPartitionVerificationEnable: boolean;
  /** `transaction.abort.timed.out.transaction.cleanup.interval.ms`: how often timed-out transactions are aborted (ms; Kafka: 10000). */
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  /** `transaction.remove.expired.transaction.cleanup.interval.ms`: how often expired transactional ids are removed (ms; Kafka: 3600000). */
  transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  /** `gregor.engine`: the hot-path core, `wasm` (default) or `js` (the TypeScript twin). */
  engine: EngineKind;
  /** `gregor.audit.enable`: the end-to-end audit (docs/audit.md): broker and replica tiers count, the collector runs (default false). */
  auditEnable: boolean;
  /** `gregor.audit.report.interval.ms`: how often each audit tier writes its counts to `__audit` (ms, default 60000). */
  auditReportIntervalMs: number;
  /** `gregor.audit.bucket.ms`: width of the audit's buckets of record timestamp (ms, default 600000). */
  auditBucketMs: number;
  /** `gregor.audit.grace.ms`: how long after a bucket ends the collector waits for late reports before calling it complete (ms, default 600000). */
  auditGraceMs: number;
  /** `gregor.workers`: append worker threads (src/workers/); 0 (default) = validate and append inline on the main thread. */
  workers: number;
  /** `gregor.websocket.port`: the WebSocket gateway's port (default 9093; 0 = any free port; -1 = no gateway). */
  websocketPort: number;
  /** `gregor.websocket.host`: interface the gateway binds ('' = all, the default). */
  websocketHost: string;
  /** `gregor.websocket.max.frame.bytes`: largest WebSocket frame accepted (bytes); larger ones are answered MESSAGE_TOO_LARGE. */
  websocketMaxFrameBytes: number;
  /** `gregor.rest.enable`: serve the REST proxy (Confluent REST Proxy v2) on the gateway's HTTP port (default true). */
  restEnable: boolean;
  /** `gregor.rest.max.request.bytes`: largest REST request body accepted (bytes, default 8 MiB); larger ones are 413. */
  restMaxRequestBytes: number;
  /** `gregor.rest.consumer.instance.timeout.ms`: a REST consumer instance without requests this long is closed (ms, default 300000, Confluent's). */
  restConsumerInstanceTimeoutMs: number;
  /** `gregor.tail.buffers.max.bytes`: shared memory all active segments' tail buffers may take together; the least recently appended-to give theirs back first. */
  tailBuffersMaxBytes: number;
  /** `gregor.websocket.pause.bytes`: unsent bytes at which pushes to a WebSocket pause (back-pressure). */
  websocketPauseBytes: number;
  /** `gregor.websocket.max.backpressure.bytes`: unsent bytes at which a WebSocket is closed. */
  websocketMaxBackpressureBytes: number;
  /** `gregor.websocket.slow.client.timeout.ms`: a WebSocket paused this long without reading is closed (ms). */
  websocketSlowClientTimeoutMs: number;
  /** `gregor.websocket.allowed.origins`: browser origins that may open a WebSocket (null: the gateway's own and localhost; `*`: all). */
  websocketAllowedOrigins: string[] | null;
  /** `gregor.websocket.authentication`: none, jwt (the first frame carries a JWT) or sasl (PLAIN/SCRAM/OAUTHBEARER exchange); see gateway-authenticator.ts. */
  websocketAuthentication: 'none' | 'jwt' | 'sasl';
  /** `gregor.websocket.ssl.enabled`: the gateway serves wss:// with the PEM keystore of `ssl.keystore.location`. */
  websocketSslEnabled: boolean;
  /**
   * `gregor.metrics.port`: the HTTP port of `GET /metrics` when the gateway is off
   * (`gregor.websocket.port=-1`; with the gateway on, /metrics is on the gateway's port).
   * Default 9404 (clear of the Kafka ports 9092-9094 and the gateway); 0 = any free port (logged at start-up); -1 = no metrics endpoint.
   */
  metricsPort: number;
  /** `gregor.metrics.host`: interface the metrics port binds ('' = all, the default). */
  metricsHost: string;
  /** `cluster.id`: reported in Metadata; generated once and kept in `meta.properties`. */
  clusterId: string | null;
  /** `log.retention.ms` (or `.minutes`, `.hours`): segments older than this are deleted (ms); -1 = keep forever. */
  logRetentionMs: number;
  /** `log.retention.bytes`: a partition larger than this loses its oldest segments (bytes); -1 = no limit. */
  logRetentionBytes: number;
  /** `log.retention.check.interval.ms`: how often retention is enforced (ms). */
  logRetentionCheckIntervalMs: number;
  /** `log.segment.delete.delay.ms`: a deleted segment's `.deleted` files are removed after this (ms). */
  logSegmentDeleteDelayMs: number;
  /** `log.cleanup.policy`: `delete`, `compact` or both, for topics that set none. */
  logCleanupPolicy: string[];
  /** `log.cleaner.enable`: run the log cleaner (compaction). */
  logCleanerEnable: boolean;
  /** `log.cleaner.backoff.ms`: pause between cleaner passes when nothing was cleanable (ms). */
  logCleanerBackoffMs: number;
  /** `log.cleaner.delete.retention.ms`: how long tombstones survive compaction (ms). */
  logCleanerDeleteRetentionMs: number;
  /** `log.cleaner.min.cleanable.ratio`: dirty bytes ÷ total bytes that make a log cleanable, in [0, 1]. */
  logCleanerMinCleanableRatio: number;
  /** `log.cleaner.min.compaction.lag.ms`: records younger than this are not compacted (ms). */
  logCleanerMinCompactionLagMs: number;
  /** `log.cleaner.max.compaction.lag.ms`: a record is compacted at the latest this long after it was written (ms). */
  logCleanerMaxCompactionLagMs: number;
  /** `log.cleaner.dedupe.buffer.size`: memory for the cleaner's key → offset map (bytes, 24 per key). */
  logCleanerDedupeBufferSize: number;
  /** `min.insync.replicas`: acks=all writes fail with NOT_ENOUGH_REPLICAS when fewer replicas are in sync. */
  minInsyncReplicas: number;
  /** `producer.id.expiration.ms`: an idle producer's dedup state is dropped after this (ms). */
  producerIdExpirationMs: number;
  /** `log.message.timestamp.type`: CreateTime (the producer's) or LogAppendTime (the leader stamps), for topics that set none. */
  logMessageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** `log.message.timestamp.difference.max.ms` (deprecated; KIP-937): before.max.ms when that is unset (ms; MAX_SAFE_INTEGER: no limit). */
  logMessageTimestampDifferenceMaxMs: number;
  /** `log.message.timestamp.before.max.ms` (KIP-937): how far a CreateTime timestamp may lie in the past (ms). */
  logMessageTimestampBeforeMaxMs: number;
  /** `log.message.timestamp.after.max.ms` (KIP-937): how far a CreateTime timestamp may lie in the future (ms). */
  logMessageTimestampAfterMaxMs: number;
  /** `compression.type`: the codec the leader stores batches with (`producer`: as they come). */
  compressionType: string;
  /** `compression.gzip.level`: -1 (zlib's default) or 1..9. */
  compressionGzipLevel: number;
  /** `compression.zstd.level`: -131072..22. */
  compressionZstdLevel: number;
}

export interface Listener {
  name: string;
  host: string;
  port: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Parser = (key: string, raw: string) => unknown;

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser =>
  (key, raw) => {
    const v = Number(raw.trim());
    if (!Number.isInteger(v)) throw new ConfigError(`${key}: "${raw}" is not an integer`);
    if (v < min || v > max) throw new ConfigError(`${key}: ${v} is outside [${min}, ${max}]`);
    return v;
  };

const bool: Parser = (key, raw) => {
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError(`${key}: "${raw}" is not true or false`);
};

/** Kafka's authorizer class names that turn on Gregor's ACL authorizer; any other name is refused (no config value selects code). */
export const ACL_AUTHORIZER_CLASSES: readonly string[] = ['kafka.security.authorizer.AclAuthorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.auth.SimpleAclAuthorizer'];

const authorizerClass: Parser = (key, raw) => {
  const name = raw.trim();
  if (name !== '' && !ACL_AUTHORIZER_CLASSES.includes(name)) throw new ConfigError(`${key}: ${name} is not supported (use ${ACL_AUTHORIZER_CLASSES[0]}, or leave it empty for no authorization)`);
  return name;
};

/** Kafka's rack-aware replica selector (KIP-392), the one `replica.selector.class` accepts besides none. */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

const replicaSelectorClass: Parser = (key, raw) => {
  const name = raw.trim();
  if (name === '') return null;
  if (name !== RACK_AWARE_REPLICA_SELECTOR) throw new ConfigError(`${key}: ${name} is not supported (use ${RACK_AWARE_REPLICA_SELECTOR}, or leave it empty to read from leaders only)`);
  return name;
};

const list: Parser = (_key, raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const listeners: Parser = (key, raw) => {
  const out: Listener[] = [];
  for (const item of list(key, raw) as string[]) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(item);
    if (!m) throw new ConfigError(`${key}: "${item}" is not NAME://host:port`);
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`${key}: port ${port} is outside [0, 65535]`);
    out.push({ name: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0) throw new ConfigError(`${key}: no listener given`);
  return out;
};

const protocolMap: Parser = (key, raw) => {
  const out: Record<string, SecurityProtocol> = {};
  for (const item of list(key, raw) as string[]) {
    const m = /^([A-Za-z0-9_]+):([A-Za-z_]+)$/.exec(item);
    if (!m) throw new ConfigError(`${key}: "${item}" is not LISTENER_NAME:SECURITY_PROTOCOL`);
    const protocol = m[2]!.toUpperCase() as SecurityProtocol;
    if (!SECURITY_PROTOCOLS.includes(protocol)) throw new ConfigError(`${key}: "${m[2]}" is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
    out[m[1]!.toUpperCase()] = protocol;
  }
  return out;
};

const securityProtocol: Parser = (key, raw) => {
  const v = raw.trim().toUpperCase() as SecurityProtocol;
  if (!SECURITY_PROTOCOLS.includes(v)) throw new ConfigError(`${key}: "${raw}" is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
  return v;
};

/** An int64 property; values past 2^53 (e.g. Long.MAX_VALUE, "forever") become Number.MAX_SAFE_INTEGER. */
const long =
  (min: number): Parser =>
  (key, raw) => {
    const text = raw.trim();
    if (!/^-?\d+$/.test(text)) throw new ConfigError(`${key}: "${raw}" is not an integer`);
    const big = BigInt(text);
    if (big < BigInt(min) || big > 9223372036854775807n) throw new ConfigError(`${key}: ${text} is outside [${min}, 9223372036854775807]`);
    return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  };

const choice =
  (...values: string[]): Parser =>
  (key, raw) => {
    const v = raw.trim();
    if (!values.includes(v)) throw new ConfigError(`${key}: "${raw}" is not one of ${values.join(', ')}`);
    return v;
  };

const ratio: Parser = (key, raw) => {
  const v = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) throw new ConfigError(`${key}: "${raw}" is not a number in [0, 1]`);
  return v;
};

const cleanupPolicy: Parser = (key, raw) => {
  const items = list(key, raw) as string[];
  if (items.length === 0) throw new ConfigError(`${key}: no policy given (delete, compact)`);
  for (const item of items) if (item !== 'delete' && item !== 'compact') throw new ConfigError(`${key}: "${item}" is not delete or compact`);
  return items;
};

const engine: Parser = (key, raw) => {
  const v = raw.trim();
  if (v !== 'js' && v !== 'wasm') throw new ConfigError(`${key}: "${raw}" is not js or wasm`);
  return v;
};

interface Definition {
  field: keyof BrokerConfig;
  parse: Parser;
  /** A value derived from another key (e.g. log.roll.hours → ms). */
  map?: (v: unknown) => unknown;
}

const INT32_MAX = 2 ** 31 - 1;

/** `max.connections.per.ip.overrides`: `host:count` pairs, comma-separated (Kafka's format). */
function perIpOverrides(key: string, raw: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf(':');
    const host = entry.slice(0, at).trim();
    const count = Number(entry.slice(at + 1).trim());
    if (at <= 0 || !Number.isInteger(count) || count < 0 || count > INT32_MAX) throw new ConfigError(`${key}: "${entry}" is not host:count`);
    out[host] = count;
  }
  return out;
}

/** Every key we accept, with Kafka's name. Aliases map onto the same field. */
const DEFINITIONS: Record<string, Definition> = {
  'node.id': { field: 'nodeId', parse: int(0, INT32_MAX) },
  'broker.rack': { field: 'brokerRack', parse: (_k, raw) => (raw.trim() === '' ? null : raw.trim()) },
  'broker.id': { field: 'nodeId', parse: int(0, INT32_MAX) },
  listeners: { field: 'listeners', parse: listeners },
  'advertised.listeners': { field: 'advertisedListeners', parse: listeners },
  'listener.security.protocol.map': { field: 'listenerSecurityProtocolMap', parse: protocolMap },
  'inter.broker.listener.name': { field: 'interBrokerListenerName', parse: (_k, raw) => (raw.trim() === '' ? null : raw.trim().toUpperCase()) },
  'security.inter.broker.protocol': { field: 'securityInterBrokerProtocol', parse: securityProtocol },
  'connections.max.reauth.ms': { field: 'connectionsMaxReauthMs', parse: long(0) },
  'sasl.server.max.receive.size': { field: 'saslServerMaxReceiveSize', parse: int(1024, INT32_MAX) },
  'connection.failed.authentication.delay.ms': { field: 'connectionFailedAuthenticationDelayMs', parse: int(0, INT32_MAX) },
  'gregor.authentication.timeout.ms': { field: 'authenticationTimeoutMs', parse: int(1, INT32_MAX) },
  'log.dirs': { field: 'logDirs', parse: list },
  'log.dir': { field: 'logDirs', parse: list },
  'num.partitions': { field: 'numPartitions', parse: int(1, 100_000) },
  // 14 bytes: the smallest segment that holds a header-only batch (Kafka's LegacyRecord.RECORD_OVERHEAD_V0).
  'log.segment.bytes': { field: 'logSegmentBytes', parse: int(14, INT32_MAX) },
  'log.roll.ms': { field: 'logRollMs', parse: int(1) },
  'log.roll.hours': { field: 'logRollMs', parse: int(1), map: (h) => (h as number) * 3_600_000 },
  'log.index.interval.bytes': { field: 'logIndexIntervalBytes', parse: int(0, INT32_MAX) },
  'log.flush.interval.messages': { field: 'logFlushIntervalMessages', parse: int(1) },
  'log.flush.interval.ms': { field: 'logFlushIntervalMs', parse: int(-1) },
  'auto.create.topics.enable': { field: 'autoCreateTopicsEnable', parse: bool },
  'message.max.bytes': { field: 'messageMaxBytes', parse: int(0, INT32_MAX) },
  'socket.request.max.bytes': { field: 'socketRequestMaxBytes', parse: int(1, INT32_MAX) },
  'connections.max.idle.ms': { field: 'connectionsMaxIdleMs', parse: int(-1, INT32_MAX) },
  'max.connections': { field: 'maxConnections', parse: int(0, INT32_MAX) },
  'max.connections.per.ip': { field: 'maxConnectionsPerIp', parse: int(0, INT32_MAX) },
  'max.connections.per.ip.overrides': { field: 'maxConnectionsPerIpOverrides', parse: perIpOverrides },
  'default.replication.factor': { field: 'defaultReplicationFactor', parse: int(1, 32_767) },
  'zookeeper.connect': { field: 'zookeeperConnect', parse: (_k, raw) => (raw.trim() === '' ? null : raw.trim()) },
  'zookeeper.session.timeout.ms': { field: 'zookeeperSessionTimeoutMs', parse: int(1, INT32_MAX) },
  'zookeeper.connection.timeout.ms': { field: 'zookeeperConnectionTimeoutMs', parse: int(1, INT32_MAX) },
  'replica.lag.time.max.ms': { field: 'replicaLagTimeMaxMs', parse: int(1, INT32_MAX) },
  'replica.fetch.wait.max.ms': { field: 'replicaFetchWaitMaxMs', parse: int(0, INT32_MAX) },
  'replica.fetch.max.bytes': { field: 'replicaFetchMaxBytes', parse: int(1024, INT32_MAX) },
  'replica.fetch.response.max.bytes': { field: 'replicaFetchResponseMaxBytes', parse: int(1024, INT32_MAX) },
  'leader.replication.throttled.rate': { field: 'leaderReplicationThrottledRate', parse: long(0) },
  'follower.replication.throttled.rate': { field: 'followerReplicationThrottledRate', parse: long(0) },
  'replication.quota.window.num': { field: 'replicationQuotaWindowNum', parse: int(1, INT32_MAX) },
  'replication.quota.window.size.seconds': { field: 'replicationQuotaWindowSizeSeconds', parse: int(1, INT32_MAX) },
  'replica.selector.class': { field: 'replicaSelectorClass', parse: replicaSelectorClass },
  'max.incremental.fetch.session.cache.slots': { field: 'maxIncrementalFetchSessionCacheSlots', parse: int(0, INT32_MAX) },
  'min.incremental.fetch.session.eviction.ms': { field: 'minIncrementalFetchSessionEvictionMs', parse: int(0, INT32_MAX) },
  'unclean.leader.election.enable': { field: 'uncleanLeaderElectionEnable', parse: bool },
  'auto.leader.rebalance.enable': { field: 'autoLeaderRebalanceEnable', parse: bool },
  'leader.imbalance.check.interval.seconds': { field: 'leaderImbalanceCheckIntervalSeconds', parse: int(1, INT32_MAX) },
  'leader.imbalance.per.broker.percentage': { field: 'leaderImbalancePerBrokerPercentage', parse: int(0, 100) },
  'controlled.shutdown.enable': { field: 'controlledShutdownEnable', parse: bool },
  'group.min.session.timeout.ms': { field: 'groupMinSessionTimeoutMs', parse: int(0, INT32_MAX) },
  'group.max.session.timeout.ms': { field: 'groupMaxSessionTimeoutMs', parse: int(0, INT32_MAX) },
  'group.initial.rebalance.delay.ms': { field: 'groupInitialRebalanceDelayMs', parse: int(0, INT32_MAX) },
  'group.max.size': { field: 'groupMaxSize', parse: int(1, INT32_MAX) },
  'offsets.topic.num.partitions': { field: 'offsetsTopicNumPartitions', parse: int(1, 100_000) },
  'offsets.topic.replication.factor': { field: 'offsetsTopicReplicationFactor', parse: int(1, 32_767) },
  'offsets.retention.minutes': { field: 'offsetsRetentionMs', parse: int(1, INT32_MAX), map: (m) => (m as number) * 60_000 },
  'offsets.retention.check.interval.ms': { field: 'offsetsRetentionCheckIntervalMs', parse: int(1, INT32_MAX) },
  'authorizer.class.name': { field: 'authorizerClassName', parse: authorizerClass },
  'super.users': { field: 'superUsers', parse: (_k, raw) => raw.split(';').map((p) => p.trim()).filter(Boolean) },
  'allow.everyone.if.no.acl.found': { field: 'allowEveryoneIfNoAclFound', parse: bool },
  'quota.window.num': { field: 'quotaWindowNum', parse: int(1, INT32_MAX) },
  'quota.window.size.seconds': { field: 'quotaWindowSizeSeconds', parse: int(1, INT32_MAX) },
  'offset.metadata.max.bytes': { field: 'offsetMetadataMaxBytes', parse: int(0, INT32_MAX) },
  'offsets.commit.timeout.ms': { field: 'offsetsCommitTimeoutMs', parse: int(1, INT32_MAX) },
  'transaction.state.log.num.partitions': { field: 'transactionStateLogNumPartitions', parse: int(1, 100_000) },
  'transaction.state.log.replication.factor': { field: 'transactionStateLogReplicationFactor', parse: int(1, 32_767) },
  'transaction.state.log.min.isr': { field: 'transactionStateLogMinIsr', parse: int(1, 32_767) },
  'transaction.max.timeout.ms': { field: 'transactionMaxTimeoutMs', parse: int(1, INT32_MAX) },
  'transactional.id.expiration.ms': { field: 'transactionalIdExpirationMs', parse: int(1, INT32_MAX) },
  'transaction.partition.verification.enable': { field: 'transactionPartitionVerificationEnable', parse: bool },
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': { field: 'transactionAbortTimedOutTransactionCleanupIntervalMs', parse: int(1, INT32_MAX) },
  'transaction.remove.expired.transaction.cleanup.interval.ms': { field: 'transactionRemoveExpiredTransactionCleanupIntervalMs', parse: int(1, INT32_MAX) },
  'gregor.engine': { field: 'engine', parse: engine },
  'gregor.workers': { field: 'workers', parse: int(0, 64) },
  'gregor.audit.enable': { field: 'auditEnable', parse: bool },
  'gregor.audit.report.interval.ms': { field: 'auditReportIntervalMs', parse: int(10, INT32_MAX) },
  'gregor.audit.bucket.ms': { field: 'auditBucketMs', parse: int(1000, INT32_MAX) },
  'gregor.audit.grace.ms': { field: 'auditGraceMs', parse: int(0, INT32_MAX) },
  'gregor.websocket.port': { field: 'websocketPort', parse: int(-1, 65535) },
  'gregor.websocket.host': { field: 'websocketHost', parse: (_k, raw) => raw.trim().replace(/^\[|\]$/g, '') },
  'gregor.websocket.max.frame.bytes': { field: 'websocketMaxFrameBytes', parse: int(1024, 1024 * 1024 * 1024) },
  'gregor.rest.enable': { field: 'restEnable', parse: bool },
  'gregor.rest.max.request.bytes': { field: 'restMaxRequestBytes', parse: int(1024, 1024 * 1024 * 1024) },
  'gregor.rest.consumer.instance.timeout.ms': { field: 'restConsumerInstanceTimeoutMs', parse: int(1000, INT32_MAX) },
  'gregor.tail.buffers.max.bytes': { field: 'tailBuffersMaxBytes', parse: int(1024 * 1024, 3 * 1024 * 1024 * 1024) },
  'gregor.websocket.pause.bytes': { field: 'websocketPauseBytes', parse: int(1024, INT32_MAX) },
  'gregor.websocket.max.backpressure.bytes': { field: 'websocketMaxBackpressureBytes', parse: int(1024, INT32_MAX) },
  'gregor.websocket.slow.client.timeout.ms': { field: 'websocketSlowClientTimeoutMs', parse: int(1, INT32_MAX) },
  'gregor.websocket.allowed.origins': { field: 'websocketAllowedOrigins', parse: list },
  'gregor.websocket.ssl.enabled': { field: 'websocketSslEnabled', parse: bool },
  'gregor.websocket.authentication': {
    field: 'websocketAuthentication',
    parse: (key, raw) => {
      const v = raw.trim().toLowerCase();
      if (v !== 'none' && v !== 'jwt' && v !== 'sasl') throw new ConfigError(`${key}: ${raw} is not none, jwt or sasl`);
      return v;
    },
  },
  'gregor.metrics.port': { field: 'metricsPort', parse: int(-1, 65535) },
  'gregor.metrics.host': { field: 'metricsHost', parse: (_k, raw) => raw.trim().replace(/^\[|\]$/g, '') },
  'cluster.id': { field: 'clusterId', parse: (_k, raw) => raw.trim() },
  'log.retention.ms': { field: 'logRetentionMs', parse: long(-1) },
  'log.retention.minutes': { field: 'logRetentionMs', parse: long(-1), map: (m) => ((m as number) < 0 ? -1 : (m as number) * 60_000) },
  'log.retention.hours': { field: 'logRetentionMs', parse: long(-1), map: (h) => ((h as number) < 0 ? -1 : (h as number) * 3_600_000) },
  'log.retention.bytes': { field: 'logRetentionBytes', parse: long(-1) },
  'log.retention.check.interval.ms': { field: 'logRetentionCheckIntervalMs', parse: long(1) },
  'log.segment.delete.delay.ms': { field: 'logSegmentDeleteDelayMs', parse: long(0) },
  'log.cleanup.policy': { field: 'logCleanupPolicy', parse: cleanupPolicy },
  'log.cleaner.enable': { field: 'logCleanerEnable', parse: bool },
  'log.cleaner.backoff.ms': { field: 'logCleanerBackoffMs', parse: long(0) },
  'log.cleaner.delete.retention.ms': { field: 'logCleanerDeleteRetentionMs', parse: long(0) },
  'log.cleaner.min.cleanable.ratio': { field: 'logCleanerMinCleanableRatio', parse: ratio },
  'log.cleaner.min.compaction.lag.ms': { field: 'logCleanerMinCompactionLagMs', parse: long(0) },
  'log.cleaner.max.compaction.lag.ms': { field: 'logCleanerMaxCompactionLagMs', parse: long(1) },
  'log.cleaner.dedupe.buffer.size': { field: 'logCleanerDedupeBufferSize', parse: long(1024 * 1024) },
  'min.insync.replicas': { field: 'minInsyncReplicas', parse: int(1, INT32_MAX) },
  'producer.id.expiration.ms': { field: 'producerIdExpirationMs', parse: int(1, INT32_MAX) },
  'log.message.timestamp.type': { field: 'logMessageTimestampType', parse: choice('CreateTime', 'LogAppendTime') },
  'log.message.timestamp.difference.max.ms': { field: 'logMessageTimestampDifferenceMaxMs', parse: long(0) },
  'log.message.timestamp.before.max.ms': { field: 'logMessageTimestampBeforeMaxMs', parse: long(0) },
  'log.message.timestamp.after.max.ms': { field: 'logMessageTimestampAfterMaxMs', parse: long(0) },
  'compression.type': { field: 'compressionType', parse: choice('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer') },
  'compression.gzip.level': { field: 'compressionGzipLevel', parse: (key, raw) => (raw.trim() === '-1' ? -1 : int(1, 9)(key, raw)) },
  'compression.zstd.level': { field: 'compressionZstdLevel', parse: int(-131072, 22) },
};

/** Kafka's defaults, except `log.dirs` (./data, as a new user expects). */
export function defaultConfig(): BrokerConfig {
  const plaintext = [{ name: 'PLAINTEXT', host: '', port: 9092 }];
  return {
    nodeId: 0,
    brokerRack: null,
    listeners: plaintext,
    advertisedListeners: plaintext,
    listenerSecurityProtocolMap: { PLAINTEXT: 'PLAINTEXT', SSL: 'SSL', SASL_PLAINTEXT: 'SASL_PLAINTEXT', SASL_SSL: 'SASL_SSL' },
    interBrokerListenerName: null,
    securityInterBrokerProtocol: null,
    connectionsMaxReauthMs: 0,
    connectionsMaxIdleMs: 600_000,
    maxConnections: INT32_MAX,
    maxConnectionsPerIp: INT32_MAX,
    maxConnectionsPerIpOverrides: {},
    saslServerMaxReceiveSize: 524_288,
    connectionFailedAuthenticationDelayMs: 100,
    authenticationTimeoutMs: 10_000,
    securityProps: {},
    logDirs: ['./data'],
    numPartitions: 1,
    logSegmentBytes: 1024 * 1024 * 1024,
    logRollMs: 168 * 3_600_000,
    logIndexIntervalBytes: 4096,
    logFlushIntervalMessages: Number.MAX_SAFE_INTEGER,
    logFlushIntervalMs: -1,
    autoCreateTopicsEnable: true,
    // 1 MiB + 12 bytes of batch log overhead (Kafka's default).
    messageMaxBytes: 1024 * 1024 + 12,
    socketRequestMaxBytes: 100 * 1024 * 1024,
    defaultReplicationFactor: 1,
    zookeeperConnect: null,
    zookeeperSessionTimeoutMs: 18_000,
    zookeeperConnectionTimeoutMs: 18_000,
    replicaLagTimeMaxMs: 30_000,
    replicaFetchWaitMaxMs: 500,
    replicaFetchMaxBytes: 1_048_576,
    replicaFetchResponseMaxBytes: 10_485_760,
    leaderReplicationThrottledRate: Number.MAX_SAFE_INTEGER,
    followerReplicationThrottledRate: Number.MAX_SAFE_INTEGER,
    replicationQuotaWindowNum: 11,
    replicationQuotaWindowSizeSeconds: 1,
    replicaSelectorClass: null,
    maxIncrementalFetchSessionCacheSlots: 1000,
    minIncrementalFetchSessionEvictionMs: 120_000,
    autoLeaderRebalanceEnable: true,
    leaderImbalanceCheckIntervalSeconds: 300,
    leaderImbalancePerBrokerPercentage: 10,
    uncleanLeaderElectionEnable: false,
    controlledShutdownEnable: true,
    groupMinSessionTimeoutMs: 6_000,
    groupMaxSessionTimeoutMs: 1_800_000,
    groupInitialRebalanceDelayMs: 3_000,
    groupMaxSize: 2_147_483_647,
    offsetsTopicNumPartitions: 50,
    offsetsTopicReplicationFactor: 3,
    offsetsRetentionMs: 10_080 * 60_000,
    offsetsRetentionCheckIntervalMs: 600_000,
    authorizerClassName: '',
    superUsers: [],
    allowEveryoneIfNoAclFound: false,
    quotaWindowNum: 11,
    quotaWindowSizeSeconds: 1,
    offsetMetadataMaxBytes: 4_096,
    offsetsCommitTimeoutMs: 5_000,
    transactionStateLogNumPartitions: 50,
    transactionStateLogReplicationFactor: 3,
    transactionStateLogMinIsr: 2,
    transactionMaxTimeoutMs: 900_000,
    transactionalIdExpirationMs: 604_800_000,
    transactionPartitionVerificationEnable: true,
    transactionAbortTimedOutTransactionCleanupIntervalMs: 10_000,
    transactionRemoveExpiredTransactionCleanupIntervalMs: 3_600_000,
    engine: 'wasm',
    workers: 0,
    websocketPort: 9093,
    websocketHost: '',
    websocketMaxFrameBytes: 4 * 1024 * 1024,
    restEnable: true,
    auditEnable: false,
    auditReportIntervalMs: 60_000,
    auditBucketMs: 600_000,
    auditGraceMs: 600_000,
    restMaxRequestBytes: 8 * 1024 * 1024,
    restConsumerInstanceTimeoutMs: 300_000,
    tailBuffersMaxBytes: 1024 * 1024 * 1024,
    websocketPauseBytes: 1024 * 1024,
    websocketMaxBackpressureBytes: 16 * 1024 * 1024,
    websocketSlowClientTimeoutMs: 30_000,
    websocketAllowedOrigins: null,
    websocketAuthentication: 'none',
    websocketSslEnabled: false,
    metricsPort: 9404,
    metricsHost: '',
    clusterId: null,
    logRetentionMs: 168 * 3_600_000,
    logRetentionBytes: -1,
    logRetentionCheckIntervalMs: 300_000,
    logSegmentDeleteDelayMs: 60_000,
    logCleanupPolicy: ['delete'],
    logCleanerEnable: true,
    logCleanerBackoffMs: 15_000,
    logCleanerDeleteRetentionMs: 86_400_000,
    logCleanerMinCleanableRatio: 0.5,
    logCleanerMinCompactionLagMs: 0,
    logCleanerMaxCompactionLagMs: Number.MAX_SAFE_INTEGER,
    logCleanerDedupeBufferSize: 128 * 1024 * 1024,
    minInsyncReplicas: 1,
    producerIdExpirationMs: 86_400_000,
    logMessageTimestampType: 'CreateTime',
    logMessageTimestampDifferenceMaxMs: Number.MAX_SAFE_INTEGER,
    logMessageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
    logMessageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
    compressionType: 'producer',
    compressionGzipLevel: -1,
    compressionZstdLevel: 3,
  };
}

/** The property names this broker understands, sorted (for help texts and the README). */
export function knownKeys(): string[] {
  return Object.keys(DEFINITIONS).sort();
}

/** The BrokerConfig field a property sets as it is (null for unknown keys and derived ones such as log.retention.hours). */
export function configField(key: string): keyof BrokerConfig | null {
  const def = DEFINITIONS[key];
  return def && !def.map ? def.field : null;
}

/**
 * Applies `key=value` properties onto a config, in order.
 * Errors: ConfigError for an unknown key or an invalid value (message names both).
 */
export function applyProperties(
  config: BrokerConfig,
  props: Record<string, string | number | boolean>,
): BrokerConfig {
  const explicit = new Set<string>();
  for (const [key, value] of Object.entries(props)) {
    const def = DEFINITIONS[key];
    if (!def && isSecurityKey(key)) {
      config.securityProps = { ...config.securityProps, [key]: String(value) };
      continue;
    }
    if (!def) throw new ConfigError(`unknown config key "${key}"`);
    let parsed = def.parse(key, String(value));
    if (def.map) parsed = def.map(parsed);
    if (def.field === 'logDirs' && (parsed as string[]).length === 0) {
      throw new ConfigError(`${key}: no directory given`);
    }
    (config as unknown as Record<string, unknown>)[def.field] = parsed;
    explicit.add(def.field);
  }
  if (explicit.has('listeners') && !explicit.has('advertisedListeners')) {
    config.advertisedListeners = config.listeners;
  }
  return config;
}

/**
 * Reads a Java-style server.properties file (comments, escapes, continuations handled by
 * dot-properties). Errors: ConfigError if the file cannot be read.
 */
export function readPropertiesFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseProperties(text) as Record<string, string>;
}

/** A listener with its security protocol (from `listener.security.protocol.map`). */
export interface SecuredListener extends Listener {
  securityProtocol: SecurityProtocol;
}

/**
 * Checks the listener settings together and returns each listener with its protocol:
 * unique names, every name in `listener.security.protocol.map`, every advertised name a
 * listener, unique fixed ports; and resolves the inter-broker listener (Kafka's
 * KafkaConfig validation). Errors: ConfigError naming the key.
 */
export function validateListeners(config: BrokerConfig): SecuredListener[] {
  const names = new Set<string>();
  const ports = new Set<number>();
  const secured = config.listeners.map((l) => {
    if (names.has(l.name)) throw new ConfigError(`listeners: the listener name ${l.name} is used twice`);
    names.add(l.name);
    if (l.port !== 0 && ports.has(l.port)) throw new ConfigError(`listeners: port ${l.port} is used by two listeners`);
    ports.add(l.port);
    const securityProtocol = config.listenerSecurityProtocolMap[l.name];
    if (!securityProtocol) throw new ConfigError(`listener.security.protocol.map: no security protocol for the listener ${l.name}`);
    return { ...l, securityProtocol };
  });
  for (const a of config.advertisedListeners) {
    if (!names.has(a.name)) throw new ConfigError(`advertised.listeners: ${a.name} is not one of the listeners (${[...names].join(', ')})`);
  }
  interBrokerListener(config, secured);
  return secured;
}

/**
 * The listener brokers reach each other on: `inter.broker.listener.name`, else the listener
 * named after `security.inter.broker.protocol`, else the first listener.
 * Errors: ConfigError when the named listener does not exist, or both keys are set.
 */
export function interBrokerListener(config: BrokerConfig, secured: SecuredListener[]): SecuredListener {
  if (config.interBrokerListenerName !== null && config.securityInterBrokerProtocol !== null) {
    throw new ConfigError('inter.broker.listener.name and security.inter.broker.protocol cannot both be set');
  }
  const name = config.interBrokerListenerName ?? config.securityInterBrokerProtocol;
  if (name === null) return secured[0]!;
  const found = secured.find((l) => l.name === name);
  const key = config.interBrokerListenerName !== null ? 'inter.broker.listener.name' : 'security.inter.broker.protocol';
  if (!found) throw new ConfigError(`${key}: there is no listener named ${name} (listeners: ${secured.map((l) => l.name).join(', ')})`);
  return found;
}
