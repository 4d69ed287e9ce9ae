/**
 * Reads `count` records of `topic` from the beginning through a `gregor/client` consumer
 * (WebSocket gateway), then closes the consumer. Rejects with how many arrived when
 * `timeoutMs` passes first, or with the consumer's error.
 */
import type { GregorClient } from '../../src/client/node.js';
import type { ConsumerRecord } from '../../src/client/records.js';

export async function collectRecords(client: GregorClient, topic: string, count: number, timeoutMs = 30_000): Promise<ConsumerRecord[]> {
  const consumer = client.consumer({ autoOffsetReset: 'earliest' });
  await consumer.subscribe({ topics: [topic] });
  const records: ConsumerRecord[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${records.length} of ${count} records of ${topic}`)), timeoutMs);
      consumer.run({
        eachRecord: (r) => {
          records.push(r);
          if (records.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
        onError: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  } finally {
    await consumer.close();
  }
  return records;
}
