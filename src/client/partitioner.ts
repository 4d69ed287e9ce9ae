/**
 * Kafka's default partitioning, as the Java producer does it:
 *   - a record with a key goes to `toPositive(murmur2(keyBytes)) % numPartitions`, so a key
 *     lands on the same partition as with the Java client, KafkaJS's DefaultPartitioner and
 *     librdkafka's `murmur2_random`;
 *   - a record without a key goes to the topic's *sticky* partition (KIP-480), which changes
 *     only when a new batch would be started for it, to a random other partition.
 * Sources: Kafka `Utils.murmur2` / `Utils.toPositive`, `BuiltInPartitioner.partitionForKey`,
 * `StickyPartitionCache` (KIP-480). Pure functions over bytes: used by the client and by the
 * gateway (produce with broker-chosen partitions).
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * The 32-bit murmur2 hash of `data` as Kafka's Java `Utils.murmur2(byte[])` computes it
 * (a signed int32). Vectors from Kafka's UtilsTest: "21" → -973932308, "abc" → 479470107.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition of a keyed record: `toPositive(murmur2(key)) % numPartitions`.
 * Throws RangeError if numPartitions < 1.
 */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!(numPartitions >= 1)) throw new RangeError(`numPartitions must be >= 1, got ${numPartitions}`);
  return toPositive(murmur2(key)) % numPartitions;
}

/** A random non-negative int32, as ThreadLocalRandom.nextInt() then toPositive. */
function randomPositive(): number {
  return toPositive((Math.random() * 0x1_0000_0000) | 0);
}

/**
 * KIP-480's sticky partition per topic: `partition(topic, n)` answers the current sticky
 * partition (choosing one at random the first time); `onNewBatch(topic, n, previous)`
 * moves it to a random *other* partition when `previous` is still the sticky one.
 */
export class StickyPartitionCache {
  private readonly sticky = new Map<string, number>();

  partition(topic: string, numPartitions: number): number {
    const current = this.sticky.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    return this.next(topic, numPartitions, -1);
  }

  /** A new batch is about to be started for `previous`: move on (Java `onNewBatch`). */
  onNewBatch(topic: string, numPartitions: number, previous: number): number {
    return this.next(topic, numPartitions, previous);
  }

  private next(topic: string, numPartitions: number, previous: number): number {
    const old = this.sticky.get(topic);
    if (old !== undefined && old !== previous && old < numPartitions) return old;
    let chosen: number;
    if (numPartitions <= 1) {
      chosen = 0;
    } else {
      do chosen = randomPositive() % numPartitions;
      while (chosen === old);
    }
    this.sticky.set(topic, chosen);
    return chosen;
  }
}
