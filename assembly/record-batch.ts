/**
 * Record batch v2: validate, stamp, encode. Layouts: ./layout.ts (from Kafka
 * docs/implementation.html "5.3.1 Record Batch", DefaultRecordBatch.java, DefaultRecord.java).
 * Header integers are big-endian (bswap of native little-endian loads).
 */
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
  PARTITION_LEADER_EPOCH_LENGTH,
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
  kBatchInfoSize,
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
} from './layout';
import { CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE } from './errors';
import { checkRange } from './bounds';
import { crc32cRaw } from './crc32c';
import {
  readVarintFast,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  varintEnd,
  writeVarint,
  writeVarlong,
} from './varint';

// ─── big-endian helpers ──────────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline export function be16(p: usize): i32 { return <i32><i16>bswap<u16>(load<u16>(p)); }
// @ts-ignore: decorator
@inline export function be32(p: usize): i32 { return <i32>bswap<u32>(load<u32>(p)); }
// @ts-ignore: decorator
@inline export function be64(p: usize): i64 { return <i64>bswap<u64>(load<u64>(p)); }
// @ts-ignore: decorator
@inline export function putBe16(p: usize, v: i32): void { store<u16>(p, bswap<u16>(<u16>v)); }
// @ts-ignore: decorator
@inline export function putBe32(p: usize, v: i32): void { store<u32>(p, bswap<u32>(<u32>v)); }
// @ts-ignore: decorator
@inline export function putBe64(p: usize, v: i64): void { store<u64>(p, bswap<u64>(<u64>v)); }

// ─── validate ────────────────────────────────────────────────────────────────────────────────

/**
 * Validates the record batch v2 at ptr with `available` readable bytes; see Engine.validateBatch
 * (src/engine/engine.ts) for the contract. Once the 61-byte header is readable, the BatchInfo
 * struct at `info` (layout.ts kBatchInfo*, f64 slots) is filled, even if an error follows.
 *
 * Order of checks (the JS twin follows the same order, so both return the same code):
 *  1. available >= 61                                                else CORRUPT_MESSAGE
 *  2. 49 <= batchLength <= available - 12                            else CORRUPT_MESSAGE
 *  3. magic == 2                                                     else CORRUPT_MESSAGE
 *  4. crc32c([attributes, end)) == crc                               else CORRUPT_MESSAGE
 *  5. compression codec <= 4 (zstd)                                  else CORRUPT_MESSAGE
 *  6. recordCount >= 0                                               else CORRUPT_MESSAGE
 *  7. recordCount > 0, lastOffsetDelta == recordCount - 1            else INVALID_RECORD
 *  8. compressed batches: done. Uncompressed: per record i, in order:
 *     a. batch not yet exhausted                                     else INVALID_RECORD
 *     b. length varint >= 0, fits in the batch                       else CORRUPT_MESSAGE
 *     c. attributes, timestampDelta, offsetDelta well-formed         else CORRUPT_MESSAGE
 *     d. offsetDelta == i                                            else INVALID_RECORD
 *     e. key/value lengths >= -1 and in the record, headersCount >= 0, header key length >= 0,
 *        header value length >= -1, all in the record; the fields end exactly at the record
 *        end                                                         else CORRUPT_MESSAGE
 *  9. no bytes left after recordCount records                        else INVALID_RECORD
 * 10. CreateTime: maxTimestamp != max(baseTimestamp + timestampDelta) → the header's
 *     maxTimestamp and crc are rewritten to the records' max (Kafka LogValidator does the same)
 * Returns the batch size in bytes or -CORRUPT_MESSAGE / -INVALID_RECORD.
 *
 * Audit (issue 15): with auditPtr != 0, the walk also writes runs of consecutive records with
 * the same timestamp (records, key + value bytes) to the table at auditPtr (layout.ts kAudit*,
 * at most auditCapacity runs); a compressed batch gives one run at maxTimestamp. The table is
 * meaningful only when the batch is valid.
 */
