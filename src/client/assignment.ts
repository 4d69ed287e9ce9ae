/**
 * Where a consumer's partitions come from. A consumer reads whatever its assignment source
 * assigns and stops reading what it revokes; it does not care how the source decides.
 *   - ManualAssignment: exactly the partitions given (Kafka's `assign()`).
 *   - TopicAssignment: every partition of the given topics, without a group (each consumer
 *     reads everything, like `kcat -C`).
 *   - (coming with the group coordinator) GroupAssignment: join a consumer group over the
 *     WebSocket and get the partitions the group's assignor gives this member, with
 *     committed offsets as start positions; commit goes through it.
 */
import type { GregorClient } from './client.js';
import { GregorError } from './errors.js';
import type { TopicPartition } from './records.js';

/** A partition to read, from `offset` when given (else the consumer's autoOffsetReset). */
export interface AssignedPartition extends TopicPartition {
  offset?: number;
}

export interface AssignmentListener {
  /** Start reading these partitions. */
  assigned(partitions: AssignedPartition[]): Promise<void>;
  /** Stop reading these partitions (before they are given to someone else). */
  revoked(partitions: TopicPartition[]): Promise<void>;
}

export interface AssignmentSource {
  /** Starts; resolves once the first assignment was handed to `listener`. */
  start(listener: AssignmentListener): Promise<void>;
  /** Stops (a group source leaves its group); revokes everything it assigned. */
  stop(): Promise<void>;
  /**
   * Commits positions (group sources). Sources without a group reject with
   * INVALID_GROUP_ID, as Kafka does for a commit without a group id.
   */
  commit(offsets: Array<TopicPartition & { offset: number }>): Promise<void>;
}

abstract class StaticAssignment implements AssignmentSource {
  private assigned: AssignedPartition[] = [];
  private listener: AssignmentListener | null = null;

  protected abstract partitions(): Promise<AssignedPartition[]>;

  async start(listener: AssignmentListener): Promise<void> {
    this.listener = listener;
    this.assigned = await this.partitions();
    await listener.assigned(this.assigned);
  }

  async stop(): Promise<void> {
    if (this.listener && this.assigned.length > 0) await this.listener.revoked(this.assigned.map(({ topic, partition }) => ({ topic, partition })));
    this.assigned = [];
    this.listener = null;
  }

  commit(): Promise<void> {
    return Promise.reject(new GregorError(24, 'committing offsets needs a consumer group (groupId), which comes with the group coordinator'));
  }
}

/** Exactly these partitions. */
export class ManualAssignment extends StaticAssignment {
  constructor(private readonly list: AssignedPartition[]) {
    super();
  }

  protected async partitions(): Promise<AssignedPartition[]> {
    return this.list.map((p) => ({ ...p }));
  }
}

/** Every partition of these topics (from metadata), no group. Errors: the topics' metadata errors. */
export class TopicAssignment extends StaticAssignment {
  constructor(
    private readonly client: GregorClient,
    private readonly topics: string[],
  ) {
    super();
  }

  protected async partitions(): Promise<AssignedPartition[]> {
    const metadata = await this.client.metadata(this.topics, { allowAutoCreate: false });
    const out: AssignedPartition[] = [];
    for (const t of metadata.topics) {
      if (t.error) throw new GregorError(t.error.code, t.error.message, { topic: t.name });
      for (const p of t.partitions) out.push({ topic: t.name, partition: p.partition });
    }
    return out;
  }
}
