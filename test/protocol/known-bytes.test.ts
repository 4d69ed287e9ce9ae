/**
 * Generated codecs against hand-written wire bytes (from protocol.html / the JSON schemas) and
 * against an independent implementation (KafkaJS's request encoders and response decoders).
 */
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { Reader, Writer, ProtocolError, ZERO_UUID } from '../../src/protocol/primitives.js';
import {
  ApiKeys,
  API_DEFINITIONS,
  ALL_APIS,
  requestHeaderVersion,
  responseHeaderVersion,
  decodeRequestHeader,
  encodeRequestHeader,
  decodeResponseHeader,
  encodeResponseHeader,
  decodeApiVersionsRequest,
  encodeApiVersionsRequest,
  decodeApiVersionsResponse,
  encodeApiVersionsResponse,
  createApiVersionsResponse,
  decodeMetadataRequest,
  encodeMetadataRequest,
  createMetadataRequest,
  createMetadataRequestTopic,
  encodeMetadataResponse,
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponseTopic,
  createMetadataResponsePartition,
  decodeProduceRequest,
  encodeProduceRequest,
  encodeProduceResponse,
  createProduceResponse,
  createProduceResponseTopicProduceResponse,
  createProduceResponsePartitionProduceResponse,
  decodeFetchResponse,
  encodeFetchResponse,
  createFetchResponse,
  createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData,
  encodeFetchRequest,
  createFetchRequest,
  createFetchRequestFetchTopic,
  createFetchRequestFetchPartition,
  encodeListOffsetsRequest,
  createListOffsetsRequest,
  createListOffsetsRequestListOffsetsTopic,
  createListOffsetsRequestListOffsetsPartition,
  encodeCreateTopicsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createCreateTopicsRequestCreatableTopicConfig,
  createCreateTopicsRequestCreatableReplicaAssignment,
  encodeDescribeTopicPartitionsResponse,
  decodeDescribeTopicPartitionsResponse,
  createDescribeTopicPartitionsResponse,
  createDescribeTopicPartitionsResponseCursor,
  type ApiVersionsRequest,
  type MetadataRequest,
  type ProduceRequest,
  type FetchResponse,
} from '../../src/protocol/generated/index.js';

const require = createRequire(import.meta.url);
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const bytes = (h: string) => Buffer.from(h.replace(/\s+|\|/g, ''), 'hex');
const str = (s: string) => Buffer.from(s).toString('hex');

function encoded(fn: (w: Writer) => void): string {
  const w = new Writer();
  fn(w);
  return hex(w.finishSingle());
}

/** Body bytes produced by a KafkaJS request builder. */
async function kafkajsRequest(path: string, args: unknown): Promise<string> {
  const build = require(`kafkajs/src/protocol/requests/${path}/request.js`) as (a: unknown) => {
    encode(): Promise<{ buffer: Buffer }>;
  };
  return (await build(args).encode()).buffer.toString('hex');
}

/** A KafkaJS response decoder applied to our encoded body. */
async function kafkajsDecode(path: string, body: Buffer): Promise<Record<string, unknown>> {
  const mod = require(`kafkajs/src/protocol/requests/${path}/response.js`) as {
    decode(b: Buffer): Promise<Record<string, unknown>>;
  };
  return mod.decode(body);
}

