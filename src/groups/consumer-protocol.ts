/**
 * The embedded "consumer" protocol's subscription, as clients put it in JoinGroup metadata
 * (Kafka ConsumerProtocolSubscription.json: version int16, then [topics] as int32 count of
 * int16-length strings, …). The broker stays assignor-agnostic; it reads only the topic
 * list, to refuse OffsetDelete on subscribed topics (KIP-496).
 */
import { Reader } from '../protocol/primitives.js';

/** The subscribed topics, or null if the metadata is not a readable consumer subscription. */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  try {
    const r = new Reader(metadata);
    r.readInt16();
    const n = r.readArrayLength();
    const topics: string[] = [];
    for (let i = 0; i < n; i++) topics.push(r.readString());
    return topics;
  } catch {
    return null;
  }
}
