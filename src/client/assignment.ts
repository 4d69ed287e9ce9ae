/**
 * Where a consumer's partitions come from. A consumer reads whatever its assignment source
 * assigns and stops reading what it revokes; it does not care how the source decides.
 *   - ManualAssignment: exactly the partitions given (Kafka's `assign()`); with a group id,
 *     partitions without an explicit offset start at the group's committed offsets, and
 *     commits go to the group outside group management (generation -1, as Kafka's
 *     `assign()` + `commitSync()`: only while the group has no members).
 *   - TopicAssignment: every partition of the given topics, without a group (each consumer
 *     reads everything, like `kcat -C`).
 *   - GroupAssignment (group-assignment.ts): joins a consumer group over the WebSocket and
 *     reads the partitions the group's assignor gives this member, from committed offsets.
 */
import type { GregorClient } from './client.js';
import { GregorError } from './errors.js';
import { NO_MEMBER, commitOffsets, fetchOffsets } from './group-requests.js';
import type { TopicPartition, TopicPartitionOffset } from './records.js';

/** A partition to read, from `offset` when given (else the consumer's autoOffsetReset). */
export interface AssignedPartition extends TopicPartition {
  offset?: number;
}

export interface AssignmentListener {
  /** Start reading these partitions. */
  assigned(partitions: AssignedPartition[]): Promise<void>;
  /**
   * Stop reading these partitions (before they are given to someone else). Resolves once
   * no handler runs for them any more, with their final positions (next offset to read).
   */
  revoked(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]>;
  /** Positions (next offset to read) of the partitions being read. */
  positions(): TopicPartitionOffset[];
}

export interface AssignmentSource {
  /** Starts; resolves once the first assignment was handed to `listener`. */
  start(listener: AssignmentListener): Promise<void>;
  /** Stops (a group source commits, when auto-committing, and leaves its group); revokes everything it assigned. */
  stop(): Promise<void>;
  /**
   * Commits positions (the next offset to read) for the group. Sources without a group
   * reject with INVALID_GROUP_ID, as Kafka does for a commit without a group id.
   */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
}

/** Positions ≥ 0 of a committed-offsets answer, by `${topic}\u0000${partition}`. */
export function committedByKey(offsets: TopicPartitionOffset[]): Map<string, number> {
  return new Map(offsets.filter((o) => o.offset >= 0).map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
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

  commit(_offsets: TopicPartitionOffset[]): Promise<void> {
    return Promise.reject(new GregorError(24, 'committing offsets needs a consumer group: create the consumer with a groupId'));
  }
}

/**
 * Exactly these partitions. With `groupId` (and `client`), partitions without an offset
 * start at the group's committed offsets, and commit() commits to that group without
 * membership (generation -1). Errors: the committed-offsets fetch's (e.g. NOT_COORDINATOR).
 */
export class ManualAssignment extends StaticAssignment {
  constructor(
    private readonly list: AssignedPartition[],
    private readonly group: { client: GregorClient; groupId: string } | null = null,
  ) {
    super();
  }

  protected async partitions(): Promise<AssignedPartition[]> {
    const out = this.list.map((p) => ({ ...p }));
    const open = out.filter((p) => p.offset === undefined);
    if (this.group && open.length > 0) {
      const committed = committedByKey(await fetchOffsets((f, t) => this.group!.client.request(f, t), this.group.groupId, open));
      for (const p of open) p.offset = committed.get(`${p.topic}\u0000${p.partition}`);
    }
    return out;
  }

  override commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (!this.group) return super.commit(offsets);
    return commitOffsets((f, t) => this.group!.client.request(f, t), this.group.groupId, offsets, NO_MEMBER);
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
