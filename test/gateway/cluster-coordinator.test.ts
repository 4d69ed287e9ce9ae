/**
 * Group operations on the gateway of a broker in cluster mode (a real ZooKeeper, two
 * brokers): a group is coordinated by the leader of its `__consumer_offsets` partition, as
 * FindCoordinator says; the other broker's gateway answers its group operations
 * NOT_COORDINATOR. The client library's consumer connected to the wrong broker fails with
 * NOT_COORDINATOR naming the coordinator; connected to the right one it joins — and a
 * KafkaJS consumer (bootstrapped on the *other* broker, finding the coordinator itself)
 * lands in the same group.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/node.js';
import type { TopicPartition } from '../../src/client/records.js';
import { encodeSubscription } from '../../src/client/consumer-protocol.js';
import { startTestBroker, type TestBroker } from '../helpers/in-process.js';
import { waitFor } from '../helpers/wait.js';
import { type ZooKeeperServer, startZooKeeper } from '../helpers/zookeeper.js';
import { type KafkaJsChild, startKafkaJsConsumer } from '../client/kafkajs-child.js';
import { RawSocket } from './raw-socket.js';

const TOPIC = 'clustered-groups';

describe('WebSocket group operations in cluster mode', () => {
  let zk: ZooKeeperServer;
  const brokers: TestBroker[] = [];
  const sockets: RawSocket[] = [];
  let child: KafkaJsChild | null = null;
  /** A group coordinated by broker 2, and one by broker 1. */
  let onTwo = '';
  let onOne = '';

  beforeAll(async () => {
    zk = await startZooKeeper();
    for (const id of [1, 2]) {
      brokers.push(
        await startTestBroker({
          properties: {
            'node.id': id,
            'zookeeper.connect': zk.connectString,
            'offsets.topic.num.partitions': 4,
            'group.initial.rebalance.delay.ms': 0,
            'group.min.session.timeout.ms': 1000,
          },
        }),
      );
    }
    for (const b of brokers) sockets.push(await RawSocket.open(b.broker.websocketPort));
    // FindCoordinator creates __consumer_offsets, then names each group's coordinator.
    for (let i = 0; (!onTwo || !onOne) && i < 100; i++) {
      const groupId = `group-${i}`;
      let found: Record<string, unknown> = {};
      for (let attempt = 0; attempt < 100; attempt++) {
        found = await sockets[0]!.request('findCoordinator', { groupId });
        if (found['type'] === 'result') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(found).toMatchObject({ type: 'result' });
      if (found['nodeId'] === 2 && !onTwo) onTwo = groupId;
      if (found['nodeId'] === 1 && !onOne) onOne = groupId;
    }
    // Wait until each broker has taken over the groups it leads.
    await waitFor(() => brokers[1]!.broker.groups.isCoordinatorFor(onTwo) && brokers[0]!.broker.groups.isCoordinatorFor(onOne), 20_000, 'coordinators loaded');
  }, 60_000);
  afterAll(async () => {
    await child?.stop();
    for (const s of sockets) s.close();
    for (const b of brokers.reverse()) await b.stop();
    await zk?.stop();
  });

  it('both gateways name the same coordinator; the other one answers NOT_COORDINATOR', async () => {
    for (const s of sockets) {
      // Each broker's own gateway port, as it registered it in ZooKeeper.
      expect(await s.request('findCoordinator', { groupId: onTwo })).toMatchObject({ type: 'result', nodeId: 2, port: brokers[1]!.broker.port, websocketPort: brokers[1]!.broker.websocketPort });
      expect(await s.request('findCoordinator', { groupId: onOne })).toMatchObject({ type: 'result', nodeId: 1, port: brokers[0]!.broker.port, websocketPort: brokers[0]!.broker.websocketPort });
    }
    // The topic exists, so commits are refused for the group's sake, not the partition's (Kafka
    // answers UNKNOWN_TOPIC_OR_PARTITION first for partitions the cluster does not have).
    expect(await sockets[1]!.request('createTopic', { topic: TOPIC, partitions: 4 })).toMatchObject({ type: 'result' });
    await waitFor(() => brokers[0]!.broker.metadata.partition(TOPIC, 0) !== undefined, 20_000, 'the topic known to broker 1');
    const joinOn = (s: RawSocket, groupId: string) => s.request('joinGroup', { groupId, protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeSubscription([TOPIC]) }], sessionTimeoutMs: 5000 });
    expect(await joinOn(sockets[0]!, onTwo)).toMatchObject({ type: 'error', code: 16, name: 'NOT_COORDINATOR' });
    expect(await sockets[0]!.request('heartbeat', { groupId: onTwo, generationId: 1, memberId: 'm' })).toMatchObject({ code: 16, name: 'NOT_COORDINATOR' });
    expect(await sockets[0]!.request('commitOffsets', { groupId: onTwo, offsets: [{ topic: TOPIC, partition: 0, offset: 1 }] })).toMatchObject({ code: 16, name: 'NOT_COORDINATOR' });
    expect(await sockets[0]!.request('fetchOffsets', { groupId: onTwo })).toMatchObject({ code: 16, name: 'NOT_COORDINATOR' });
    expect(await joinOn(sockets[1]!, onOne)).toMatchObject({ code: 16, name: 'NOT_COORDINATOR' });
    // The coordinator itself takes the join (KIP-394's first step).
    expect(await joinOn(sockets[1]!, onTwo)).toMatchObject({ type: 'error', code: 79, name: 'MEMBER_ID_REQUIRED' });
  });

  it("the client's consumer fails with NOT_COORDINATOR on the wrong broker, and shares the group with KafkaJS on the right one", async () => {
    const wrong = await connect(`ws://127.0.0.1:${brokers[0]!.broker.websocketPort}`);
    const right = await connect(`ws://127.0.0.1:${brokers[1]!.broker.websocketPort}`);
    try {
      const lost = wrong.consumer({ groupId: onTwo, sessionTimeoutMs: 5000, heartbeatIntervalMs: 300 });
      await expect(lost.subscribe({ topics: [TOPIC] })).rejects.toMatchObject({ type: 'NOT_COORDINATOR', message: expect.stringContaining('coordinated by broker 2') });
      await lost.close();

      const consumer = right.consumer({ groupId: onTwo, sessionTimeoutMs: 5000, heartbeatIntervalMs: 300 });
      let assigned: TopicPartition[] = [];
      consumer.rebalanced.add((tps) => (assigned = tps));
      consumer.run({ eachRecord: () => {}, onError: () => {} }); // partitions led by broker 1 are not readable here
      await consumer.subscribe({ topics: [TOPIC] });
      expect(assigned).toHaveLength(4);

      // KafkaJS bootstraps on broker 1 and finds broker 2 itself.
      child = startKafkaJsConsumer(`127.0.0.1:${brokers[0]!.broker.port}`, onTwo, TOPIC, 5000);
      await waitFor(() => child!.assignment()?.length === 2 && assigned.length === 2, 30_000, `a 2/2 split (KafkaJS ${child!.assignment()}, ws ${assigned.length})`);
      expect(new Set([...child.assignment()!, ...assigned.map((tp) => tp.partition)])).toEqual(new Set([0, 1, 2, 3]));
      const kafka = new Kafka({ clientId: 'cluster-admin', brokers: [`127.0.0.1:${brokers[0]!.broker.port}`], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const { groups } = await admin.describeGroups([onTwo]);
      await admin.disconnect();
      expect(groups[0]).toMatchObject({ state: 'Stable', protocol: 'RoundRobinAssigner' });
      expect(groups[0]!.members.map((m) => m.memberId)).toContain(consumer.groupMetadata()!.memberId);
      await child.stop();
      child = null;
      await consumer.close();
    } finally {
      await wrong.close();
      await right.close();
    }
  });
});
