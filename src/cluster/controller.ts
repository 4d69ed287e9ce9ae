/**
 * The controller (Kafka KafkaController, ZooKeeper mode): one broker at a time, elected by
 * creating the ephemeral /controller; each term bumps /controller_epoch with a conditional
 * write. Its duties:
 *   - new topic → initial partition states: leader = first live replica, ISR = live replicas;
 *   - broker gone (its /brokers/ids node vanished with its session) → every partition it led
 *     gets a new leader from the ISR (first in assignment order that is alive; none → leader
 *     -1, offline, since unclean.leader.election.enable=false), leader epoch + 1, and the dead
 *     broker leaves every ISR;
 *   - broker back → offline partitions whose ISR holds it get it as leader;
 *   - controlled shutdown of a broker → leadership moves away from it first;
 *   - ElectLeaders (KIP-460) → preferred or unclean elections (leader-election.ts); with
 *     `auto.leader.rebalance.enable`, every `leader.imbalance.check.interval.seconds` the
 *     preferred replicas take back leadership where a broker's share of partitions led by
 *     others exceeds `leader.imbalance.per.broker.percentage`;
 *   - /admin/delete_topics/<t> → the topic's znodes are removed (brokers then drop the logs);
 *   - AlterPartitionReassignments (KIP-455), or the classic /admin/reassign_partitions znode
 *     (removed once every partition in it has moved) → the reassignment steps of
 *     reassignment.ts, driven by partition-state changes until the target replicas are in sync.
 * Every broker learns the result through its MetadataCache watches (no LeaderAndIsr RPC).
 * All partition-state writes are conditional on the version read; a lost race re-reads.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.js';
import { type ElectionType, electLeader, imbalancedPartitions } from './leader-election.js';
import { originalOf, planReassignment, targetOf } from './reassignment.js';
import type { CachedPartitionState, MetadataCache } from './metadata-cache.js';
import { ZkCode, type ZkClient, ZkError } from './zk-client.js';
import {
  type PartitionState,
  type TopicAssignment,
  ZK_PATHS,
  decodePartitionState,
  decodeTopicAssignment,
  encodeController,
  encodePartitionState,
  encodeTopicAssignment,
} from './zk-paths.js';

/** The automatic preferred-leader rebalance (Kafka's auto.leader.rebalance.* settings). */
export interface LeaderRebalanceConfig {
  /** `auto.leader.rebalance.enable` */
  enabled: boolean;
  /** `leader.imbalance.check.interval.seconds`, in ms. */
  checkIntervalMs: number;
  /** `leader.imbalance.per.broker.percentage` */
  imbalancePercentage: number;
}

/** A reassignment in progress (ListPartitionReassignments). */
export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  adding: number[];
  removing: number[];
}

/** One partition's answer to an election or a reassignment: error code NONE, or why not. */
export interface ElectionResult {
  topic: string;
  partition: number;
  errorCode: number;
  message: string | null;
}

export class Controller {
  /** This broker's controller epoch while it is the controller; -1 otherwise. */
  epoch = -1;
  private active = false;
  private closed = false;
  /** Serialises the controller's reactions (one change handled at a time, in order). */
  private queue: Promise<void> = Promise.resolve();
  private readonly onBrokers = () => this.enqueue('brokers changed', () => this.reconcile());
  private readonly onTopic = () => this.enqueue('topic changed', () => this.reconcile());
  /** A partition state changed: a reassignment may move on (its target replicas joined the ISR). */
  private readonly onState = (topic: string, partition: number) => {
    const a = this.metadata.topics.get(topic);
    if (a?.adding?.[partition] || a?.removing?.[partition]) this.enqueue('reassignment progress', () => this.progressReassignment(topic, partition));
  };
  /** Brokers in controlled shutdown: not to be elected leader. */
  private readonly shuttingDown = new Set<number>();

  constructor(
    private readonly zk: ZkClient,
    private readonly brokerId: number,
    private readonly metadata: MetadataCache,
    private readonly logger: Logger,
    /** `unclean.leader.election.enable`: with no live ISR member, any live replica may lead. */
    private readonly uncleanLeaderElection = false,
    private readonly rebalance: LeaderRebalanceConfig = { enabled: false, checkIntervalMs: 300_000, imbalancePercentage: 10 },
  ) {}

