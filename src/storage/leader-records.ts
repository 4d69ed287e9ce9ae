/**
 * What the leader does to a produce request's batches because of its topic's settings, before
 * they take the one append path (Kafka LogValidator, validateMessagesAndAssignOffsets):
 *
 *   `message.timestamp.type=CreateTime` with `message.timestamp.before.max.ms` /
 *   `after.max.ms` (or the deprecated `difference.max.ms`, KIP-937): every record's timestamp
 *   must lie in [now - before, now + after] (records without one pass); else the request is
 *   refused with INVALID_TIMESTAMP. Compressed batches are decompressed to check them.
 *
 *   `compression.type` other than `producer`: a batch of another codec is rebuilt with the
 *   topic's (its records section decompressed, compressed again, at `compression.gzip.level` /
 *   `compression.zstd.level`); base offset, producer id / epoch / sequence, base timestamp,
 *   the transactional bit and the records themselves are kept.
 *
 *   `message.timestamp.type=LogAppendTime`: each batch is stamped with the leader's clock
 *   (attributes timestamp-type bit, maxTimestamp = now, CRC-32C), and Produce answers
 *   `log_append_time_ms` = now.
 *
 * Runs on the leader only (followers append the leader's bytes as they are) and only for topics
 * with one of these settings: others go to the append path untouched, at no cost. The batches
 * are validated first (request-validation.ts) so that a corrupt batch is never re-sealed with a
 * fresh CRC: a request that fails validation is passed on as it came, to fail on the append
 * path with its usual error. The engine (both twins) does the byte work: the range walk and the
 * stamp; the codecs are storage/cleaner/compression.ts.
 */
import type { BatchInfo, Engine } from '../engine/engine.js';
import { newBatchInfo } from '../engine/engine-impl.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CRC_COVERED_OFFSET,
  CRC_OFFSET,
  LOG_OVERHEAD,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_MASK,
} from '../engine/layout.js';
import type { TopicSettings } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { BatchHeader } from './batch-header.js';
import { recordsOf as batchRecords } from './cleaner/batch-filter.js';
import { Codec, compress, decompress } from './cleaner/compression.js';
import { newRequestValidation, validateRequest } from './request-validation.js';

/**
 * The clock the leader checks and stamps timestamps with (ms since the epoch). In-process
 * tests that compare logs written by different runs (engine × workers) fix it; nothing else
 * should touch it.
 */
export const leaderClock = { now: (): number => Date.now() };

/** What the leader must do for a topic; null from {@link leaderRecordsPolicy} when nothing. */
export interface LeaderRecordsPolicy {
  logAppendTime: boolean;
  /** CreateTime bounds, ms relative to now (Infinity: no bound). */
  beforeMaxMs: number;
  afterMaxMs: number;
  /** Target codec (Codec.*), or null to keep the producer's. */
  codec: number | null;
  /** Compression level for the target codec (gzip, zstd), or undefined for its default. */
  level: number | undefined;
}

const CODECS: Record<string, number | null> = {
  producer: null,
  uncompressed: Codec.NONE,
  gzip: Codec.GZIP,
  snappy: Codec.SNAPPY,
  lz4: Codec.LZ4,
  zstd: Codec.ZSTD,
};

const bound = (ms: number) => (ms >= Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : ms);

/** Policies by settings object (a topic's settings are replaced, not mutated, when its configs change). */
const policies = new WeakMap<TopicSettings, LeaderRecordsPolicy | null>();

/** The leader's work for a topic with `settings`, or null when its batches go as they come (cached). */
export function leaderRecordsPolicy(settings: TopicSettings): LeaderRecordsPolicy | null {
  let policy = policies.get(settings);
  if (policy === undefined) {
    policy = policyOf(settings);
    policies.set(settings, policy);
  }
  return policy;
}

function policyOf(settings: TopicSettings): LeaderRecordsPolicy | null {
  const logAppendTime = settings.messageTimestampType === 'LogAppendTime';
  const beforeMaxMs = bound(settings.messageTimestampBeforeMaxMs);
  const afterMaxMs = bound(settings.messageTimestampAfterMaxMs);
  const codec = CODECS[settings.compressionType] ?? null;
  const checksBounds = !logAppendTime && (beforeMaxMs !== Number.POSITIVE_INFINITY || afterMaxMs !== Number.POSITIVE_INFINITY);
  if (!logAppendTime && !checksBounds && codec === null) return null;
  const level = codec === Codec.GZIP ? settings.compressionGzipLevel : codec === Codec.ZSTD ? settings.compressionZstdLevel : undefined;
  return { logAppendTime, beforeMaxMs, afterMaxMs, codec, level: level === -1 ? undefined : level };
}

