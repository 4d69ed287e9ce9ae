/**
 * The live brokers as Metadata and DescribeCluster report them: each broker's endpoint on the
 * listener the client is connected to (brokers without that listener are left out, as in
 * Kafka), with its rack.
 */
import type { BrokerServices } from '../broker-services.js';

export interface BrokerEndpointEntry {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export function liveBrokerEndpoints(broker: BrokerServices, listenerName: string): BrokerEndpointEntry[] {
  return broker.metadata.aliveBrokers().flatMap((b) => {
    const endpoint = broker.endpointOf(b, listenerName);
    return endpoint ? [{ nodeId: b.id, host: endpoint.host, port: endpoint.port, rack: b.rack }] : [];
  });
}
