/**
 * Record batch v2 validate / stamp / encode in plain TypeScript: the twin of
 * assembly/record-batch.ts. Same checks in the same order, same results, same bytes. int64
 * fields are handled exactly: as numbers while they stay below 2^52 (no rounding possible),
 * with bigint otherwise.
 * Sources: Kafka docs/implementation.html "5.3.1 Record Batch", DefaultRecordBatch.java,
 * DefaultRecord.java, LogValidator.
 */
import type { SharedMemory } from '../shared-memory.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CRC_COVERED_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_COMPRESSION_CODEC,
  MAX_TIMESTAMP_OFFSET,
  MIN_BATCH_LENGTH,
  NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  TIMESTAMP_TYPE_MASK,
  kAuditFlagCompressed,
  kAuditFlagOverflow,
  kAuditFlags,
  kAuditHeaderSize,
  kAuditRunBytes,
  kAuditRunCount,
  kAuditRunRecords,
  kAuditRunSize,
  kAuditRunTimestamp,
  kBatchInfoAttributes,
  kBatchInfoBaseOffset,
  kBatchInfoBaseSequence,
  kBatchInfoBaseTimestamp,
  kBatchInfoCrc,
  kBatchInfoLastOffsetDelta,
  kBatchInfoMagic,
  kBatchInfoMaxTimestamp,
  kBatchInfoPartitionLeaderEpoch,
  kBatchInfoProducerEpoch,
  kBatchInfoProducerId,
  kBatchInfoRecordCount,
  kBatchInfoSizeInBytes,
  kEncAttributes,
  kEncBaseOffset,
  kEncBaseSequence,
  kEncBaseTimestamp,
  kEncHeaderFixedSize,
  kEncHeaderKeyLength,
  kEncHeaderSize,
  kEncHeaderValueLength,
  kEncPartitionLeaderEpoch,
  kEncProducerEpoch,
  kEncProducerId,
  kEncRecordCount,
  kEncRecordFixedSize,
  kEncRecordHeaderCount,
  kEncRecordKeyLength,
  kEncRecordTimestamp,
  kEncRecordValueLength,
} from '../layout.js';
import { CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE } from '../errors.js';
import { crc32c } from './crc32c.js';
import { readI64BE, truncSatBig, writeI64BE } from './int64.js';
import {
  cursor,
  readVarintFast,
  readVarlongBig,
  readVarlongNumber,
  sizeOfVarint,
  sizeOfVarlong,
  sizeOfVarlongBig,
  writeVarint,
  writeVarlong,
  writeVarlongBig,
} from './varint.js';

/** Below this magnitude, the sum of a timestamp and a (< 2^48) delta is exact as a number. */
const SMALL_INT64 = 2 ** 52;
/** Below this magnitude, the difference of two timestamps and its zigzag (< 2^53) are exact. */
const SMALL_TIMESTAMP = 2 ** 51;
const INT32_MAX = 0x7fffffff;

// ─── validate ────────────────────────────────────────────────────────────────────────────────

/**
 * Validates the record batch v2 at ptr with `available` readable bytes and fills the BatchInfo
 * struct at infoPtr; returns the batch size or -CORRUPT_MESSAGE / -INVALID_RECORD. Same checks,
 * in the same order, as assembly/record-batch.ts validateBatch (documented there), and the same
 * audit runs at auditPtr (0 = none; at most auditCapacity runs).
 */
