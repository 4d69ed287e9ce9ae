/**
 * WriteTxnMarkers (key 27, v0-1): a transaction coordinator on another broker asks this
 * partition leader to append COMMIT/ABORT markers (control batches) for a producer's
 * transaction on the partitions it leads; each is appended with acks=all
 * (ReplicaManager.appendControlBatch) and answered per partition.
 * Authorization: CLUSTER_ACTION (brokers only; else every partition CLUSTER_AUTHORIZATION_FAILED).
 * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
 * NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR,
 * INVALID_PRODUCER_EPOCH (a producer epoch older than the partition's for that producer),
 * TRANSACTION_COORDINATOR_FENCED (a coordinator epoch older than the producer's last marker's
 * there; Kafka ProducerAppendInfo.checkCoordinatorEpoch).
 * Source: protocol guide "WriteTxnMarkers"; Kafka KafkaApis.handleWriteTxnMarkersRequest; KIP-98.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { WriteTxnMarkersRequest } from '../protocol/generated/write-txn-markers-request.js';
import type { WriteTxnMarkersResponse } from '../protocol/generated/write-txn-markers-response.js';
import { AclOperation } from '../security/authorizer.js';
import { ControlRecordType } from '../transactions/control-batch.js';
import { appendMarkers } from '../transactions/txn-marker-writer.js';
import type { ApiHandler } from './api.js';
import { clusterPermitted } from './authorize.js';

export const writeTxnMarkersHandler: ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse> = {
  apiKey: 27,
  name: 'WriteTxnMarkers',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, ctx) {
    const allowed = clusterPermitted(ctx, AclOperation.CLUSTER_ACTION);
    const markers = await Promise.all(
      request.markers.map(async (m) => {
        const partitions = m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
        const codes = allowed
          ? await appendMarkers(ctx.broker, { producerId: m.producerId, producerEpoch: m.producerEpoch, type: m.transactionResult ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch: m.coordinatorEpoch }, partitions)
          : partitions.map(() => ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
        let i = 0;
        return { producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: codes[i++]! })) })) };
      }),
    );
    return { response: { markers } };
  },
};
