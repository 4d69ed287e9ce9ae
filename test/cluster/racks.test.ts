/**
 * Racks: Kafka's rack-aware replica assignment (AdminUtils test vectors, and the property it
 * exists for: every partition's replicas on distinct racks), the refusal when only some
 * brokers have a rack, and `broker.rack` reported by Metadata and DescribeCluster (KIP-700).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignReplicasToBrokers, rackAlternatedBrokerList } from '../../src/cluster/replica-assignment.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';

const racked = (map: Record<number, string | null>) => Object.entries(map).map(([id, rack]) => ({ id: Number(id), rack }));

describe('rack-aware replica assignment', () => {
  const rackMap = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };

  it('matches Kafka\'s AdminRackAwareTest vectors', () => {
    expect(rackAlternatedBrokerList(racked(rackMap))).toEqual([0, 3, 1, 5, 4, 2]);
    const { 5: _dropped, ...withoutFive } = rackMap;
    expect(rackAlternatedBrokerList(racked(withoutFive))).toEqual([0, 3, 1, 4, 2]);
    expect(assignReplicasToBrokers(7, 3, racked(rackMap), 0, Math.random, 0)).toEqual([
      [0, 3, 1], [3, 1, 5], [1, 5, 4], [5, 4, 2], [4, 2, 0], [2, 0, 3], [0, 4, 2],
    ]);
  });

  it('puts each partition\'s replicas on distinct racks and spreads leaders evenly', () => {
    const brokers = racked({ 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' });
    const rackOf = new Map(brokers.map((b) => [b.id, b.rack]));
    const assignment = assignReplicasToBrokers(12, 3, brokers);
    for (const replicas of assignment) expect(new Set(replicas.map((r) => rackOf.get(r))).size).toBe(3);
    const leaders = new Map<number, number>();
    for (const [leader] of assignment) leaders.set(leader!, (leaders.get(leader!) ?? 0) + 1);
    expect([...leaders.values()]).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('without racks is Kafka\'s rack-unaware assignment; with only some racks it refuses', () => {
    expect(assignReplicasToBrokers(10, 3, racked({ 0: null, 1: null, 2: null, 3: null, 4: null }), 0)[5]).toEqual([0, 2, 3]);
    expect(() => assignReplicasToBrokers(1, 2, racked({ 0: 'a', 1: null }))).toThrow(/Not all brokers have rack information/);
    expect(() => assignReplicasToBrokers(1, 4, racked(rackMap).slice(0, 3))).toThrow(/INVALID_REPLICATION_FACTOR|larger than available brokers/);
  });
});

describe('broker.rack on the wire', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1, properties: { 'node.id': 4, 'broker.rack': 'eu-west-1a' } });
  });
  afterAll(() => t.stop());

  it('Metadata and DescribeCluster report the rack; DescribeCluster refuses the controllers endpoint type', async () => {
    const c = await RawClient.connect(t.broker.port);
    try {
      const meta = await c.request(3, 12, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      expect(meta.brokers).toEqual([{ nodeId: 4, host: '127.0.0.1', port: t.broker.port, rack: 'eu-west-1a' }]);
      const cluster = await c.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      expect(cluster).toMatchObject({ errorCode: ErrorCode.NONE, clusterId: t.broker.clusterId, controllerId: 4, brokers: [{ brokerId: 4, host: '127.0.0.1', port: t.broker.port, rack: 'eu-west-1a' }] });
      const controllers = await c.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
      expect(controllers.errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
    } finally {
      c.close();
    }
  });
});