export function validateBatch(memory: SharedMemory, ptr: number, available: number, infoPtr: number, auditPtr: number, auditCapacity: number): number {
  const b = memory.bytes;
  const dv = memory.dataView;
  if (auditPtr !== 0) {
    dv.setUint32(auditPtr + kAuditRunCount, 0, true);
    dv.setUint32(auditPtr + kAuditFlags, 0, true);
  }
  if (available < RECORD_BATCH_OVERHEAD) return -CORRUPT_MESSAGE;

  const batchLength = dv.getInt32(ptr + BATCH_LENGTH_OFFSET);
  const magic = dv.getInt8(ptr + MAGIC_OFFSET);
  const storedCrc = dv.getUint32(ptr + CRC_OFFSET);
  const attributes = dv.getInt16(ptr + ATTRIBUTES_OFFSET);
  const lastOffsetDelta = dv.getInt32(ptr + LAST_OFFSET_DELTA_OFFSET);
  const baseTimestamp = readI64BE(dv, ptr + BASE_TIMESTAMP_OFFSET);
  const maxTimestamp = readI64BE(dv, ptr + MAX_TIMESTAMP_OFFSET);
  const count = dv.getInt32(ptr + RECORDS_COUNT_OFFSET);

  dv.setFloat64(infoPtr + kBatchInfoBaseOffset, readI64BE(dv, ptr + BASE_OFFSET_OFFSET), true);
  dv.setFloat64(infoPtr + kBatchInfoSizeInBytes, batchLength + LOG_OVERHEAD, true);
  dv.setFloat64(infoPtr + kBatchInfoPartitionLeaderEpoch, dv.getInt32(ptr + PARTITION_LEADER_EPOCH_OFFSET), true);
  dv.setFloat64(infoPtr + kBatchInfoMagic, magic, true);
  dv.setFloat64(infoPtr + kBatchInfoCrc, storedCrc, true);
  dv.setFloat64(infoPtr + kBatchInfoAttributes, attributes, true);
  dv.setFloat64(infoPtr + kBatchInfoLastOffsetDelta, lastOffsetDelta, true);
  dv.setFloat64(infoPtr + kBatchInfoBaseTimestamp, baseTimestamp, true);
  dv.setFloat64(infoPtr + kBatchInfoMaxTimestamp, maxTimestamp, true);
  dv.setFloat64(infoPtr + kBatchInfoProducerId, readI64BE(dv, ptr + PRODUCER_ID_OFFSET), true);
  dv.setFloat64(infoPtr + kBatchInfoProducerEpoch, dv.getInt16(ptr + PRODUCER_EPOCH_OFFSET), true);
  dv.setFloat64(infoPtr + kBatchInfoBaseSequence, dv.getInt32(ptr + BASE_SEQUENCE_OFFSET), true);
  dv.setFloat64(infoPtr + kBatchInfoRecordCount, count, true);

  if (batchLength < MIN_BATCH_LENGTH || batchLength > available - LOG_OVERHEAD) return -CORRUPT_MESSAGE;
  const size = batchLength + LOG_OVERHEAD;
  if (magic !== CURRENT_MAGIC) return -CORRUPT_MESSAGE;
  if (crc32c(memory, ptr + CRC_COVERED_OFFSET, size - CRC_COVERED_OFFSET) !== storedCrc) return -CORRUPT_MESSAGE;
  const codec = attributes & COMPRESSION_CODEC_MASK;
  if (codec > MAX_COMPRESSION_CODEC) return -CORRUPT_MESSAGE;
  if (count < 0) return -CORRUPT_MESSAGE;
  if (count === 0 || lastOffsetDelta !== count - 1) return -INVALID_RECORD;
  if (codec !== 0) {
    if (auditPtr !== 0 && auditCapacity > 0) {
      dv.setUint32(auditPtr + kAuditFlags, kAuditFlagCompressed, true);
      writeAuditRun(dv, auditPtr, 0, maxTimestamp, count, size - RECORDS_OFFSET);
      dv.setUint32(auditPtr + kAuditRunCount, 1, true);
    }
    return size;
  }
  // the current audit run: timestamp (a number, rounded like the core's f64 beyond 2^53), records, bytes
  let runs = 0;
  let runTimestamp = 0;
  let runRecords = 0;
  let runBytes = 0;

  // timestamps: numbers while exact, bigint otherwise
  const baseSmall = Math.abs(baseTimestamp) < SMALL_INT64;
  let baseBig: bigint | null = null;
  let maxSeen = -Infinity;
  let maxSeenBig: bigint | null = null;

  const end = ptr + size;
  let p = ptr + RECORDS_OFFSET;
  for (let i = 0; i < count; i++) {
    if (p === end) return -INVALID_RECORD;
    const length = readVarintFast(b, p, end);
    p = cursor.end;
    if (p === 0 || length < 0 || length > end - p) return -CORRUPT_MESSAGE;
    const recordEnd = p + length;
    // attributes (int8, unused)
    if (p >= recordEnd) return -CORRUPT_MESSAGE;
    p++;
    let timestampDelta = 0;
    let deltaBig: bigint | null = null;
    const t0 = p < recordEnd ? b[p]! : 0x80;
    if (t0 < 0x80) {
      timestampDelta = (t0 >>> 1) ^ -(t0 & 1);
      p++;
    } else {
      timestampDelta = readVarlongNumber(b, p, recordEnd);
      if (cursor.end === -1) deltaBig = readVarlongBig(b, p, recordEnd);
      p = cursor.end;
      if (p === 0) return -CORRUPT_MESSAGE;
    }
    const offsetDelta = readVarintFast(b, p, recordEnd);
    p = cursor.end;
    if (p === 0) return -CORRUPT_MESSAGE;
    if (offsetDelta !== i) return -INVALID_RECORD;
    // key, value
    let payload = 0;
    for (let field = 0; field < 2; field++) {
      const len = readVarintFast(b, p, recordEnd);
      p = cursor.end;
      if (p === 0 || len < -1) return -CORRUPT_MESSAGE;
      if (len > 0) {
        if (len > recordEnd - p) return -CORRUPT_MESSAGE;
        p += len;
        payload += len;
      }
    }
    const headerCount = readVarintFast(b, p, recordEnd);
    p = cursor.end;
    if (p === 0 || headerCount < 0) return -CORRUPT_MESSAGE;
    for (let h = 0; h < headerCount; h++) {
      const keyLen = readVarintFast(b, p, recordEnd);
      p = cursor.end;
      if (p === 0 || keyLen < 0 || keyLen > recordEnd - p) return -CORRUPT_MESSAGE;
      p += keyLen;
      const valueLen = readVarintFast(b, p, recordEnd);
      p = cursor.end;
      if (p === 0 || valueLen < -1) return -CORRUPT_MESSAGE;
      if (valueLen > 0) {
        if (valueLen > recordEnd - p) return -CORRUPT_MESSAGE;
        p += valueLen;
      }
    }
    if (p !== recordEnd) return -CORRUPT_MESSAGE;
    let timestamp: number;
    if (deltaBig === null && baseSmall) {
      // |base| < 2^52 and |delta| < 2^48: exact
      timestamp = baseTimestamp + timestampDelta;
      if (timestamp > maxSeen) maxSeen = timestamp;
    } else {
      baseBig ??= dv.getBigInt64(ptr + BASE_TIMESTAMP_OFFSET);
      const big = BigInt.asIntN(64, baseBig + (deltaBig ?? BigInt(timestampDelta)));
      if (maxSeenBig === null || big > maxSeenBig) maxSeenBig = big;
      timestamp = Number(big);
    }
    if (auditPtr !== 0) {
      if (runRecords > 0 && timestamp === runTimestamp) {
        runRecords++;
        runBytes += payload;
      } else {
        if (runRecords > 0) runs = flushAuditRun(dv, auditPtr, auditCapacity, runs, runTimestamp, runRecords, runBytes);
        runTimestamp = timestamp;
        runRecords = 1;
        runBytes = payload;
      }
    }
  }
  if (auditPtr !== 0 && runRecords > 0) {
    runs = flushAuditRun(dv, auditPtr, auditCapacity, runs, runTimestamp, runRecords, runBytes);
    dv.setUint32(auditPtr + kAuditRunCount, runs, true);
  }
  if (p !== end) return -INVALID_RECORD;
  if ((attributes & TIMESTAMP_TYPE_MASK) === 0) {
    // Kafka's LogValidator corrects the header's maxTimestamp in place (and the CRC over it)
    // rather than rejecting the batch.
    let max: bigint;
    if (maxSeenBig === null) max = BigInt(maxSeen);
    else max = maxSeen !== -Infinity && BigInt(maxSeen) > maxSeenBig ? BigInt(maxSeen) : maxSeenBig;
    if (max !== dv.getBigInt64(ptr + MAX_TIMESTAMP_OFFSET)) {
      dv.setBigInt64(ptr + MAX_TIMESTAMP_OFFSET, max);
      const crc = crc32c(memory, ptr + CRC_COVERED_OFFSET, size - CRC_COVERED_OFFSET);
      dv.setUint32(ptr + CRC_OFFSET, crc);
      dv.setFloat64(infoPtr + kBatchInfoMaxTimestamp, Number(max), true);
      dv.setFloat64(infoPtr + kBatchInfoCrc, crc, true);
    }
  }
  return size;
}

