/**
 * Load for restart tests: a KafkaJS producer writing with acks=all, one partition per send
 * (kafkajs#1303), round-robin over the partitions, keeping every acknowledged value and the
 * longest stretch each partition went without an acknowledged write; and the check that every
 * acknowledged value is in the log, read back with kcat.
 */
import type { Kafka } from 'kafkajs';
import { CONSUME_FORMAT, kcat, parseConsumed } from './kcat.js';

export interface AckedLoad {
  /** Values acknowledged so far, in acknowledgement order. */
  readonly acked: string[];
  /** The same, per partition (index = partition), in the order the producer sent them. */
  readonly ackedByPartition: string[][];
  /** Sends that failed after the producer's retries (their values were not acknowledged). */
  readonly failures: number;
  /** Per partition: the longest time without an acknowledged write (ms). */
  readonly maxGap: number[];
  /** Per partition: when each send was acknowledged (ms since the epoch), in order. */
  readonly ackTimes: number[][];
  /** The partition of the send in flight, and the last send error (for diagnostics). */
  readonly current: { partition: number; lastError: string | null };
  /** Stops producing and disconnects; resolves once the last send has settled. */
  stop(): Promise<void>;
}

/** Starts writing batches of `batch` records `s<seq>-<i>` to `topic`, partition `seq % partitions`. */
export async function startAckedLoad(kafka: Kafka, topic: string, partitions: number, batch = 10): Promise<AckedLoad> {
  const acked: string[] = [];
  const ackedByPartition = Array.from({ length: partitions }, (): string[] => []);
  let failures = 0;
  const lastAck = Array.from({ length: partitions }, () => Date.now());
  const maxGap = Array.from({ length: partitions }, () => 0);
  const ackTimes = Array.from({ length: partitions }, (): number[] => []);
  let producing = true;
  const current = { partition: -1, lastError: null as string | null };
  const producer = kafka.producer({ retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
  await producer.connect();
  const loop = (async () => {
    for (let seq = 0; producing; seq++) {
      const partition = seq % partitions;
      current.partition = partition;
      const values = Array.from({ length: batch }, (_, i) => `s${seq}-${i}`);
      try {
        await producer.send({ topic, acks: -1, timeout: 10_000, messages: values.map((value) => ({ partition, value })) });
        acked.push(...values);
        ackedByPartition[partition]!.push(...values);
        const now = Date.now();
        maxGap[partition] = Math.max(maxGap[partition]!, now - lastAck[partition]!);
        lastAck[partition] = now;
        ackTimes[partition]!.push(now);
      } catch (err) {
        failures++; // and counted by the gap
        current.lastError = `${new Date().toISOString()} partition ${partition}: ${(err as Error).message}`;
      }
    }
  })();
  return {
    acked,
    ackedByPartition,
    get failures() {
      return failures;
    },
    maxGap,
    ackTimes,
    current,
    stop: async () => {
      producing = false;
      await loop;
      await producer.disconnect();
    },
  };
}

/**
 * The acknowledged values missing from `topic`'s log (empty when nothing was lost), read from
 * the beginning to the end with kcat at `bootstrap`; `kcatOptions` adds client settings
 * (`-X security.protocol=…`). Errors: kcat failing (its stderr).
 */
export async function missingFromLog(bootstrap: string, topic: string, acked: readonly string[], kcatOptions: string[] = []): Promise<string[]> {
  const { code, stdout, stderr } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-f', CONSUME_FORMAT, ...kcatOptions], undefined, 60_000);
  if (code !== 0) throw new Error(`kcat -C failed (${code}): ${stderr}`);
  const inLog = new Set(parseConsumed(stdout).map((r) => r.value!.toString()));
  return acked.filter((v) => !inLog.has(v));
}