/** What {@link prepareLeaderRecords} hands on: the bytes to append and Produce's log_append_time_ms (-1: CreateTime). */
export interface LeaderRecords {
  records: Uint8Array;
  logAppendTimeMs: number;
}

/**
 * Applies `policy` (from {@link leaderRecordsPolicy}) to one produce request's batches for a
 * partition, at `now` (ms, the leader's clock). Returns new bytes (the request is not modified)
 * or the request itself when it fails validation (the append path reports that error).
 * Errors (KafkaError, nothing appended): INVALID_TIMESTAMP for a record outside the bounds
 * (a {@link RecordValidationError} naming every such record) or, on a LogAppendTime topic, a
 * batch whose producer set the LogAppendTime bit,
 * CORRUPT_MESSAGE for a compressed batch whose records cannot be read,
 * UNSUPPORTED_COMPRESSION_TYPE.
 * Source: Kafka LogValidator (validateTimestamp, assignOffsetsNonCompressed,
 * validateMessagesAndAssignOffsetsCompressed, buildRecordsAndAssignOffsets).
 */
export function prepareLeaderRecords(engine: Engine, records: Uint8Array, policy: LeaderRecordsPolicy, now: number, maxBatchBytes: number): LeaderRecords {
  const logAppendTimeMs = policy.logAppendTime ? now : -1;
  const checksBounds = !policy.logAppendTime && (policy.beforeMaxMs !== Number.POSITIVE_INFINITY || policy.afterMaxMs !== Number.POSITIVE_INFINITY);
  const memory = engine.memory;
  const len = records.byteLength;
  if (len === 0) return { records, logAppendTimeMs: -1 };
  const ptr = memory.alloc(len);
  try {
    memory.write(records, ptr);
    const batches: Array<{ at: number; info: BatchInfo }> = [];
    const outcome = newRequestValidation();
    validateRequest(engine, ptr, len, maxBatchBytes, newBatchInfo(), outcome, (at, info) => batches.push({ at, info: { ...info } }));
    if (outcome.status < 0) return { records, logAppendTimeMs: -1 };
    const pieces: Uint8Array[] = [];
    for (const [index, { at, info }] of batches.entries()) {
      const codec = info.attributes & COMPRESSION_CODEC_MASK;
      let plain: Uint8Array | null = null;
      const recordsOf = () => (plain ??= decompress(codec, memory.bytes.slice(at + RECORD_BATCH_OVERHEAD, at + info.sizeInBytes)));
      if (checksBounds) checkTimestamps(engine, at, info, codec, recordsOf, index, policy, now);
      else if (policy.logAppendTime && (info.attributes & TIMESTAMP_TYPE_MASK) !== 0) {
        throw new KafkaError(ErrorCode.INVALID_TIMESTAMP, 'Invalid timestamp type in the batch. Producer should not set timestamp type to LogAppendTime.');
      }
      const target = policy.codec ?? codec;
      if (target !== codec) pieces.push(rebuild(engine, at, info, target, recordsOf(), policy, now));
      else {
        if (policy.logAppendTime) engine.setLogAppendTime(at, now);
        pieces.push(memory.bytes.slice(at, at + info.sizeInBytes));
      }
    }
    return { records: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), logAppendTimeMs };
  } finally {
    memory.free(ptr);
  }
}

/**
 * INVALID_TIMESTAMP unless every record of the batch at `at` lies within the policy's bounds of
 * `now` (the engine walks the records: the batch's own, or their decompressed copy).
 */
