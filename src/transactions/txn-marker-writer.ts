/**
 * Writes a transaction's COMMIT or ABORT markers on every one of its partitions (Kafka
 * TransactionMarkerChannelManager): a partition this broker leads gets its control batch
 * through ReplicaManager.appendControlBatch (acks=all); the others are grouped by leader and
 * sent to it as one WriteTxnMarkers request (key 27, v1) on the inter-broker listener, whose
 * handler appends the same way (`appendMarkers`). A partition answered with a retriable error
 * (no leader, not the leader, not enough replicas, a timeout, a lost connection) is retried
 * after `retryBackoffMs` with fresh metadata; one whose topic is gone is dropped, as Kafka
 * does. A leader that answers INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED has seen
 * a newer producer epoch or coordinator: this coordinator stops sending the transaction's
 * markers (Kafka TransactionMarkerRequestCompletionHandler: "this txn can now be ignored").
 * Resolves once every partition has its marker, or the writer is stopped or fenced.
 * Source: Kafka TransactionMarkerChannelManager.scala, TransactionMarkerRequestCompletionHandler.scala.
 */
import type { Logger } from 'pino';
import type { BrokerServices } from '../broker-services.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/generated/index.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { ControlRecordType, type TxnMarker, encodeMarkerBatch } from './control-batch.js';
import type { TopicPartition } from './transaction-metadata.js';

const WRITE_TXN_MARKERS = 27;
const FENCED = Symbol('fenced');
/** How long one marker append waits for the partition's in-sync replicas (ms). */
const MARKER_APPEND_TIMEOUT_MS = 5_000;

/** What the marker writer uses of the broker. */
export type MarkerHost = Pick<BrokerServices, 'config' | 'engine' | 'replicas' | 'metadata' | 'connectToBroker' | 'groups'>;

/**
 * Appends `marker` to each of `partitions` that this broker leads; returns an error code per
 * partition (in order): NONE, or UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
 * NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR,
 * INVALID_PRODUCER_EPOCH (the marker's producer epoch is older than the producer's on that
 * partition), TRANSACTION_COORDINATOR_FENCED (its coordinator epoch is older than the one of the
 * producer's last marker there; ProducerStateManager.checkMarker)…
 * A marker on the in-sync replicas of a `__consumer_offsets` partition completes the
 * producer's transactional offsets there (GroupCoordinator.onTransactionCompleted, as Kafka's
 * KafkaApis.handleWriteTxnMarkersRequest does).
 * Used by the coordinator for local partitions and by the WriteTxnMarkers handler.
 */
export function appendMarkers(host: Pick<BrokerServices, 'engine' | 'replicas' | 'groups'>, marker: TxnMarker, partitions: readonly TopicPartition[]): Promise<number[]> {
  return Promise.all(
    partitions.map(async ({ topic, partition }) => {
      try {
        const { errorCode } = await host.replicas.appendControlBatch(
          topic,
          partition,
          (baseOffset, leaderEpoch) => encodeMarkerBatch(host.engine, marker, baseOffset, leaderEpoch),
          { acks: -1, timeoutMs: MARKER_APPEND_TIMEOUT_MS },
          (log) => log.producerState.checkMarker(marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, `${topic}-${partition}`),
        );
        if (errorCode === ErrorCode.NONE && topic === OFFSETS_TOPIC) host.groups.onTransactionCompleted(marker.producerId, partition, marker.type === ControlRecordType.COMMIT);
        return errorCode;
      } catch (err) {
        if (err instanceof KafkaError) return err.code;
        throw err;
      }
    }),
  );
}

export class TxnMarkerWriter {
  private stopped = false;

  constructor(
    private readonly host: MarkerHost,
    private readonly logger: Logger,
    private readonly retryBackoffMs = 100,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /**
   * Writes `marker` on every partition of `partitions`; resolves true once all have it (or
   * their topics are gone), false if the writer was stopped, `stillWanted()` turned false
   * (the coordinator lost the transaction's partition) or a leader fenced the marker first.
   */
  async write(marker: TxnMarker, partitions: readonly TopicPartition[], stillWanted: () => boolean = () => true): Promise<boolean> {
    let remaining = [...partitions];
    for (let attempt = 0; remaining.length > 0; attempt++) {
      if (this.stopped || !stillWanted()) return false;
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.retryBackoffMs));
      const byLeader = new Map<number, TopicPartition[]>();
      const retry: TopicPartition[] = [];
      for (const tp of remaining) {
        const topic = this.host.metadata.topic(tp.topic);
        if (!topic) continue; // deleted: no marker needed (Kafka removes the partition from the transaction)
        const leader = this.host.metadata.partition(tp.topic, tp.partition)?.leader ?? -1;
        if (leader < 0) retry.push(tp);
        else byLeader.set(leader, [...(byLeader.get(leader) ?? []), tp]);
      }
      const results = await Promise.all([...byLeader].map(([leader, tps]) => this.writeTo(leader, marker, tps)));
      if (results.some((r) => r === FENCED)) {
        this.logger.warn({ producerId: marker.producerId, producerEpoch: marker.producerEpoch, coordinatorEpoch: marker.coordinatorEpoch }, 'transaction markers fenced by a partition leader (a newer producer epoch or coordinator); no longer sending them');
        return false;
      }
      for (const failed of results) retry.push(...(failed as TopicPartition[]));
      if (retry.length > 0 && attempt % 20 === 0) this.logger.warn({ producerId: marker.producerId, partitions: retry.length, attempt }, 'retrying transaction markers');
      remaining = retry;
    }
    return true;
  }

  /** Writes the marker on `tps` (all led by `leader`); returns the partitions to retry, or FENCED. */
  private async writeTo(leader: number, marker: TxnMarker, tps: TopicPartition[]): Promise<TopicPartition[] | typeof FENCED> {
    let codes: number[];
    if (leader === this.host.config.nodeId) {
      codes = await appendMarkers(this.host, marker, tps);
    } else {
      try {
        codes = await this.sendWriteTxnMarkers(leader, marker, tps);
      } catch (err) {
        this.logger.debug({ leader, err: (err as Error).message }, 'WriteTxnMarkers failed');
        return tps;
      }
    }
    if (codes.some((c) => c === ErrorCode.INVALID_PRODUCER_EPOCH || c === ErrorCode.TRANSACTION_COORDINATOR_FENCED)) return FENCED;
    return tps.filter((_tp, i) => codes[i] !== ErrorCode.NONE && codes[i] !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }

  private async sendWriteTxnMarkers(leader: number, marker: TxnMarker, tps: TopicPartition[]): Promise<number[]> {
    const topics = new Map<string, number[]>();
    for (const tp of tps) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
    const request: WriteTxnMarkersRequest = {
      markers: [
        {
          producerId: marker.producerId,
          producerEpoch: marker.producerEpoch,
          transactionResult: marker.type === ControlRecordType.COMMIT,
          topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          coordinatorEpoch: marker.coordinatorEpoch,
        },
      ],
    };
    const client = await this.host.connectToBroker(leader, 5_000);
    try {
      const { response } = await client.request<WriteTxnMarkersResponse>(WRITE_TXN_MARKERS, request);
      const codes = new Map<string, number>();
      for (const t of response.markers[0]?.topics ?? []) for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
      return tps.map((tp) => codes.get(`${tp.topic}\u0000${tp.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR);
    } finally {
      client.close();
    }
  }
}
