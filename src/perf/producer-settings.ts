/**
 * The producer properties `gregor perf produce` understands (`--producer-props k=v …`,
 * `--producer.config FILE`), in Kafka's names and defaults (docs: "Producer Configs"), mapped
 * onto @platformatic/kafka and the tool's own send window (send-window.ts):
 *
 *   acks                                   all | -1 | 1 | 0          default all
 *   compression.type                       none gzip snappy lz4 zstd default none (zstd needs
 *                                          Node.js 22.15+: the client uses node:zlib's; refused before)
 *   batch.size                             bytes per partition batch default 16384
 *   linger.ms                              ms a batch may wait       default 5 (Kafka 4.0, KIP-1030)
 *   max.in.flight.requests.per.connection  sends awaiting their ack  default 5
 *   enable.idempotence                     true | false              default false here: the
 *       client numbers an idempotent producer's sequences per completed send, so it runs with
 *       one send in flight (and acks=all) when this is true
 *   request.timeout.ms                     ms                        default 30000
 *   buffer.memory                          bytes queued or in flight default 33554432; send() waits above it
 *   max.request.size                       bytes per Produce request default 1048576
 *   retries                                count                     the client's default
 *   client.id, security.protocol, sasl.*, ssl.*   → kafkaConnectionOptions (src/cli/kafka-client-options.ts)
 *
 * Any other key is reported once on stderr, as Kafka does ("was supplied but isn't a known
 * config"), and ignored. Errors: Error naming the key for a value out of its domain.
 */
import { type CompressionAlgorithmValue, compressionsAlgorithms } from '@platformatic/kafka';

export interface ProducerSettings {
  acks: -1 | 0 | 1;
  compression: CompressionAlgorithmValue;
  batchBytes: number;
  lingerMs: number;
  maxInFlight: number;
  idempotent: boolean;
  requestTimeoutMs: number;
  bufferMemory: number;
  maxRequestBytes: number;
  retries?: number;
  /** Keys that were supplied but are not known. */
  unknownKeys: string[];
}

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const HANDLED = new Set(['acks', 'compression.type', 'batch.size', 'linger.ms', 'max.in.flight.requests.per.connection', 'enable.idempotence', 'request.timeout.ms', 'buffer.memory', 'max.request.size', 'retries', 'client.id', 'security.protocol', 'bootstrap.servers']);

function integer(props: Readonly<Record<string, string>>, key: string, fallback: number, min: number): number {
  const raw = props[key];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`Invalid value ${raw} for configuration ${key}: must be an integer >= ${min}`);
  return n;
}

/** The settings `props` describe (see the table above). */
export function producerSettings(props: Readonly<Record<string, string>>): ProducerSettings {
  const acksRaw = (props.acks ?? 'all').trim();
  const acks = acksRaw === 'all' || acksRaw === '-1' ? -1 : acksRaw === '1' ? 1 : acksRaw === '0' ? 0 : null;
  if (acks === null) throw new Error(`Invalid value ${acksRaw} for configuration acks: String must be one of: all, -1, 0, 1`);
  const compression = (props['compression.type'] ?? 'none').trim() as CompressionAlgorithmValue;
  if (!(COMPRESSIONS as readonly string[]).includes(compression)) throw new Error(`Invalid value ${compression} for configuration compression.type: String must be one of: ${COMPRESSIONS.join(', ')}`);
  if (compressionsAlgorithms[compression]?.available === false) throw new Error(`compression.type ${compression} is not available to the client in Node.js ${process.version} (@platformatic/kafka compresses zstd with node:zlib, Node.js 22.15 and later)`);
  const idempotentRaw = (props['enable.idempotence'] ?? 'false').trim();
  if (idempotentRaw !== 'true' && idempotentRaw !== 'false') throw new Error(`Invalid value ${idempotentRaw} for configuration enable.idempotence: Expected value to be either true or false`);
  const idempotent = idempotentRaw === 'true';
  if (idempotent && acks !== -1) throw new Error('Must set acks to all in order to use the idempotent producer (enable.idempotence=true)');
  const settings: ProducerSettings = {
    acks,
    compression,
    batchBytes: integer(props, 'batch.size', 16_384, 1),
    lingerMs: integer(props, 'linger.ms', 5, 0),
    maxInFlight: idempotent ? 1 : integer(props, 'max.in.flight.requests.per.connection', 5, 1),
    idempotent,
    requestTimeoutMs: integer(props, 'request.timeout.ms', 30_000, 1),
    bufferMemory: integer(props, 'buffer.memory', 33_554_432, 1),
    maxRequestBytes: integer(props, 'max.request.size', 1_048_576, 1),
    unknownKeys: Object.keys(props).filter((k) => !HANDLED.has(k) && !/^(sasl|ssl)\./.test(k)),
  };
  if (props.retries !== undefined) settings.retries = integer(props, 'retries', 0, 0);
  return settings;
}
