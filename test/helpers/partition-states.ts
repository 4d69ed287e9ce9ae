/**
 * A topic's partitions as the cluster reports them (Metadata v12 from the first broker of
 * `ports` that answers): leader, ISR and replicas by partition index.
 */
import { createMetadataRequest } from '../../src/protocol/generated/index.js';
import { RawClient } from './raw-client.js';

export interface PartitionView {
  leader: number;
  isr: number[];
  replicas: number[];
}

export async function partitionStates(ports: readonly number[], topic: string): Promise<PartitionView[]> {
  for (const port of ports) {
    try {
      const res = await RawClient.requestOnce(port, 3, 12, createMetadataRequest({ topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false }));
      return (res.topics[0].partitions as Array<{ partitionIndex: number; leaderId: number; isrNodes: number[]; replicaNodes: number[] }>)
        .sort((a, b) => a.partitionIndex - b.partitionIndex)
        .map((p) => ({ leader: p.leaderId, isr: p.isrNodes, replicas: p.replicaNodes }));
    } catch {
      /* the next broker */
    }
  }
  throw new Error('no live broker answered Metadata');
}