function checkTimestamps(engine: Engine, at: number, info: BatchInfo, codec: number, recordsOf: () => Uint8Array, batchIndex: number, policy: LeaderRecordsPolicy, now: number): void {
  const low = now - policy.beforeMaxMs;
  const high = now + policy.afterMaxMs;
  let result: number;
  let section: Uint8Array;
  if (codec === Codec.NONE) {
    result = engine.firstTimestampOutOfRange(at, at + RECORD_BATCH_OVERHEAD, info.sizeInBytes - RECORD_BATCH_OVERHEAD, low, high);
    if (result >= 0 && result < info.recordCount) section = engine.memory.bytes.slice(at + RECORD_BATCH_OVERHEAD, at + info.sizeInBytes);
  } else {
    const plain = recordsOf();
    const copy = engine.memory.alloc(Math.max(plain.byteLength, 1));
    try {
      engine.memory.write(plain, copy);
      result = engine.firstTimestampOutOfRange(at, copy, plain.byteLength, low, high);
    } finally {
      engine.memory.free(copy);
    }
    section = plain;
  }
  if (result < 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `the records of compressed batch ${batchIndex} cannot be read`);
  if (result < info.recordCount) throw invalidTimestamps(section!, info, result, low, high);
}

/**
 * INVALID_TIMESTAMP as Kafka words it (LogValidator.processRecordErrors): "One or more records
 * have been rejected due to invalid timestamp", with one record error per record out of range
 * (its index in the batch and "Timestamp t of message with offset o is out of range. The
 * timestamp should be within [low, high]"). `first` is the engine's first finding; the others
 * are listed from the records (error path only).
 */
function invalidTimestamps(section: Uint8Array, info: BatchInfo, first: number, low: number, high: number): RecordValidationError {
  const recordErrors: RecordError[] = [];
  const describe = (offset: number, timestamp: number) => `Timestamp ${timestamp} of message with offset ${offset} is out of range. The timestamp should be within [${low}, ${high}]`;
  try {
    const header = { baseOffset: info.baseOffset, baseTimestamp: info.baseTimestamp, recordCount: info.recordCount } as BatchHeader;
    let index = 0;
    for (const record of batchRecords(section, header)) {
      if (record.timestamp !== NO_TIMESTAMP && (record.timestamp < low || record.timestamp > high)) recordErrors.push({ batchIndex: index, message: describe(record.offset, record.timestamp) });
      index++;
    }
  } catch {
    // records the engine's timestamp walk could read but a full decode cannot: name the first only
  }
  if (recordErrors.length === 0) recordErrors.push({ batchIndex: first, message: `record ${first} is out of range. The timestamp should be within [${low}, ${high}]` });
  return new RecordValidationError(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp', recordErrors);
}

/** One record refused, for Produce's record_errors (v8+): its index in the batch and why. */
export interface RecordError {
  batchIndex: number;
  message: string;
}

/** A KafkaError that names the records it refused (Kafka RecordValidationException). */
export class RecordValidationError extends KafkaError {
  constructor(
    code: number,
    message: string,
    readonly recordErrors: readonly RecordError[],
  ) {
    super(code, message);
  }
}

/**
 * The batch at `at` rebuilt with codec `target`: its 61-byte header (offsets, producer fields,
 * timestamps, partition leader epoch) over `plain` (its records, uncompressed) compressed with
 * `target`; batchLength and the codec bits updated; then sealed by the engine: stamped
 * LogAppendTime (which computes the CRC) or its CRC-32C computed.
 */
function rebuild(engine: Engine, at: number, info: BatchInfo, target: number, plain: Uint8Array, policy: LeaderRecordsPolicy, now: number): Uint8Array {
  const memory = engine.memory;
  const section = compress(target, plain, policy.level);
  const size = RECORD_BATCH_OVERHEAD + section.byteLength;
  const out = memory.alloc(size);
  try {
    memory.bytes.copyWithin(out, at, at + RECORD_BATCH_OVERHEAD);
    memory.write(section, out + RECORD_BATCH_OVERHEAD);
    const dv = memory.dataView;
    dv.setInt32(out + BATCH_LENGTH_OFFSET, size - LOG_OVERHEAD);
    dv.setInt16(out + ATTRIBUTES_OFFSET, (info.attributes & ~COMPRESSION_CODEC_MASK) | target);
    if (policy.logAppendTime) engine.setLogAppendTime(out, now);
    else dv.setUint32(out + CRC_OFFSET, engine.crc32c(out + CRC_COVERED_OFFSET, size - CRC_COVERED_OFFSET));
    return memory.bytes.slice(out, out + size);
  } finally {
    memory.free(out);
  }
}