export function validateBatch(ptr: usize, available: i32, info: usize, auditPtr: usize, auditCapacity: i32): i32 {
  checkRange(info, kBatchInfoSize);
  if (auditPtr != 0) {
    checkRange(auditPtr, <usize>kAuditHeaderSize + <usize>auditCapacity * <usize>kAuditRunSize);
    store<u32>(auditPtr + kAuditRunCount, 0);
    store<u32>(auditPtr + kAuditFlags, 0);
  }
  if (available < RECORD_BATCH_OVERHEAD) return -CORRUPT_MESSAGE;
  checkRange(ptr, <usize>available);

  const batchLength = be32(ptr + BATCH_LENGTH_OFFSET);
  const magic = <i32>load<i8>(ptr + MAGIC_OFFSET);
  const storedCrc = <u32>be32(ptr + CRC_OFFSET);
  const attributes = be16(ptr + ATTRIBUTES_OFFSET);
  const lastOffsetDelta = be32(ptr + LAST_OFFSET_DELTA_OFFSET);
  const baseTimestamp = be64(ptr + BASE_TIMESTAMP_OFFSET);
  const maxTimestamp = be64(ptr + MAX_TIMESTAMP_OFFSET);
  const count = be32(ptr + RECORDS_COUNT_OFFSET);

  store<f64>(info + kBatchInfoBaseOffset, <f64>be64(ptr + BASE_OFFSET_OFFSET));
  store<f64>(info + kBatchInfoSizeInBytes, <f64>(<i64>batchLength + LOG_OVERHEAD));
  store<f64>(info + kBatchInfoPartitionLeaderEpoch, <f64>be32(ptr + PARTITION_LEADER_EPOCH_OFFSET));
  store<f64>(info + kBatchInfoMagic, <f64>magic);
  store<f64>(info + kBatchInfoCrc, <f64>storedCrc);
  store<f64>(info + kBatchInfoAttributes, <f64>attributes);
  store<f64>(info + kBatchInfoLastOffsetDelta, <f64>lastOffsetDelta);
  store<f64>(info + kBatchInfoBaseTimestamp, <f64>baseTimestamp);
  store<f64>(info + kBatchInfoMaxTimestamp, <f64>maxTimestamp);
  store<f64>(info + kBatchInfoProducerId, <f64>be64(ptr + PRODUCER_ID_OFFSET));
  store<f64>(info + kBatchInfoProducerEpoch, <f64>be16(ptr + PRODUCER_EPOCH_OFFSET));
  store<f64>(info + kBatchInfoBaseSequence, <f64>be32(ptr + BASE_SEQUENCE_OFFSET));
  store<f64>(info + kBatchInfoRecordCount, <f64>count);

  if (batchLength < MIN_BATCH_LENGTH || batchLength > available - LOG_OVERHEAD) return -CORRUPT_MESSAGE;
  const size = batchLength + LOG_OVERHEAD;
  if (magic != CURRENT_MAGIC) return -CORRUPT_MESSAGE;
  if (crc32cRaw(ptr + CRC_COVERED_OFFSET, <usize>(size - CRC_COVERED_OFFSET)) != storedCrc) {
    return -CORRUPT_MESSAGE;
  }
  const codec = attributes & COMPRESSION_CODEC_MASK;
  if (codec > MAX_COMPRESSION_CODEC) return -CORRUPT_MESSAGE;
  if (count < 0) return -CORRUPT_MESSAGE;
  if (count == 0 || lastOffsetDelta != count - 1) return -INVALID_RECORD;
  if (codec != 0) {
    if (auditPtr != 0 && auditCapacity > 0) {
      store<u32>(auditPtr + kAuditFlags, kAuditFlagCompressed);
      writeAuditRun(auditPtr, 0, maxTimestamp, count, size - RECORDS_OFFSET);
      store<u32>(auditPtr + kAuditRunCount, 1);
    }
    return size;
  }

  const end = ptr + <usize>size;
  let p = ptr + RECORDS_OFFSET;
  let maxSeen: i64 = i64.MIN_VALUE;
  // the current audit run: timestamp, records, key + value bytes
  let runs: i32 = 0;
  let runTimestamp: i64 = 0;
  let runRecords: i32 = 0;
  let runBytes: i32 = 0;
  for (let i: i32 = 0; i < count; i++) {
    if (p == end) return -INVALID_RECORD;
    const length = readVarintFast(p, end);
    p = varintEnd;
    if (p == 0 || length < 0 || <usize>length > end - p) return -CORRUPT_MESSAGE;
    const recordEnd = p + <usize>length;
    // attributes (int8, unused)
    if (p >= recordEnd) return -CORRUPT_MESSAGE;
    p++;
    let timestampDelta: i64;
    if (p < recordEnd && load<u8>(p) < 0x80) {
      const b = <i64>load<u8>(p);
      timestampDelta = (b >>> 1) ^ -(b & 1);
      p++;
    } else {
      timestampDelta = readVarlong(p, recordEnd);
      p = varintEnd;
      if (p == 0) return -CORRUPT_MESSAGE;
    }
    const offsetDelta = readVarintFast(p, recordEnd);
    p = varintEnd;
    if (p == 0) return -CORRUPT_MESSAGE;
    if (offsetDelta != i) return -INVALID_RECORD;
    // key, value
    let payload: i32 = 0;
    for (let field = 0; field < 2; field++) {
      const len = readVarintFast(p, recordEnd);
      p = varintEnd;
      if (p == 0 || len < -1) return -CORRUPT_MESSAGE;
      if (len > 0) {
        if (<usize>len > recordEnd - p) return -CORRUPT_MESSAGE;
        p += <usize>len;
        payload += len;
      }
    }
    const headerCount = readVarintFast(p, recordEnd);
    p = varintEnd;
    if (p == 0 || headerCount < 0) return -CORRUPT_MESSAGE;
    for (let h: i32 = 0; h < headerCount; h++) {
      const keyLen = readVarintFast(p, recordEnd);
      p = varintEnd;
      if (p == 0 || keyLen < 0 || <usize>keyLen > recordEnd - p) return -CORRUPT_MESSAGE;
      p += <usize>keyLen;
      const valueLen = readVarintFast(p, recordEnd);
      p = varintEnd;
      if (p == 0 || valueLen < -1) return -CORRUPT_MESSAGE;
      if (valueLen > 0) {
        if (<usize>valueLen > recordEnd - p) return -CORRUPT_MESSAGE;
        p += <usize>valueLen;
      }
    }
    if (p != recordEnd) return -CORRUPT_MESSAGE;
    const timestamp = baseTimestamp + timestampDelta;
    if (timestamp > maxSeen) maxSeen = timestamp;
    if (auditPtr != 0) {
      if (runRecords > 0 && timestamp == runTimestamp) {
        runRecords++;
        runBytes += payload;
      } else {
        if (runRecords > 0) runs = flushAuditRun(auditPtr, auditCapacity, runs, runTimestamp, runRecords, runBytes);
        runTimestamp = timestamp;
        runRecords = 1;
        runBytes = payload;
      }
    }
  }
  if (auditPtr != 0 && runRecords > 0) {
    runs = flushAuditRun(auditPtr, auditCapacity, runs, runTimestamp, runRecords, runBytes);
    store<u32>(auditPtr + kAuditRunCount, <u32>runs);
  }
  if (p != end) return -INVALID_RECORD;
  if ((attributes & TIMESTAMP_TYPE_MASK) == 0 && maxSeen != maxTimestamp) {
    // Kafka's LogValidator corrects the header's maxTimestamp in place (and the CRC over it)
    // rather than rejecting the batch; clients such as KafkaJS leave it short when only some
    // records carry a timestamp.
    putBe64(ptr + MAX_TIMESTAMP_OFFSET, maxSeen);
    const crc = crc32cRaw(ptr + CRC_COVERED_OFFSET, <usize>(size - CRC_COVERED_OFFSET));
    putBe32(ptr + CRC_OFFSET, <i32>crc);
    store<f64>(info + kBatchInfoMaxTimestamp, <f64>maxSeen);
    store<f64>(info + kBatchInfoCrc, <f64>crc);
  }
  return size;
}

