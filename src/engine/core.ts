/**
 * The raw ABI shared by the WASM core (assembly/index.ts exports) and the JS twin
 * (js/index.ts). Both operate on the same SharedMemory bytes; the Engine wrapper
 * (engine-impl.ts) adds argument checks, BatchInfo decoding and encode marshalling on top.
 *
 * Numbers: pointers/lengths are byte addresses (uint32); int64 values travel as f64 (int64 →
 * f64 rounds to nearest, f64 → int64 truncates and saturates, NaN → 0, like WASM
 * f64.convert_i64_s / i64.trunc_sat_f64_s). Errors are negated Kafka codes (errors.ts).
 */
export interface Core {
  /** CRC-32C of [ptr, ptr + len). The WASM export returns the bits as a signed i32: use `>>> 0`. */
  crc32c(ptr: number, len: number): number;
  /**
   * Validates the batch at ptr; writes the BatchInfo struct (layout.ts kBatchInfo*, 13 f64
   * slots) at infoPtr once 61 header bytes are available; with auditPtr != 0 also the audit
   * runs table there (layout.ts kAudit*, at most auditCapacity runs). Returns the size or -code.
   */
  validateBatch(ptr: number, available: number, infoPtr: number, auditPtr: number, auditCapacity: number): number;
  /** Writes baseOffset (int64 BE) and partitionLeaderEpoch (int32 BE) into the header at ptr. */
  stampBatch(ptr: number, baseOffset: number, partitionLeaderEpoch: number): void;
  /** Slot of the last offset index entry with relativeOffset <= target (int32), or -1. */
  offsetIndexLookup(ptr: number, entries: number, target: number): number;
  /** Slot of the last time index entry with timestamp <= target (f64 → int64), or -1. */
  timeIndexLookup(ptr: number, entries: number, target: number): number;
  /**
   * Encodes the encode request at [input, input + inputLength) (layout.ts kEnc*) into a record
   * batch at [out, out + outCapacity). Returns the batch size or -CORRUPT_MESSAGE (malformed
   * request) / -MESSAGE_TOO_LARGE (does not fit).
   */
  encodeRecordBatch(input: number, inputLength: number, out: number, outCapacity: number): number;
  /** Stamps a validated batch as LogAppendTime (attributes bit 3, maxTimestamp, CRC); returns the CRC bits. */
  setLogAppendTime(ptr: number, logAppendTime: number): number;
  /** Index of the first record whose timestamp is outside [low, high], recordCount if none, or -CORRUPT_MESSAGE. */
  firstTimestampOutOfRange(header: number, records: number, length: number, low: number, high: number): number;
}
