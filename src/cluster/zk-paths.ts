/**
 * Classic Kafka's ZooKeeper layout and znode JSON (kafka.zk.ZkData), which Gregor keeps so a
 * Kafka operator finds what they expect with zkCli.sh:
 *
 *   /cluster/id                                   {"version":"1","id":"<cluster id>"}
 *   /controller                 (ephemeral)       {"version":2,"brokerid":1,"timestamp":"…"}
 *   /controller_epoch                             "7"
 *   /brokers/ids/<id>           (ephemeral)       {"version":5,"host":…,"port":…,"endpoints":[…],…}
 *   /brokers/topics/<topic>                       {"version":3,"topic_id":"…","partitions":{"0":[1,2,3],…}}
 *   /brokers/topics/<topic>/partitions/<p>/state  {"controller_epoch":7,"leader":1,"version":1,"leader_epoch":3,"isr":[1,2]}
 *   /config/topics/<topic>                        {"version":1,"config":{"min.insync.replicas":"2",…}}
 *   /admin/delete_topics/<topic>                  (a request to delete, handled by the controller)
 *   /latest_producer_id_block                     {"version":1,"broker":2,"block_start":"3000","block_end":"3999"} (zk-producer-id-blocks.ts)
 *
 * Partition state is written only with versioned (conditional) writes.
 */

export const ZK_PATHS = {
  clusterId: '/cluster/id',
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  brokerIds: '/brokers/ids',
  broker: (id: number) => `/brokers/ids/${id}`,
  topics: '/brokers/topics',
  topic: (topic: string) => `/brokers/topics/${topic}`,
  partitions: (topic: string) => `/brokers/topics/${topic}/partitions`,
  partitionState: (topic: string, partition: number) => `/brokers/topics/${topic}/partitions/${partition}/state`,
  topicConfigs: '/config/topics',
  topicConfig: (topic: string) => `/config/topics/${topic}`,
  deleteTopics: '/admin/delete_topics',
  /** Classic reassignment requests ({"version":1,"partitions":[{"topic","partition","replicas"}]}). */
  reassignPartitions: '/admin/reassign_partitions',
  deleteTopic: (topic: string) => `/admin/delete_topics/${topic}`,
} as const;

/** The paths every broker makes sure exist at start-up. */
export const PERSISTENT_PATHS = ['/brokers/ids', '/brokers/topics', '/config/topics', '/admin/delete_topics', '/cluster'];

/** One listener of a broker, as registered (`endpoints` + `listener_security_protocol_map`). */
export interface BrokerEndpoint {
  listenerName: string;
  securityProtocol: string;
  host: string;
  port: number;
}

export interface BrokerInfo {
  id: number;
  /** Every listener's advertised endpoint, in the broker's `listeners` order. */
  endpoints: BrokerEndpoint[];
  rack: string | null;
  /** Gregor's WebSocket gateway port on that broker (-1: none); Kafka ignores the extra field. */
  websocketPort: number;
}

export interface TopicAssignment {
  topicId: string;
  /** partition → replica broker ids, the first being the preferred leader. */
  partitions: number[][];
  /** A reassignment in progress (KIP-455): partition → replicas being added (the target's new ones). */
  adding?: Record<number, number[]>;
  /** A reassignment in progress: partition → replicas being removed (the original's dropped ones). */
  removing?: Record<number, number[]>;
}

export interface PartitionState {
  controllerEpoch: number;
  /** -1: no leader (offline). */
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

const json = (o: unknown) => Buffer.from(JSON.stringify(o));

/** Broker `b`'s endpoint on listener `listenerName`, or undefined when it has no such listener. */
export function brokerEndpoint(b: BrokerInfo, listenerName: string): BrokerEndpoint | undefined {
  return b.endpoints.find((e) => e.listenerName === listenerName);
}

/**
 * Kafka's broker registration (BrokerIdZNode v5): `host`/`port` are the PLAINTEXT
 * listener's (null / -1 without one), `endpoints` lists `NAME://host:port` for every listener.
 */
export function encodeBroker(b: BrokerInfo): Buffer {
  const plaintext = b.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  return json({
    version: 5,
    host: plaintext?.host ?? null,
    port: plaintext?.port ?? -1,
    jmx_port: -1,
    timestamp: String(Date.now()),
    endpoints: b.endpoints.map((e) => `${e.listenerName}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`),
    listener_security_protocol_map: Object.fromEntries(b.endpoints.map((e) => [e.listenerName, e.securityProtocol])),
    rack: b.rack,
    features: {},
    gregor_websocket_port: b.websocketPort,
  });
}

export function decodeBroker(id: number, data: Buffer): BrokerInfo {
  const o = JSON.parse(data.toString()) as {
    host: string | null;
    port: number;
    endpoints?: string[];
    listener_security_protocol_map?: Record<string, string>;
    rack?: string | null;
    gregor_websocket_port?: number;
  };
  const endpoints: BrokerEndpoint[] = [];
  for (const text of o.endpoints ?? []) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(text);
    if (!m) continue;
    const listenerName = m[1]!;
    endpoints.push({ listenerName, securityProtocol: o.listener_security_protocol_map?.[listenerName] ?? listenerName, host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) });
  }
  if (endpoints.length === 0 && o.host !== null) endpoints.push({ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: o.host, port: o.port });
  return { id, endpoints, rack: o.rack ?? null, websocketPort: o.gregor_websocket_port ?? -1 };
}

export function encodeTopicAssignment(a: TopicAssignment): Buffer {
  return json({ version: 3, topic_id: a.topicId, partitions: Object.fromEntries(a.partitions.map((r, p) => [String(p), r])), adding_replicas: a.adding ?? {}, removing_replicas: a.removing ?? {} });
}

export function decodeTopicAssignment(data: Buffer): TopicAssignment {
  const o = JSON.parse(data.toString()) as { topic_id: string; partitions: Record<string, number[]>; adding_replicas?: Record<string, number[]>; removing_replicas?: Record<string, number[]> };
  const partitions: number[][] = [];
  for (const [p, replicas] of Object.entries(o.partitions)) partitions[Number(p)] = replicas;
  const byPartition = (m: Record<string, number[]> | undefined) => Object.fromEntries(Object.entries(m ?? {}).filter(([, r]) => r.length > 0).map(([p, r]) => [Number(p), r]));
  return { topicId: o.topic_id, partitions, adding: byPartition(o.adding_replicas), removing: byPartition(o.removing_replicas) };
}

export function encodePartitionState(s: PartitionState): Buffer {
  return json({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr });
}

export function decodePartitionState(data: Buffer): PartitionState {
  const o = JSON.parse(data.toString()) as { controller_epoch: number; leader: number; leader_epoch: number; isr: number[] };
  return { controllerEpoch: o.controller_epoch, leader: o.leader, leaderEpoch: o.leader_epoch, isr: o.isr };
}

export function encodeController(brokerId: number): Buffer {
  return json({ version: 2, brokerid: brokerId, timestamp: String(Date.now()) });
}

export function decodeController(data: Buffer): number {
  return (JSON.parse(data.toString()) as { brokerid: number }).brokerid;
}

export function encodeTopicConfig(config: Record<string, string>): Buffer {
  return json({ version: 1, config });
}

export function decodeTopicConfig(data: Buffer): Record<string, string> {
  return (JSON.parse(data.toString()) as { config: Record<string, string> }).config;
}