/** Writes audit run `index` (timestamp as f64: exact up to 2^53, rounded beyond). */
function writeAuditRun(auditPtr: usize, index: i32, timestamp: i64, records: i32, bytes: i32): void {
  const at = auditPtr + kAuditHeaderSize + <usize>index * kAuditRunSize;
  store<f64>(at + kAuditRunTimestamp, <f64>timestamp);
  store<u32>(at + kAuditRunRecords, <u32>records);
  store<u32>(at + kAuditRunBytes, <u32>bytes);
}

/** Appends a run unless the table is full (then flags the overflow); returns the new run count. */
function flushAuditRun(auditPtr: usize, capacity: i32, runs: i32, timestamp: i64, records: i32, bytes: i32): i32 {
  if (runs >= capacity) {
    store<u32>(auditPtr + kAuditFlags, kAuditFlagOverflow);
    return runs;
  }
  writeAuditRun(auditPtr, runs, timestamp, records, bytes);
  return runs + 1;
}

// ─── stamp ───────────────────────────────────────────────────────────────────────────────────

/**
 * Writes baseOffset (int64, from f64 by truncation, saturating) and partitionLeaderEpoch
 * (int32) into the header at ptr. Neither is covered by the CRC.
 */
export function stampBatch(ptr: usize, baseOffset: f64, partitionLeaderEpoch: i32): void {
  checkRange(ptr, PARTITION_LEADER_EPOCH_OFFSET + PARTITION_LEADER_EPOCH_LENGTH);
  putBe64(ptr + BASE_OFFSET_OFFSET, <i64>baseOffset);
  putBe32(ptr + PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
}

// ─── encode ──────────────────────────────────────────────────────────────────────────────────

/**
 * Encodes the encode request at [input, input + inputLength) (layout.ts kEnc*) into an
 * uncompressed record batch v2 at [out, out + outCapacity): header, records (varints,
 * headers), batchLength, lastOffsetDelta = count - 1, maxTimestamp = max record timestamp
 * (NO_TIMESTAMP when empty), CRC-32C.
 * Returns the batch size in bytes, -CORRUPT_MESSAGE if the request is malformed (lengths
 * outside the request), or -MESSAGE_TOO_LARGE if the batch does not fit outCapacity.
 */
export function encodeRecordBatch(input: usize, inputLength: i32, out: usize, outCapacity: i32): i32 {
  if (inputLength < kEncHeaderSize || outCapacity < RECORD_BATCH_OVERHEAD) {
    return inputLength < kEncHeaderSize ? -CORRUPT_MESSAGE : -MESSAGE_TOO_LARGE;
  }
  checkRange(input, <usize>inputLength);
  checkRange(out, <usize>outCapacity);
  const inEnd = input + <usize>inputLength;
  const outEnd = out + <usize>outCapacity;

  const baseTimestamp = <i64>load<f64>(input + kEncBaseTimestamp);
  const count = load<i32>(input + kEncRecordCount);
  if (count < 0) return -CORRUPT_MESSAGE;

  let q = input + kEncHeaderSize;
  let p = out + RECORDS_OFFSET;
  let maxTimestamp: i64 = count == 0 ? NO_TIMESTAMP : i64.MIN_VALUE;
  for (let i: i32 = 0; i < count; i++) {
    if (<usize>kEncRecordFixedSize > inEnd - q) return -CORRUPT_MESSAGE;
    const timestamp = <i64>load<f64>(q + kEncRecordTimestamp);
    const keyLength = load<i32>(q + kEncRecordKeyLength);
    const valueLength = load<i32>(q + kEncRecordValueLength);
    const headerCount = load<i32>(q + kEncRecordHeaderCount);
    if (keyLength < -1 || valueLength < -1 || headerCount < 0) return -CORRUPT_MESSAGE;
    let h = q + kEncRecordFixedSize;
    const keyBytes = <usize>max(keyLength, 0);
    const valueBytes = <usize>max(valueLength, 0);
    if (<u64>keyBytes + <u64>valueBytes > <u64>(inEnd - h)) return -CORRUPT_MESSAGE;
    const keyPtr = h;
    const valuePtr = h + keyBytes;
    h = valuePtr + valueBytes;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const timestampDelta = timestamp - baseTimestamp;

    // body size: attributes .. end of headers
    let body: u64 = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(i)
      + sizeOfVarint(keyLength) + keyBytes + sizeOfVarint(valueLength) + valueBytes
      + sizeOfVarint(headerCount);
    const headersStart = h;
    for (let j: i32 = 0; j < headerCount; j++) {
      if (<usize>kEncHeaderFixedSize > inEnd - h) return -CORRUPT_MESSAGE;
      const hk = load<i32>(h + kEncHeaderKeyLength);
      const hv = load<i32>(h + kEncHeaderValueLength);
      if (hk < 0 || hv < -1) return -CORRUPT_MESSAGE;
      h += kEncHeaderFixedSize;
      const hvBytes = <usize>max(hv, 0);
      if (<u64>hk + <u64>hvBytes > <u64>(inEnd - h)) return -CORRUPT_MESSAGE;
      h += <usize>hk + hvBytes;
      body += sizeOfVarint(hk) + <u64>hk + sizeOfVarint(hv) + <u64>hvBytes;
    }
    if (body > <u64>i32.MAX_VALUE || <u64>sizeOfVarint(<i32>body) + body > <u64>(outEnd - p)) {
      return -MESSAGE_TOO_LARGE;
    }

    p = writeVarint(p, <i32>body);
    store<u8>(p++, 0); // record attributes
    p = writeVarlong(p, timestampDelta);
    p = writeVarint(p, i);
    p = writeVarint(p, keyLength);
    memory.copy(p, keyPtr, keyBytes);
    p += keyBytes;
    p = writeVarint(p, valueLength);
    memory.copy(p, valuePtr, valueBytes);
    p += valueBytes;
    p = writeVarint(p, headerCount);
    h = headersStart;
    for (let j: i32 = 0; j < headerCount; j++) {
      const hk = load<i32>(h + kEncHeaderKeyLength);
      const hv = load<i32>(h + kEncHeaderValueLength);
      h += kEncHeaderFixedSize;
      p = writeVarint(p, hk);
      memory.copy(p, h, <usize>hk);
      p += <usize>hk;
      h += <usize>hk;
      p = writeVarint(p, hv);
      if (hv > 0) {
        memory.copy(p, h, <usize>hv);
        p += <usize>hv;
        h += <usize>hv;
      }
    }
    q = h;
  }
  const size = p - out;
  if (<u64>size - LOG_OVERHEAD > <u64>i32.MAX_VALUE) return -MESSAGE_TOO_LARGE;

  putBe64(out + BASE_OFFSET_OFFSET, <i64>load<f64>(input + kEncBaseOffset));
  putBe32(out + BATCH_LENGTH_OFFSET, <i32>(size - LOG_OVERHEAD));
  putBe32(out + PARTITION_LEADER_EPOCH_OFFSET, load<i32>(input + kEncPartitionLeaderEpoch));
  store<u8>(out + MAGIC_OFFSET, <u8>CURRENT_MAGIC);
  putBe16(out + ATTRIBUTES_OFFSET, load<i32>(input + kEncAttributes));
  putBe32(out + LAST_OFFSET_DELTA_OFFSET, count - 1);
  putBe64(out + BASE_TIMESTAMP_OFFSET, baseTimestamp);
  putBe64(out + MAX_TIMESTAMP_OFFSET, maxTimestamp);
  putBe64(out + PRODUCER_ID_OFFSET, <i64>load<f64>(input + kEncProducerId));
  putBe16(out + PRODUCER_EPOCH_OFFSET, load<i32>(input + kEncProducerEpoch));
  putBe32(out + BASE_SEQUENCE_OFFSET, load<i32>(input + kEncBaseSequence));
  putBe32(out + RECORDS_COUNT_OFFSET, count);
  putBe32(out + CRC_OFFSET, <i32>crc32cRaw(out + CRC_COVERED_OFFSET, size - CRC_COVERED_OFFSET));
  return <i32>size;
}