describe('known wire bytes', () => {
  it('ApiVersionsRequest v3 with request header v2 (client_software_name/version)', () => {
    const expected =
      '0012 0003 00000001 0003' + str('cli') + '00' + // header v2: key, version, correlation, client_id (INT16 string), no tags
      '0c' + str('gregor-test') + '04' + str('1.0') + '00'; // compact strings + empty tagged fields
    const w = new Writer();
    expect(requestHeaderVersion(ApiKeys.ApiVersions, 3)).toBe(2);
    encodeRequestHeader(w, 2, { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'cli' });
    const req: ApiVersionsRequest = { clientSoftwareName: 'gregor-test', clientSoftwareVersion: '1.0' };
    encodeApiVersionsRequest(w, 3, req);
    const buf = w.finishSingle();
    expect(hex(buf)).toBe(expected.replace(/\s/g, ''));

    const r = new Reader(bytes(expected));
    expect(decodeRequestHeader(r, 2)).toEqual({ requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'cli' });
    expect(decodeApiVersionsRequest(r, 3)).toEqual(req);
    expect(r.remaining()).toBe(0);
    // v0-v2 bodies are empty; absent fields decode to their "" defaults.
    expect(encoded((x) => encodeApiVersionsRequest(x, 2, req))).toBe('');
    expect(decodeApiVersionsRequest(new Reader(new Uint8Array(0)), 0)).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
  });

  it('MetadataRequest v1 with one topic, null topics, and v9/v12 flexible forms', () => {
    const m1: MetadataRequest = createMetadataRequest({
      topics: [createMetadataRequestTopic({ name: 'foo' })],
    });
    expect(encoded((w) => encodeMetadataRequest(w, 1, m1))).toBe('00000001 0003 666f6f'.replace(/\s/g, ''));
    const d1 = decodeMetadataRequest(new Reader(bytes('00000001 0003 666f6f')), 1);
    expect(d1.topics).toEqual([{ topicId: ZERO_UUID, name: 'foo' }]);
    expect(d1.allowAutoTopicCreation).toBe(true); // absent before v4: JSON default "true"

    const all = createMetadataRequest({ topics: null });
    expect(encoded((w) => encodeMetadataRequest(w, 1, all))).toBe('ffffffff');
    expect(() => encoded((w) => encodeMetadataRequest(w, 0, all))).toThrow(/non-nullable field MetadataRequest.topics is null/);

    // v9: compact array (n+1), compact string, per-struct tags, 3 bools, tags.
    expect(encoded((w) => encodeMetadataRequest(w, 9, m1))).toBe('02 04666f6f 00 01 00 00 00'.replace(/\s/g, ''));
    // v12: topic id (uuid) precedes the (nullable) name.
    const id = 'AAECAwQFBgcICQoLDA0ODw';
    const m12 = createMetadataRequest({ topics: [{ topicId: id, name: null }], allowAutoTopicCreation: false });
    expect(encoded((w) => encodeMetadataRequest(w, 12, m12))).toBe(
      '02 000102030405060708090a0b0c0d0e0f 00 00 00 00 00'.replace(/\s/g, ''),
    );
  });

  it('RequestHeader v2 skips unknown tagged fields; v0/v1 forms', () => {
    const buf = bytes('0001 000c 0000002a ffff | 02 05 02 aabb 07 00 | 01020304');
    const r = new Reader(buf);
    expect(decodeRequestHeader(r, 2)).toEqual({ requestApiKey: 1, requestApiVersion: 12, correlationId: 42, clientId: null });
    expect(r.readInt32()).toBe(0x01020304);
    expect(encoded((w) => encodeRequestHeader(w, 2, { requestApiKey: 1, requestApiVersion: 12, correlationId: 42, clientId: null }))).toBe(
      '0001000c0000002affff00',
    );
    expect(encoded((w) => encodeRequestHeader(w, 1, { requestApiKey: 0, requestApiVersion: 3, correlationId: 7, clientId: 'ab' }))).toBe(
      '0000000300000007' + '0002' + str('ab'),
    );
    expect(encoded((w) => encodeRequestHeader(w, 0, { requestApiKey: 7, requestApiVersion: 0, correlationId: 7, clientId: 'ignored' }))).toBe(
      '0007000000000007',
    );
    expect(decodeRequestHeader(new Reader(bytes('0007000000000007')), 0).clientId).toBe(''); // absent: default ""
    // a tagged field whose size overruns the buffer
    expect(() => decodeRequestHeader(new Reader(bytes('0001000c0000002affff 01 05 09 aabb')), 2)).toThrow(ProtocolError);
  });

  it('ResponseHeader v0/v1', () => {
    expect(encoded((w) => encodeResponseHeader(w, 0, { correlationId: 42 }))).toBe('0000002a');
    expect(encoded((w) => encodeResponseHeader(w, 1, { correlationId: 42 }))).toBe('0000002a00');
    expect(decodeResponseHeader(new Reader(bytes('0000002a 01 00 01 ff')), 1)).toEqual({ correlationId: 42 });
  });

  it('header version helpers', () => {
    expect(requestHeaderVersion(ApiKeys.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKeys.Produce, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKeys.ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(ApiKeys.ControlledShutdown, 1)).toBe(1);
    expect(requestHeaderVersion(ApiKeys.ApiVersions, 2)).toBe(1);
    expect(requestHeaderVersion(ApiKeys.ApiVersions, 3)).toBe(2);
    expect(requestHeaderVersion(ApiKeys.ApiVersions, 99)).toBe(2); // too new, still flexible
    expect(requestHeaderVersion(12345, 0)).toBe(1);
    expect(responseHeaderVersion(ApiKeys.ApiVersions, 3)).toBe(0); // KIP-511
    expect(responseHeaderVersion(ApiKeys.Fetch, 11)).toBe(0);
    expect(responseHeaderVersion(ApiKeys.Fetch, 12)).toBe(1);
    expect(responseHeaderVersion(ApiKeys.Metadata, 9)).toBe(1);
  });

  it('ProduceRequest v3: records are views into the request buffer', () => {
    const records = bytes('00'.repeat(61) + 'ff');
    const frame = bytes(
      'ffff 0001 00007530 00000001 0003' + str('foo') + '00000001 00000002' + '0000003e' + hex(records),
    );
    const m: ProduceRequest = decodeProduceRequest(new Reader(frame), 3);
    expect(m).toMatchObject({ transactionalId: null, acks: 1, timeoutMs: 30000 });
    const rec = m.topicData[0]!.partitionData[0]!;
    expect(rec.index).toBe(2);
    expect(rec.records!.buffer).toBe(frame.buffer);
    expect(hex(rec.records!)).toBe(hex(records));
    expect(encoded((w) => encodeProduceRequest(w, 3, m))).toBe(hex(frame));
  });

  it('FetchResponse v12 writes a non-default tagged struct (DivergingEpoch) and skips defaults', () => {
    const part = createFetchResponsePartitionData({
      partitionIndex: 0,
      highWatermark: 10,
      abortedTransactions: null,
      records: null,
      divergingEpoch: { epoch: 5, endOffset: 100 },
    });
    const m: FetchResponse = createFetchResponse({
      responses: [createFetchResponseFetchableTopicResponse({ topic: 't', partitions: [part] })],
    });
    const expected =
      '00000000 0000 00000000' + // throttle, error, session
      '02 02' + str('t') + // topics: 1, name "t"
      '02 00000000 0000 000000000000000a ffffffffffffffff ffffffffffffffff' + // partition, error, hw, lso, log start
      '00 ffffffff 00' + // aborted = null, preferred replica -1, records = null
      '01 00 0d 00000005 0000000000000064 00' + // 1 tagged field: tag 0, 13 bytes
      '00 00'; // topic tags, response tags
    expect(encoded((w) => encodeFetchResponse(w, 12, m))).toBe(expected.replace(/\s/g, ''));
    const back = decodeFetchResponse(new Reader(bytes(expected)), 12);
    expect(back.responses[0]!.partitions[0]!.divergingEpoch).toEqual({ epoch: 5, endOffset: 100 });
    expect(back.responses[0]!.partitions[0]!.currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
  });

  it('ApiVersionsResponse v3 tagged FinalizedFeaturesEpoch', () => {
    const m = createApiVersionsResponse({ apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }], finalizedFeaturesEpoch: 7 });
    const expected = '0000 02 0000 0000 000b 00 00000000 01 01 08 0000000000000007';
    expect(encoded((w) => encodeApiVersionsResponse(w, 3, m))).toBe(expected.replace(/\s/g, ''));
    expect(decodeApiVersionsResponse(new Reader(bytes(expected)), 3)).toEqual(m);
    // default epoch (-1): no tagged fields at all
    const d = createApiVersionsResponse({ apiKeys: [] });
    expect(encoded((w) => encodeApiVersionsResponse(w, 3, d))).toBe('00000100000000' + '00');
  });

  it('nullable struct fields use an int8 presence marker', () => {
    const m = createDescribeTopicPartitionsResponse({
      nextCursor: createDescribeTopicPartitionsResponseCursor({ topicName: 'a', partitionIndex: 3 }),
    });
    const h = encoded((w) => encodeDescribeTopicPartitionsResponse(w, 0, m));
    expect(h).toBe('00000000 01 01 02' .replace(/\s/g, '') + str('a') + '00000003' + '00' + '00');
    expect(decodeDescribeTopicPartitionsResponse(new Reader(bytes(h)), 0)).toEqual(m);
    const n = createDescribeTopicPartitionsResponse({ nextCursor: null });
    expect(encoded((w) => encodeDescribeTopicPartitionsResponse(w, 0, n))).toBe('00000000' + '01' + 'ff' + '00');
  });

  it('API_DEFINITIONS is indexed by api key', () => {
    expect(API_DEFINITIONS[0]!.name).toBe('Produce');
    expect(API_DEFINITIONS[18]).toMatchObject({
      apiKey: 18,
      name: 'ApiVersions',
      minVersion: 0,
      requestFlexibleFrom: 3,
      responseFlexibleFrom: 3,
    });
    expect(API_DEFINITIONS[-1]).toBeUndefined();
    expect(API_DEFINITIONS[100000]).toBeUndefined();
    for (const def of ALL_APIS) expect(API_DEFINITIONS[def.apiKey]).toBe(def);
    expect(API_DEFINITIONS[ApiKeys.Produce]).toMatchObject({ minVersion: 0, maxVersion: 11, requestFlexibleFrom: 9 });
  });
});