/** Writes audit run `index` (see layout.ts kAudit*). */
function writeAuditRun(dv: DataView, auditPtr: number, index: number, timestamp: number, records: number, bytes: number): void {
  const at = auditPtr + kAuditHeaderSize + index * kAuditRunSize;
  dv.setFloat64(at + kAuditRunTimestamp, timestamp, true);
  dv.setUint32(at + kAuditRunRecords, records, true);
  dv.setUint32(at + kAuditRunBytes, bytes, true);
}

/** Appends a run unless the table is full (then flags the overflow); returns the new run count. */
function flushAuditRun(dv: DataView, auditPtr: number, capacity: number, runs: number, timestamp: number, records: number, bytes: number): number {
  if (runs >= capacity) {
    dv.setUint32(auditPtr + kAuditFlags, kAuditFlagOverflow, true);
    return runs;
  }
  writeAuditRun(dv, auditPtr, runs, timestamp, records, bytes);
  return runs + 1;
}

// ─── stamp ───────────────────────────────────────────────────────────────────────────────────

/** Writes baseOffset (f64 → int64 truncating, saturating) and partitionLeaderEpoch (int32), big-endian. */
export function stampBatch(memory: SharedMemory, ptr: number, baseOffset: number, partitionLeaderEpoch: number): void {
  const dv = memory.dataView;
  writeI64BE(dv, ptr + BASE_OFFSET_OFFSET, baseOffset);
  dv.setInt32(ptr + PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
}

// ─── encode ──────────────────────────────────────────────────────────────────────────────────

/**
 * Encodes the encode request at [input, input + inputLength) (layout.ts kEnc*) into a record
 * batch v2 at [out, out + outCapacity). Returns the size, -CORRUPT_MESSAGE (malformed request)
 * or -MESSAGE_TOO_LARGE. Twin of assembly/record-batch.ts encodeRecordBatch.
 */
export function encodeRecordBatch(
  memory: SharedMemory,
  input: number,
  inputLength: number,
  out: number,
  outCapacity: number,
): number {
  if (inputLength < kEncHeaderSize || outCapacity < RECORD_BATCH_OVERHEAD) {
    return inputLength < kEncHeaderSize ? -CORRUPT_MESSAGE : -MESSAGE_TOO_LARGE;
  }
  const b = memory.bytes;
  const dv = memory.dataView;
  const inEnd = input + inputLength;
  const outEnd = out + outCapacity;

  const baseTimestampIn = dv.getFloat64(input + kEncBaseTimestamp, true);
  const baseSmall = Number.isSafeInteger(baseTimestampIn) && Math.abs(baseTimestampIn) < SMALL_TIMESTAMP;
  let baseBig: bigint | null = null;
  const count = dv.getInt32(input + kEncRecordCount, true);
  if (count < 0) return -CORRUPT_MESSAGE;

  let q = input + kEncHeaderSize;
  let p = out + RECORDS_OFFSET;
  let maxSeen = -Infinity;
  let maxSeenBig: bigint | null = null;
  for (let i = 0; i < count; i++) {
    if (kEncRecordFixedSize > inEnd - q) return -CORRUPT_MESSAGE;
    const timestampIn = dv.getFloat64(q + kEncRecordTimestamp, true);
    const keyLength = dv.getInt32(q + kEncRecordKeyLength, true);
    const valueLength = dv.getInt32(q + kEncRecordValueLength, true);
    const headerCount = dv.getInt32(q + kEncRecordHeaderCount, true);
    if (keyLength < -1 || valueLength < -1 || headerCount < 0) return -CORRUPT_MESSAGE;
    let h = q + kEncRecordFixedSize;
    const keyBytes = keyLength > 0 ? keyLength : 0;
    const valueBytes = valueLength > 0 ? valueLength : 0;
    if (keyBytes + valueBytes > inEnd - h) return -CORRUPT_MESSAGE;
    const keyPtr = h;
    const valuePtr = h + keyBytes;
    h = valuePtr + valueBytes;

    let timestampDelta = 0;
    let deltaBig: bigint | null = null;
    if (baseSmall && Number.isSafeInteger(timestampIn) && Math.abs(timestampIn) < SMALL_TIMESTAMP) {
      if (timestampIn > maxSeen) maxSeen = timestampIn;
      timestampDelta = timestampIn - baseTimestampIn;
    } else {
      baseBig ??= truncSatBig(baseTimestampIn);
      const timestamp = truncSatBig(timestampIn);
      if (maxSeenBig === null || timestamp > maxSeenBig) maxSeenBig = timestamp;
      deltaBig = BigInt.asIntN(64, timestamp - baseBig);
    }

    let body =
      1 +
      (deltaBig === null ? sizeOfVarlong(timestampDelta) : sizeOfVarlongBig(deltaBig)) +
      sizeOfVarint(i) +
      sizeOfVarint(keyLength) +
      keyBytes +
      sizeOfVarint(valueLength) +
      valueBytes +
      sizeOfVarint(headerCount);
    const headersStart = h;
    for (let j = 0; j < headerCount; j++) {
      if (kEncHeaderFixedSize > inEnd - h) return -CORRUPT_MESSAGE;
      const hk = dv.getInt32(h + kEncHeaderKeyLength, true);
      const hv = dv.getInt32(h + kEncHeaderValueLength, true);
      if (hk < 0 || hv < -1) return -CORRUPT_MESSAGE;
      h += kEncHeaderFixedSize;
      const hvBytes = hv > 0 ? hv : 0;
      if (hk + hvBytes > inEnd - h) return -CORRUPT_MESSAGE;
      h += hk + hvBytes;
      body += sizeOfVarint(hk) + hk + sizeOfVarint(hv) + hvBytes;
    }
    if (body > INT32_MAX || sizeOfVarint(body) + body > outEnd - p) return -MESSAGE_TOO_LARGE;

    p = writeVarint(b, p, body);
    b[p++] = 0; // record attributes
    p = deltaBig === null ? writeVarlong(b, p, timestampDelta) : writeVarlongBig(b, p, deltaBig);
    p = writeVarint(b, p, i);
    p = writeVarint(b, p, keyLength);
    b.copyWithin(p, keyPtr, keyPtr + keyBytes);
    p += keyBytes;
    p = writeVarint(b, p, valueLength);
    b.copyWithin(p, valuePtr, valuePtr + valueBytes);
    p += valueBytes;
    p = writeVarint(b, p, headerCount);
    h = headersStart;
    for (let j = 0; j < headerCount; j++) {
      const hk = dv.getInt32(h + kEncHeaderKeyLength, true);
      const hv = dv.getInt32(h + kEncHeaderValueLength, true);
      h += kEncHeaderFixedSize;
      p = writeVarint(b, p, hk);
      b.copyWithin(p, h, h + hk);
      p += hk;
      h += hk;
      p = writeVarint(b, p, hv);
      if (hv > 0) {
        b.copyWithin(p, h, h + hv);
        p += hv;
        h += hv;
      }
    }
    q = h;
  }
  const size = p - out;
  if (size - LOG_OVERHEAD > INT32_MAX) return -MESSAGE_TOO_LARGE;

  writeI64BE(dv, out + BASE_OFFSET_OFFSET, dv.getFloat64(input + kEncBaseOffset, true));
  dv.setInt32(out + BATCH_LENGTH_OFFSET, size - LOG_OVERHEAD);
  dv.setInt32(out + PARTITION_LEADER_EPOCH_OFFSET, dv.getInt32(input + kEncPartitionLeaderEpoch, true));
  b[out + MAGIC_OFFSET] = CURRENT_MAGIC;
  dv.setInt16(out + ATTRIBUTES_OFFSET, dv.getInt32(input + kEncAttributes, true));
  dv.setInt32(out + LAST_OFFSET_DELTA_OFFSET, count - 1);
  writeI64BE(dv, out + BASE_TIMESTAMP_OFFSET, baseTimestampIn);
  if (count === 0) {
    dv.setBigInt64(out + MAX_TIMESTAMP_OFFSET, BigInt(NO_TIMESTAMP));
  } else if (maxSeenBig === null) {
    writeI64BE(dv, out + MAX_TIMESTAMP_OFFSET, maxSeen);
  } else {
    let max = maxSeenBig;
    if (maxSeen !== -Infinity && BigInt(maxSeen) > max) max = BigInt(maxSeen);
    dv.setBigInt64(out + MAX_TIMESTAMP_OFFSET, max);
  }
  writeI64BE(dv, out + PRODUCER_ID_OFFSET, dv.getFloat64(input + kEncProducerId, true));
  dv.setInt16(out + PRODUCER_EPOCH_OFFSET, dv.getInt32(input + kEncProducerEpoch, true));
  dv.setInt32(out + BASE_SEQUENCE_OFFSET, dv.getInt32(input + kEncBaseSequence, true));
  dv.setInt32(out + RECORDS_COUNT_OFFSET, count);
  dv.setUint32(out + CRC_OFFSET, crc32c(memory, out + CRC_COVERED_OFFSET, size - CRC_COVERED_OFFSET));
  return size;
}
