/**
 * Gregor's own Kafka client (inter-broker links, REST forwarding, the admin CLI): its timeout
 * bounds an outstanding request, not idleness, so a long-lived connection with nothing to ask
 * for a while stays usable (it used to be dropped as "no answer" after the timeout).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/network/kafka-client.js';
import { createMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';

describe('KafkaClient timeouts', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ websocketPort: -1 });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('an idle connection outlives the request timeout and answers the next request', async () => {
    const client = await KafkaClient.connect(`127.0.0.1:${t.broker.port}`, 300);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      expect(client.closed).toBe(false);
      const { response } = await client.request<{ brokers: unknown[] }>(3, createMetadataRequest({ topics: [], allowAutoTopicCreation: false }));
      expect(response.brokers.length).toBe(1);
      await new Promise((r) => setTimeout(r, 1000));
      expect(client.closed).toBe(false);
    } finally {
      client.close();
    }
  });
});