describe('cross-check with KafkaJS encoders/decoders', () => {
  it('MetadataRequest v0-v6 bodies match KafkaJS', async () => {
    for (let v = 0; v <= 6; v++) {
      const m = createMetadataRequest({
        topics: [createMetadataRequestTopic({ name: 'alpha' }), createMetadataRequestTopic({ name: 'b' })],
        allowAutoTopicCreation: v % 2 === 0,
      });
      const ours = encoded((w) => encodeMetadataRequest(w, v, m));
      expect(ours).toBe(await kafkajsRequest(`metadata/v${v}`, { topics: ['alpha', 'b'], allowAutoTopicCreation: v % 2 === 0 }));
    }
  });

  it('FetchRequest v4 body matches KafkaJS', async () => {
    const m = createFetchRequest({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      topics: [
        createFetchRequestFetchTopic({
          topic: 'events',
          partitions: [createFetchRequestFetchPartition({ partition: 3, fetchOffset: 2 ** 40 + 5, partitionMaxBytes: 4096 })],
        }),
      ],
    });
    const theirs = await kafkajsRequest('fetch/v4', {
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      topics: [{ topic: 'events', partitions: [{ partition: 3, fetchOffset: String(2 ** 40 + 5), maxBytes: 4096 }] }],
    });
    expect(encoded((w) => encodeFetchRequest(w, 4, m))).toBe(theirs);
  });

  it('ListOffsetsRequest v2 body matches KafkaJS', async () => {
    const m = createListOffsetsRequest({
      replicaId: -1,
      isolationLevel: 1,
      topics: [
        createListOffsetsRequestListOffsetsTopic({
          name: 't',
          partitions: [createListOffsetsRequestListOffsetsPartition({ partitionIndex: 0, timestamp: -2 })],
        }),
      ],
    });
    const theirs = await kafkajsRequest('listOffsets/v2', {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -2 }] }],
    });
    expect(encoded((w) => encodeListOffsetsRequest(w, 2, m))).toBe(theirs);
  });

  it('CreateTopicsRequest v0 and v3 bodies match KafkaJS', async () => {
    for (const v of [0, 3]) {
      const m = createCreateTopicsRequest({
        topics: [
          createCreateTopicsRequestCreatableTopic({
            name: 'new-topic',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [createCreateTopicsRequestCreatableReplicaAssignment({ partitionIndex: 0, brokerIds: [1, 2] })],
            configs: [createCreateTopicsRequestCreatableTopicConfig({ name: 'cleanup.policy', value: 'compact' })],
          }),
        ],
        timeoutMs: 5000,
        validateOnly: true,
      });
      const theirs = await kafkajsRequest(`createTopics/v${v}`, {
        topics: [
          {
            topic: 'new-topic',
            replicaAssignment: [{ partition: 0, replicas: [1, 2] }],
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
        timeout: 5000,
        validateOnly: true,
      });
      expect(encoded((w) => encodeCreateTopicsRequest(w, v, m))).toBe(theirs);
    }
  });

  it('KafkaJS decodes our MetadataResponse v1-v6', async () => {
    for (let v = 1; v <= 6; v++) {
      const m = createMetadataResponse({
        throttleTimeMs: 3,
        brokers: [createMetadataResponseBroker({ nodeId: 1, host: 'localhost', port: 9092, rack: null })],
        clusterId: 'cluster-1',
        controllerId: 1,
        topics: [
          createMetadataResponseTopic({
            errorCode: 0,
            name: 'events',
            isInternal: false,
            partitions: [
              createMetadataResponsePartition({ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }),
            ],
          }),
        ],
      });
      const w = new Writer();
      encodeMetadataResponse(w, v, m);
      const d = await kafkajsDecode(`metadata/v${v}`, w.finishSingle());
      expect(d).toMatchObject({
        brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
        controllerId: 1,
        topicMetadata: [
          { topicErrorCode: 0, topic: 'events', isInternal: false, partitionMetadata: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] },
        ],
      });
      if (v >= 2) expect(d.clusterId).toBe('cluster-1');
    }
  });

  it('KafkaJS decodes our ProduceResponse v3 and ApiVersionsResponse v0-v2', async () => {
    const pr = createProduceResponse({
      responses: [
        createProduceResponseTopicProduceResponse({
          name: 't',
          partitionResponses: [createProduceResponsePartitionProduceResponse({ index: 1, errorCode: 0, baseOffset: 2 ** 33, logAppendTimeMs: -1 })],
        }),
      ],
      throttleTimeMs: 0,
    });
    const w = new Writer();
    encodeProduceResponse(w, 3, pr);
    expect(await kafkajsDecode('produce/v3', w.finishSingle())).toEqual({
      topics: [{ topicName: 't', partitions: [{ partition: 1, errorCode: 0, baseOffset: String(2 ** 33), logAppendTime: '-1' }] }],
      throttleTime: 0,
    });

    for (let v = 0; v <= 2; v++) {
      const av = createApiVersionsResponse({ errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }], throttleTimeMs: 0 });
      const w2 = new Writer();
      encodeApiVersionsResponse(w2, v, av);
      const d = await kafkajsDecode(`apiVersions/v${v}`, w2.finishSingle());
      expect(d).toMatchObject({ errorCode: 0, apiVersions: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] });
    }
  });
});
