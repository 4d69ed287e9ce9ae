/**
 * `metadata`: the broker, the cluster id and topics with their partitions and offsets.
 * Answered by the Kafka Metadata handler (v12), so auto-creation follows the same rules:
 * an unknown topic named in `topics` is created when `allowAutoCreate` (default true) and
 * `auto.create.topics.enable`. Per-topic errors (UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_TOPIC_EXCEPTION) are reported in the topic's `error`, not as an error frame.
 * Source: protocol guide "Metadata" (apis/metadata.ts).
 */
import { metadataHandler } from '../../apis/metadata.js';
import { ErrorCode, KafkaError, errorName } from '../../protocol/error-codes.js';
import { createMetadataRequest } from '../../protocol/generated/metadata-request.js';
import { arrayField, boolField } from '../fields.js';
import { type Operation, kafkaContext } from '../operation.js';
import type { TopicMetadata } from '../protocol.js';
import { ZERO_UUID } from '../../protocol/primitives.js';

const METADATA_VERSION = 12;

export const metadata: Operation = async (request, session, ctx) => {
  const names = arrayField(request, 'topics');
  if (names?.some((n) => typeof n !== 'string')) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'field "topics" must be an array of strings');
  const allowAutoCreate = boolField(request, 'allowAutoCreate', true);
  const kafkaRequest = createMetadataRequest({
    topics: names ? (names as string[]).map((name) => ({ name, topicId: ZERO_UUID })) : null,
    allowAutoTopicCreation: allowAutoCreate,
  });
  const result = await metadataHandler.handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), METADATA_VERSION));
  const response = result!.response;
  const topics = response.topics.map((t): TopicMetadata => {
    const topic = t.name !== null ? ctx.broker.logs.topic(t.name) : undefined;
    const out: TopicMetadata = {
      name: t.name ?? '',
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const log = topic?.partitions[p.partitionIndex];
        return {
          partition: p.partitionIndex,
          leader: p.leaderId,
          logStartOffset: log ? log.logStartOffset : -1,
          highWatermark: log ? log.highWatermark : -1,
        };
      }),
    };
    if (t.errorCode !== ErrorCode.NONE) {
      out.error = { code: t.errorCode, name: errorName(t.errorCode), message: `${errorName(t.errorCode)} for topic "${t.name}"` };
    }
    return out;
  });
  return {
    fields: {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers: response.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, websocketPort: ctx.broker.websocketPortOf(b.nodeId) })),
      topics,
    },
  };
};
