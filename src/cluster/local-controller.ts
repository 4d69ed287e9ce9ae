/**
 * The controller role of a single broker, a cluster of one: always active, and a controlled
 * shutdown has no other replica to move leadership to, so every partition the broker leads
 * remains with it (as Kafka's controller answers when no other ISR member exists).
 */
import type { ClusterMetadata } from './cluster-metadata.js';

export interface ControllerRole {
  /** Whether this broker is the active controller. */
  readonly isActive: boolean;
  /**
   * Moves `brokerId`'s leaderships to other in-sync replicas (Kafka
   * KafkaController.doControlledShutdown); resolves to the count it still leads.
   */
  controlledShutdown(brokerId: number): Promise<number>;
}

export class LocalController implements ControllerRole {
  readonly isActive = true;

  constructor(private readonly metadata: ClusterMetadata) {}

  async controlledShutdown(brokerId: number): Promise<number> {
    let led = 0;
    for (const t of this.metadata.topics()) {
      for (let p = 0; p < t.partitionCount; p++) if (this.metadata.partition(t.name, p)?.leader === brokerId) led++;
    }
    return led;
  }
}