  private rebalanceTimer: NodeJS.Timeout | null = null;

  get isActive(): boolean {
    return this.active;
  }

  /** Tries to become the controller; otherwise watches /controller and tries again when it goes. */
  async elect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.zk.create(ZK_PATHS.controller, encodeController(this.brokerId), true);
    } catch (err) {
      if (err instanceof ZkError && err.code === ZkCode.NODE_EXISTS) {
        const stillThere = await this.zk.exists(ZK_PATHS.controller, () => void this.elect().catch((e) => this.logger.warn({ err: (e as Error).message }, 'controller election failed')));
        if (!stillThere) return this.elect();
        return;
      }
      throw err;
    }
    this.epoch = await this.bumpEpoch();
    this.active = true;
    // Our own view knows at once (its /controller watch reports it a little later).
    this.metadata.controllerId = this.brokerId;
    this.metadata.on('brokers', this.onBrokers);
    this.metadata.on('topic', this.onTopic);
    this.metadata.on('state', this.onState);
    this.logger.info({ brokerId: this.brokerId, controllerEpoch: this.epoch }, 'became the controller');
    await this.watchDeletions();
    this.enqueue('became controller', () => this.reconcile());
    await this.watchReassignZnode();
    if (this.rebalance.enabled) {
      this.rebalanceTimer = setInterval(() => this.enqueue('leader imbalance check', () => this.rebalanceLeaders()), this.rebalance.checkIntervalMs);
      this.rebalanceTimer.unref();
    }
  }

  /** Steps down (session lost or shutdown). */
  resign(): void {
    if (!this.active) return;
    this.active = false;
    this.epoch = -1;
    if (this.rebalanceTimer) clearInterval(this.rebalanceTimer);
    this.rebalanceTimer = null;
    this.metadata.off('brokers', this.onBrokers);
    this.metadata.off('topic', this.onTopic);
    this.metadata.off('state', this.onState);
  }

  close(): void {
    this.closed = true;
    this.resign();
  }

  /** Waits for the controller's queued work (tests, controlled shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async bumpEpoch(): Promise<number> {
    for (;;) {
      const node = await this.zk.getData(ZK_PATHS.controllerEpoch);
      if (!node) {
        try {
          await this.zk.create(ZK_PATHS.controllerEpoch, Buffer.from('1'));
          return 1;
        } catch (err) {
          if (err instanceof ZkError && err.code === ZkCode.NODE_EXISTS) continue;
          throw err;
        }
      }
      const next = Number(node.data.toString()) + 1;
      try {
        await this.zk.setData(ZK_PATHS.controllerEpoch, Buffer.from(String(next)), node.version);
        return next;
      } catch (err) {
        if (err instanceof ZkError && err.code === ZkCode.BAD_VERSION) continue;
        throw err;
      }
    }
  }

  private enqueue(why: string, work: () => Promise<void>): void {
    this.queue = this.queue
      .then(async () => {
        if (this.active) await work();
      })
      .catch((err) => this.logger.error({ err, why }, 'controller work failed'));
  }

  /**
   * Brings every partition state in line with the live brokers: creates missing states,
   * re-elects leaders that are gone, drops dead brokers from ISRs.
   */
  private async reconcile(): Promise<void> {
    for (const id of [...this.shuttingDown]) if (!this.metadata.brokers.has(id)) this.shuttingDown.delete(id);
    const live = new Set([...this.metadata.brokers.keys()].filter((id) => !this.shuttingDown.has(id)));
    for (const [topic, assignment] of this.metadata.topics) {
      for (let p = 0; p < assignment.partitions.length; p++) {
        const replicas = assignment.partitions[p]!;
        await this.updateState(topic, p, (current) => {
          if (!current) {
            const isr = replicas.filter((r) => live.has(r));
            return { controllerEpoch: this.epoch, leader: isr[0] ?? -1, leaderEpoch: 0, isr: isr.length > 0 ? isr : replicas };
          }
          return this.rebalanceLeader(current, replicas, live);
        });
      }
    }
  }

  /** The new state for a partition given the live brokers, or null if nothing changes. */
  private rebalanceLeader(current: PartitionState, replicas: number[], live: Set<number>): PartitionState | null {
    const liveIsr = current.isr.filter((r) => live.has(r));
    if (current.leader !== -1 && live.has(current.leader)) {
      if (liveIsr.length === current.isr.length) return null;
      // A follower died: it leaves the ISR (the leader stays, epoch unchanged).
      return { ...current, controllerEpoch: this.epoch, isr: liveIsr };
    }
    // The leader is gone (or there was none): the first live ISR member in assignment order;
    // only with unclean election, failing that, any live replica (records may be lost).
    let leader = replicas.find((r) => liveIsr.includes(r)) ?? -1;
    if (leader === -1 && this.uncleanLeaderElection) {
      leader = replicas.find((r) => live.has(r)) ?? -1;
      if (leader !== -1) {
        this.logger.warn({ leader, isr: current.isr }, 'unclean leader election: an out-of-sync replica leads');
        return { controllerEpoch: this.epoch, leader, leaderEpoch: current.leaderEpoch + 1, isr: [leader] };
      }
    }
    if (leader === -1 && current.leader === -1) return null;
    return {
      controllerEpoch: this.epoch,
      leader,
      leaderEpoch: current.leaderEpoch + 1,
      // With no leader, keep the last ISR (unclean election off: only they may lead again).
      isr: leader === -1 ? current.isr : liveIsr,
    };
  }

  /**
   * Writes `compute(current)` to the partition's state znode if it is non-null, conditional on
   * the version read; on a lost race re-reads and recomputes (a few times).
   */
  private async updateState(topic: string, partition: number, compute: (current: CachedPartitionState | null) => PartitionState | null): Promise<void> {
    const path = ZK_PATHS.partitionState(topic, partition);
    for (let attempt = 0; attempt < 5; attempt++) {
      const node = await this.zk.getData(path);
      const next = compute(node ? { ...decodePartitionState(node.data), zkVersion: node.version } : null);
      if (!next) return;
      try {
        if (node) {
          const version = await this.zk.setData(path, encodePartitionState(next), node.version);
          this.metadata.noteState(topic, partition, { ...next, zkVersion: version });
        } else {
          await this.zk.mkdirp(ZK_PATHS.partitions(topic) + `/${partition}`);
          await this.zk.create(path, encodePartitionState(next));
          this.metadata.noteState(topic, partition, { ...next, zkVersion: 0 });
        }
        this.logger.info({ topic, partition, leader: next.leader, leaderEpoch: next.leaderEpoch, isr: next.isr }, 'partition state changed');
        return;
      } catch (err) {
        if (err instanceof ZkError && (err.code === ZkCode.BAD_VERSION || err.code === ZkCode.NODE_EXISTS)) continue;
        throw err;
      }
    }
  }

  /**
   * Controlled shutdown of `brokerId` (Kafka KIP-… ControlledShutdown): every partition it
   * leads gets another live ISR member as leader, and it leaves the ISRs. Resolves with the
   * number of partitions it still leads (0 when all moved).
   */
  async controlledShutdown(brokerId: number): Promise<number> {
    this.shuttingDown.add(brokerId);
    let remaining = 0;
    const work = async () => {
      const live = new Set([...this.metadata.brokers.keys()].filter((id) => !this.shuttingDown.has(id)));
      for (const [topic, assignment] of this.metadata.topics) {
        for (let p = 0; p < assignment.partitions.length; p++) {
          const replicas = assignment.partitions[p]!;
          await this.updateState(topic, p, (current) => {
            if (!current || !current.isr.includes(brokerId)) return null;
            if (current.leader !== brokerId) return { ...current, controllerEpoch: this.epoch, isr: current.isr.filter((r) => r !== brokerId) };
            const leader = replicas.find((r) => r !== brokerId && live.has(r) && current.isr.includes(r));
            if (leader === undefined) return null;
            return { controllerEpoch: this.epoch, leader, leaderEpoch: current.leaderEpoch + 1, isr: current.isr.filter((r) => r !== brokerId) };
          });
          if (this.metadata.state(topic, p)?.leader === brokerId) remaining++;
        }
      }
    };
    this.enqueue(`controlled shutdown of ${brokerId}`, work);
    await this.queue;
    return remaining;
  }

  /** Brokers that may lead now: live and not in controlled shutdown. */
  private liveBrokers(): Set<number> {
    return new Set([...this.metadata.brokers.keys()].filter((id) => !this.shuttingDown.has(id)));
  }

  /**
   * ElectLeaders (KIP-460): a `type` election for each of `partitions` (null: every
   * partition), written to ZooKeeper before it resolves. Per partition: NONE,
   * ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE,
   * UNKNOWN_TOPIC_OR_PARTITION; NOT_CONTROLLER for all when this broker is not the controller.
   * Source: Kafka KafkaController.processReplicaLeaderElection.
   */
  async electLeaders(partitions: ReadonlyArray<[string, number]> | null, type: ElectionType): Promise<ElectionResult[]> {
    const wanted = partitions ?? [...this.metadata.topics].flatMap(([topic, a]) => a.partitions.map((_, p): [string, number] => [topic, p]));
    const results: ElectionResult[] = [];
    const work = async () => {
      const live = this.liveBrokers();
      for (const [topic, partition] of wanted) {
        const replicas = this.metadata.topics.get(topic)?.partitions[partition];
        if (!replicas) {
          results.push({ topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `${topic}-${partition} does not exist` });
          continue;
        }
        let outcome: ElectionResult = { topic, partition, errorCode: ErrorCode.NONE, message: null };
        await this.updateState(topic, partition, (current) => {
          if (!current) {
            outcome = { topic, partition, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message: `${topic}-${partition} has no state yet` };
            return null;
          }
          const decided = electLeader(type, current, replicas, live, this.epoch);
          if ('state' in decided) {
            outcome = { topic, partition, errorCode: ErrorCode.NONE, message: null };
            return decided.state;
          }
          outcome = { topic, partition, errorCode: decided.errorCode, message: decided.message };
          return null;
        });
        results.push(outcome);
      }
    };
    if (this.active) {
      this.enqueue(`${type} leader election`, work);
      await this.queue;
    }
    // Partitions the work did not reach: the controller role was lost (or a ZooKeeper error, logged).
    const missing = wanted.slice(results.length).map(([topic, partition]): ElectionResult => ({
      topic,
      partition,
      errorCode: this.active ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.NOT_CONTROLLER,
      message: this.active ? 'the election failed; see the controller\'s log' : 'this broker is not the controller',
    }));
    return [...results, ...missing];
  }

  /**
   * AlterPartitionReassignments (KIP-455): for each partition, `replicas` starts (or replaces)
   * a reassignment to those brokers, null cancels the ongoing one. Resolves once each is
   * started (or refused): errors UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT
   * (empty, duplicate or not live brokers), NO_REASSIGNMENT_IN_PROGRESS (cancel with none),
   * NOT_CONTROLLER. Source: Kafka KafkaController.onPartitionReassignment.
   */
  async alterPartitionReassignments(changes: ReadonlyArray<{ topic: string; partition: number; replicas: readonly number[] | null }>): Promise<ElectionResult[]> {
    const results: ElectionResult[] = [];
    const work = async () => {
      for (const change of changes) results.push(await this.alterOne(change.topic, change.partition, change.replicas));
    };
    if (this.active) {
      this.enqueue('partition reassignment', work);
      await this.queue;
    }
    return [
      ...results,
      ...changes.slice(results.length).map(({ topic, partition }): ElectionResult => ({
        topic, partition,
        errorCode: this.active ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.NOT_CONTROLLER,
        message: this.active ? 'the reassignment failed; see the controller\'s log' : 'this broker is not the controller',
      })),
    ];
  }

  /** Reassignments in progress, of `partitions` (null: all). */
  listPartitionReassignments(partitions: ReadonlyArray<[string, number]> | null): OngoingReassignment[] {
    const out: OngoingReassignment[] = [];
    for (const [topic, a] of this.metadata.topics) {
      a.partitions.forEach((replicas, partition) => {
        const adding = a.adding?.[partition] ?? [];
        const removing = a.removing?.[partition] ?? [];
        if (adding.length + removing.length === 0) return;
        if (partitions && !partitions.some(([t, p]) => t === topic && p === partition)) return;
        out.push({ topic, partition, replicas, adding, removing });
      });
    }
    return out;
  }

  private async alterOne(topic: string, partition: number, target: readonly number[] | null): Promise<ElectionResult> {
    const result = (errorCode: number, message: string | null = null): ElectionResult => ({ topic, partition, errorCode, message });
    const a = this.metadata.topics.get(topic);
    const current = a?.partitions[partition];
    if (!a || !current) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition} does not exist`);
    const adding = a.adding?.[partition] ?? [];
    const removing = a.removing?.[partition] ?? [];
    const original = originalOf(current, adding);
    if (target === null) {
      if (adding.length + removing.length === 0) return result(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `no reassignment of ${topic}-${partition} is in progress`);
      await this.finishReassignment(topic, partition, original);
      this.logger.info({ topic, partition, replicas: original }, 'cancelled a partition reassignment');
      return result(ErrorCode.NONE);
    }
    if (target.length === 0) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'the target replica list is empty');
    if (new Set(target).size !== target.length) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `duplicate brokers in [${target}]`);
    const unknown = target.filter((r) => !this.metadata.brokers.has(r));
    if (unknown.length > 0) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `brokers [${unknown}] are not live`);
    const plan = planReassignment(original, target);
    if (plan.adding.length + plan.removing.length === 0) {
      // A reordering (or the original again): nothing to move.
      await this.finishReassignment(topic, partition, [...target]);
      return result(ErrorCode.NONE);
    }
    await this.writeAssignment(topic, (t) => {
      t.partitions[partition] = plan.replicas;
      t.adding = { ...t.adding, [partition]: plan.adding };
      t.removing = { ...t.removing, [partition]: plan.removing };
    });
    // A new leader epoch tells every replica, old and new, the replica set (Kafka's LeaderAndIsr).
    await this.updateState(topic, partition, (s) => (s ? { ...s, controllerEpoch: this.epoch, leaderEpoch: s.leaderEpoch + 1 } : null));
    this.logger.info({ topic, partition, ...plan }, 'started a partition reassignment');
    await this.progressReassignment(topic, partition);
    return result(ErrorCode.NONE);
  }

  /** Completes a reassignment whose target replicas are all in sync (else waits for the next state change). */
  private async progressReassignment(topic: string, partition: number): Promise<void> {
    const a = this.metadata.topics.get(topic);
    const replicas = a?.partitions[partition];
    const removing = a?.removing?.[partition] ?? [];
    const adding = a?.adding?.[partition] ?? [];
    const state = this.metadata.state(topic, partition);
    if (!replicas || !state || adding.length + removing.length === 0) return;
    const target = targetOf(replicas, removing);
    if (!target.every((r) => state.isr.includes(r))) return;
    await this.finishReassignment(topic, partition, target);
    this.logger.info({ topic, partition, replicas: target }, 'completed a partition reassignment');
    if (this.znodeReassignments.delete(`${topic}\u0000${partition}`)) await this.maybeRemoveReassignZnode();
  }

  /**
   * Ends a reassignment at `replicas` (the target, or the original when cancelled): the
   * assignment becomes `replicas` with nothing adding or removing, then the leader moves into
   * it if it is not there and the ISR keeps only its members (leader epoch + 1). In that order:
   * every broker sees the znodes change in the order they were written, so a new leader
   * already knows the final replica set and never takes a removed replica back into the ISR.
   */
  private async finishReassignment(topic: string, partition: number, replicas: number[]): Promise<void> {
    const live = this.liveBrokers();
    await this.writeAssignment(topic, (t) => {
      t.partitions[partition] = replicas;
      if (t.adding) delete t.adding[partition];
      if (t.removing) delete t.removing[partition];
    });
    await this.updateState(topic, partition, (s) => {
      if (!s) return null;
      const inSync = s.isr.filter((r) => replicas.includes(r));
      const leader = replicas.includes(s.leader) && live.has(s.leader) ? s.leader : replicas.find((r) => live.has(r) && inSync.includes(r)) ?? -1;
      if (leader === s.leader && inSync.length === s.isr.length) return null;
      return { controllerEpoch: this.epoch, leader, leaderEpoch: s.leaderEpoch + 1, isr: inSync.length > 0 ? inSync : s.isr };
    });
  }

  /** Rewrites /brokers/topics/<topic> with `change` applied, conditional on the version read (retried on a lost race). */
  private async writeAssignment(topic: string, change: (a: TopicAssignment) => void): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const node = await this.zk.getData(ZK_PATHS.topic(topic));
      if (!node) return;
      const next = decodeTopicAssignment(node.data);
      change(next);
      try {
        await this.zk.setData(ZK_PATHS.topic(topic), encodeTopicAssignment(next), node.version);
        // This broker's view at once (its watch reports it a little later).
        this.metadata.topics.set(topic, next);
        return;
      } catch (err) {
        if (err instanceof ZkError && err.code === ZkCode.BAD_VERSION) continue;
        throw err;
      }
    }
  }

  /** The automatic rebalance: preferred elections where a broker's imbalance is too high. */
  private async rebalanceLeaders(): Promise<void> {
    const live = this.liveBrokers();
    const states = function* (metadata: MetadataCache) {
      for (const [topic, partition, state] of metadata.allStates()) {
        const replicas = metadata.topics.get(topic)?.partitions[partition];
        if (replicas) yield [topic, partition, replicas, state] as [string, number, number[], CachedPartitionState];
      }
    };
    const moves = imbalancedPartitions(states(this.metadata), live, this.rebalance.imbalancePercentage);
    if (moves.length === 0) return;
    this.logger.info({ partitions: moves.length }, 'leader imbalance: electing preferred leaders');
    for (const [topic, partition] of moves) {
      const replicas = this.metadata.topics.get(topic)!.partitions[partition]!;
      await this.updateState(topic, partition, (current) => {
        if (!current) return null;
        const decided = electLeader('preferred', current, replicas, live, this.epoch);
        return 'state' in decided ? decided.state : null;
      });
    }
  }

  /** Partitions of the /admin/reassign_partitions request not finished yet (`topic\u0000partition`). */
  private readonly znodeReassignments = new Set<string>();

  /** Starts the reassignments a classic /admin/reassign_partitions znode asks for (Kafka's ZK tooling). */
  private async watchReassignZnode(): Promise<void> {
    if (!this.active) return;
    const node = await this.zk.getData(ZK_PATHS.reassignPartitions, () => void this.watchReassignZnode().catch(() => {}));
    if (!node) return;
    let partitions: Array<{ topic: string; partition: number; replicas: number[] }>;
    try {
      partitions = (JSON.parse(node.data.toString('utf8')) as { partitions: typeof partitions }).partitions ?? [];
    } catch {
      this.logger.warn('ignoring an /admin/reassign_partitions znode that is not JSON');
      await this.zk.remove(ZK_PATHS.reassignPartitions);
      return;
    }
    this.enqueue('reassignment from ZooKeeper', async () => {
      for (const p of partitions) {
        this.znodeReassignments.add(`${p.topic}\u0000${p.partition}`);
        const result = await this.alterOne(p.topic, p.partition, p.replicas);
        if (result.errorCode !== ErrorCode.NONE) {
          this.logger.warn({ topic: p.topic, partition: p.partition, error: result.message }, 'a reassignment from /admin/reassign_partitions was refused');
          this.znodeReassignments.delete(`${p.topic}\u0000${p.partition}`);
        }
      }
      await this.maybeRemoveReassignZnode();
    });
  }

  /** Removes /admin/reassign_partitions once every partition it named has moved (or was refused). */
  private async maybeRemoveReassignZnode(): Promise<void> {
    for (const key of [...this.znodeReassignments]) {
      const [topic, partition] = [key.split('\u0000')[0]!, Number(key.split('\u0000')[1])];
      const a = this.metadata.topics.get(topic);
      if (!a?.adding?.[partition] && !a?.removing?.[partition]) this.znodeReassignments.delete(key);
    }
    if (this.znodeReassignments.size === 0) await this.zk.remove(ZK_PATHS.reassignPartitions);
  }

  private async watchDeletions(): Promise<void> {
    if (!this.active) return;
    const topics = await this.zk.getChildren(ZK_PATHS.deleteTopics, () => void this.watchDeletions().catch(() => {}));
    for (const topic of topics) {
      this.enqueue(`delete ${topic}`, async () => {
        await this.zk.removeRecursive(ZK_PATHS.topic(topic));
        await this.zk.remove(ZK_PATHS.topicConfig(topic));
        await this.zk.remove(ZK_PATHS.deleteTopic(topic));
        this.logger.info({ topic }, 'deleted topic');
      });
    }
  }
}
