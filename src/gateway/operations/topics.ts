/**
 * `createTopic` and `deleteTopic`, answered by the Kafka CreateTopics (v7) and DeleteTopics
 * (v5) handlers, so names, partition counts and topic configs are checked exactly as for
 * Kafka clients. Errors: INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
 * INVALID_CONFIG (createTopic); UNKNOWN_TOPIC_OR_PARTITION (deleteTopic).
 * Source: protocol guide "CreateTopics", "DeleteTopics" (apis/create-topics.ts, delete-topics.ts).
 */
import { createTopicsHandler } from '../../apis/create-topics.js';
import { deleteTopicsHandler } from '../../apis/delete-topics.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { createCreateTopicsRequest } from '../../protocol/generated/create-topics-request.js';
import { createDeleteTopicsRequest } from '../../protocol/generated/delete-topics-request.js';
import { intField, stringField, stringMapField } from '../fields.js';
import { type Operation, kafkaContext } from '../operation.js';

const CREATE_TOPICS_VERSION = 7;
const DELETE_TOPICS_VERSION = 5;

export const createTopic: Operation = async (request, session, ctx) => {
  const name = stringField(request, 'topic');
  const partitions = intField(request, 'partitions', -1, 1_000_000, -1);
  const configs = stringMapField(request, 'configs');
  const kafkaRequest = createCreateTopicsRequest({
    topics: [
      {
        name,
        numPartitions: partitions,
        replicationFactor: -1,
        assignments: [],
        configs: Object.entries(configs).map(([configName, value]) => ({ name: configName, value })),
      },
    ],
    timeoutMs: 60_000,
    validateOnly: false,
  });
  const result = await createTopicsHandler.handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), CREATE_TOPICS_VERSION));
  const topic = result!.response.topics[0]!;
  if (topic.errorCode !== ErrorCode.NONE) throw new KafkaError(topic.errorCode, topic.errorMessage ?? `cannot create topic "${name}"`);
  return { fields: { topic: name, topicId: topic.topicId, partitions: topic.numPartitions } };
};

export const deleteTopic: Operation = async (request, session, ctx) => {
  const name = stringField(request, 'topic');
  const kafkaRequest = createDeleteTopicsRequest({ topicNames: [name], timeoutMs: 60_000 });
  const result = await deleteTopicsHandler.handle(kafkaRequest, kafkaContext(ctx, session, Number(request['id']), DELETE_TOPICS_VERSION));
  const topic = result!.response.responses[0]!;
  if (topic.errorCode !== ErrorCode.NONE) throw new KafkaError(topic.errorCode, topic.errorMessage ?? `cannot delete topic "${name}"`);
  return { fields: { topic: name } };
};
