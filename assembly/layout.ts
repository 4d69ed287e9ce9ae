/**
 * Byte layouts shared by the WASM core and its TypeScript twin.
 *
 * Keep in sync with `src/engine/layout.ts`: `test/engine/layout.test.ts` checks that both files
 * export the same names with the same values. Plain `export const NAME = <int expression>`
 * only (no type annotations, no builtins), so the file is valid AssemblyScript (i32 constants)
 * and valid TypeScript alike.
 *
 * Sources: Kafka docs/implementation.html "5.3.1 Record Batch", DefaultRecordBatch.java,
 * OffsetIndex.scala / TimeIndex.scala.
 */

// ─── Record batch v2 header ──────────────────────────────────────────────────────────────────
//
//  offset ┌──────────────────────────┐
//       0 │ baseOffset        int64  │ ┐ LOG_OVERHEAD (12): not part of batchLength
//       8 │ batchLength       int32  │ ┘
//      12 │ partitionLeaderEpoch i32 │   not covered by the CRC (stamped by the leader)
//      16 │ magic             int8   │   = 2
//      17 │ crc               uint32 │   CRC-32C of [attributes .. end of batch]
//      21 │ attributes        int16  │ ┐
//      23 │ lastOffsetDelta   int32  │ │
//      27 │ baseTimestamp     int64  │ │
//      35 │ maxTimestamp      int64  │ │ covered by the CRC
//      43 │ producerId        int64  │ │
//      51 │ producerEpoch     int16  │ │
//      53 │ baseSequence      int32  │ │
//      57 │ recordsCount      int32  │ │
//      61 │ records ...              │ ┘
//         └──────────────────────────┘
// All integers big-endian.

export const BASE_OFFSET_OFFSET = 0;
export const BASE_OFFSET_LENGTH = 8;
export const BATCH_LENGTH_OFFSET = BASE_OFFSET_OFFSET + BASE_OFFSET_LENGTH;
export const BATCH_LENGTH_LENGTH = 4;
export const PARTITION_LEADER_EPOCH_OFFSET = BATCH_LENGTH_OFFSET + BATCH_LENGTH_LENGTH;
export const PARTITION_LEADER_EPOCH_LENGTH = 4;
export const MAGIC_OFFSET = PARTITION_LEADER_EPOCH_OFFSET + PARTITION_LEADER_EPOCH_LENGTH;
export const MAGIC_LENGTH = 1;
export const CRC_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH;
export const CRC_LENGTH = 4;
export const ATTRIBUTES_OFFSET = CRC_OFFSET + CRC_LENGTH;
export const ATTRIBUTES_LENGTH = 2;
export const LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + ATTRIBUTES_LENGTH;
export const LAST_OFFSET_DELTA_LENGTH = 4;
export const BASE_TIMESTAMP_OFFSET = LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH;
export const BASE_TIMESTAMP_LENGTH = 8;
export const MAX_TIMESTAMP_OFFSET = BASE_TIMESTAMP_OFFSET + BASE_TIMESTAMP_LENGTH;
export const MAX_TIMESTAMP_LENGTH = 8;
export const PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + MAX_TIMESTAMP_LENGTH;
export const PRODUCER_ID_LENGTH = 8;
export const PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + PRODUCER_ID_LENGTH;
export const PRODUCER_EPOCH_LENGTH = 2;
export const BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + PRODUCER_EPOCH_LENGTH;
export const BASE_SEQUENCE_LENGTH = 4;
export const RECORDS_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + BASE_SEQUENCE_LENGTH;
export const RECORDS_COUNT_LENGTH = 4;
export const RECORDS_OFFSET = RECORDS_COUNT_OFFSET + RECORDS_COUNT_LENGTH;

/** baseOffset + batchLength: the bytes of a batch not counted in batchLength. */
export const LOG_OVERHEAD = BATCH_LENGTH_OFFSET + BATCH_LENGTH_LENGTH;
/** Size of a batch header (a batch with no records). */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** Smallest legal batchLength. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
/** The CRC covers [CRC_COVERED_OFFSET, end of batch). */
export const CRC_COVERED_OFFSET = ATTRIBUTES_OFFSET;

export const CURRENT_MAGIC = 2;

// attributes bits
export const COMPRESSION_CODEC_MASK = 0x07;
/** Highest known codec: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
export const MAX_COMPRESSION_CODEC = 4;
/** Bit 3: 0 = CreateTime, 1 = LogAppendTime. */
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** RecordBatch.NO_TIMESTAMP */
export const NO_TIMESTAMP = -1;

// ─── Record (inside a batch) ─────────────────────────────────────────────────────────────────
//
//  ┌─────────────────────────────┐
//  │ length          varint      │  bytes that follow, up to the end of the headers
//  │ attributes      int8        │  unused, written as 0
//  │ timestampDelta  varlong     │  timestamp - baseTimestamp
//  │ offsetDelta     varint      │  0, 1, ... recordsCount - 1
//  │ keyLength       varint      │  -1 = null key
//  │ key             byte[]      │
//  │ valueLength     varint      │  -1 = null value
//  │ value           byte[]      │
//  │ headersCount    varint      │
//  │ headers: keyLength varint (>= 0), key, valueLength varint (-1 = null), value │
//  └─────────────────────────────┘
// Varints are zigzag-encoded base-128, little-endian groups (protobuf sint32 / sint64).

export const RECORD_ATTRIBUTES_LENGTH = 1;
export const MAX_VARINT_LENGTH = 5;
export const MAX_VARLONG_LENGTH = 10;

// ─── Index entries (Kafka OffsetIndex / TimeIndex) ───────────────────────────────────────────
//
//  offset index entry (8 bytes)          time index entry (12 bytes)
//  ┌────────────────────────┐            ┌────────────────────────┐
//  │ relativeOffset int32   │ 0          │ timestamp      int64   │ 0
//  │ position       int32   │ 4          │ relativeOffset int32   │ 8
//  └────────────────────────┘            └────────────────────────┘
// Big-endian, sorted by the first field.

export const OFFSET_INDEX_RELATIVE_OFFSET_OFFSET = 0;
export const OFFSET_INDEX_RELATIVE_OFFSET_LENGTH = 4;
export const OFFSET_INDEX_POSITION_OFFSET = OFFSET_INDEX_RELATIVE_OFFSET_OFFSET + OFFSET_INDEX_RELATIVE_OFFSET_LENGTH;
export const OFFSET_INDEX_POSITION_LENGTH = 4;
export const OFFSET_INDEX_ENTRY_SIZE = OFFSET_INDEX_POSITION_OFFSET + OFFSET_INDEX_POSITION_LENGTH;

export const TIME_INDEX_TIMESTAMP_OFFSET = 0;
export const TIME_INDEX_TIMESTAMP_LENGTH = 8;
export const TIME_INDEX_RELATIVE_OFFSET_OFFSET = TIME_INDEX_TIMESTAMP_OFFSET + TIME_INDEX_TIMESTAMP_LENGTH;
export const TIME_INDEX_RELATIVE_OFFSET_LENGTH = 4;
export const TIME_INDEX_ENTRY_SIZE = TIME_INDEX_RELATIVE_OFFSET_OFFSET + TIME_INDEX_RELATIVE_OFFSET_LENGTH;

// ─── Shared memory map ───────────────────────────────────────────────────────────────────────
//
//  address ┌────────────────────────────────────────────┐
//        0 │ scratch: result structs                    │ kScratchAddress, kScratchSize
//          │   0  BatchInfo (13 × f64)                  │ kBatchInfoAddress
//          │ 128  core state (u32 flags)                │ kCoreStateAddress
//          │ 256  CRC transpose scratch (256 B)         │ kCrcScratchAddress
//     1024 ├────────────────────────────────────────────┤
//          │ WASM static data (asc --memoryBase)        │ kWasmDataAddress, kWasmDataSize
//     4096 ├────────────────────────────────────────────┤
//          │ CRC-32C slicing-by-16 tables 16×256×u32    │ kCrcTablesAddress (written by the
//    20480 │ CRC-32C nibble tables 8 × v128             │ kCrcNibbleTablesAddress   WASM init();
//    20608 │ CRC-32C shift tables 6 × 4×256×u32         │ kCrcShiftTablesAddress    read-only after)
//    45184 ├────────────────────────────────────────────┤
//          │ (unused)                                   │
//    65536 ├────────────────────────────────────────────┤
//          │ heap: SharedMemory.alloc()                 │ kHeapBase
//          │ ... (grows by memory.grow)                 │
//          └────────────────────────────────────────────┘
// The JS twin never touches the tables (it has its own), only the scratch area.

export const kF64Size = 8;
export const kV128Size = 16;

export const kScratchAddress = 0;
export const kScratchSize = 1024;

// BatchInfo result struct, written by validateBatch at `infoPtr` (default kBatchInfoAddress).
// Every slot is a little-endian f64 (int64 fields converted exactly up to 2^53, rounded beyond).
//
//  ┌──────┬──────────────────────┐
//  │ +0   │ baseOffset           │
//  │ +8   │ sizeInBytes          │
//  │ +16  │ partitionLeaderEpoch │
//  │ +24  │ magic                │
//  │ +32  │ crc (unsigned)       │
//  │ +40  │ attributes           │
//  │ +48  │ lastOffsetDelta      │
//  │ +56  │ baseTimestamp        │
//  │ +64  │ maxTimestamp         │
//  │ +72  │ producerId           │
//  │ +80  │ producerEpoch        │
//  │ +88  │ baseSequence         │
//  │ +96  │ recordCount          │
//  └──────┴──────────────────────┘
export const kBatchInfoAddress = kScratchAddress;
export const kBatchInfoBaseOffset = 0;
export const kBatchInfoSizeInBytes = kBatchInfoBaseOffset + kF64Size;
export const kBatchInfoPartitionLeaderEpoch = kBatchInfoSizeInBytes + kF64Size;
export const kBatchInfoMagic = kBatchInfoPartitionLeaderEpoch + kF64Size;
export const kBatchInfoCrc = kBatchInfoMagic + kF64Size;
export const kBatchInfoAttributes = kBatchInfoCrc + kF64Size;
export const kBatchInfoLastOffsetDelta = kBatchInfoAttributes + kF64Size;
export const kBatchInfoBaseTimestamp = kBatchInfoLastOffsetDelta + kF64Size;
export const kBatchInfoMaxTimestamp = kBatchInfoBaseTimestamp + kF64Size;
export const kBatchInfoProducerId = kBatchInfoMaxTimestamp + kF64Size;
export const kBatchInfoProducerEpoch = kBatchInfoProducerId + kF64Size;
export const kBatchInfoBaseSequence = kBatchInfoProducerEpoch + kF64Size;
export const kBatchInfoRecordCount = kBatchInfoBaseSequence + kF64Size;
export const kBatchInfoSize = kBatchInfoRecordCount + kF64Size;

export const kCoreStateAddress = kBatchInfoAddress + 128;
/** u32 slot: kCoreReadyMagic once the WASM init() has filled the CRC tables. */
export const kCoreReadyFlag = kCoreStateAddress;
export const kCoreReadyMagic = 0x47524743;

/**
 * 256 bytes where the WASM CRC kernel transposes 16×16-byte tiles. Used by the instance that
 * src/engine/wasm.ts creates; an instance in another thread needs its own (setCrcScratch).
 */
export const kCrcScratchAddress = kCoreStateAddress + 128;
export const kCrcScratchSize = 256;

export const kWasmDataAddress = kScratchAddress + kScratchSize;
export const kWasmDataSize = 3072;

export const kCrcTableEntries = 256;
export const kCrcTableSize = kCrcTableEntries * 4;
export const kCrcSlices = 16;
export const kCrcTablesAddress = kWasmDataAddress + kWasmDataSize;
export const kCrcTablesSize = kCrcSlices * kCrcTableSize;
/** 4 "low nibble" then 4 "high nibble" tables, one per byte of the 32-bit CRC. */
export const kCrcNibbleTablesAddress = kCrcTablesAddress + kCrcTablesSize;
export const kCrcNibbleTablesSize = 8 * kV128Size;
/** Tables that advance a CRC register over n zero bytes; 4 × 256 u32 (one per register byte). */
export const kCrcShiftTableSize = 4 * kCrcTableSize;
export const kCrcShiftTablesAddress = kCrcNibbleTablesAddress + kCrcNibbleTablesSize;
export const kCrcShiftTableCount = 6;
export const kCrcShiftTablesEnd = kCrcShiftTablesAddress + kCrcShiftTableCount * kCrcShiftTableSize;

// ─── Audit runs (written by validateBatch when given an audit table) ──────────────────────────
//
// The validation walk groups consecutive records of a batch with the same timestamp into runs
// (issue 15, the broker tier of the audit). Table at auditPtr, little-endian, 8-aligned:
//  ┌──────┬────────────────────────────────────────────────────┐
//  │ +0   │ u32 runs written                                   │
//  │ +4   │ u32 flags: 1 = compressed batch (one run, records   │
//  │      │   not walked: timestamp = maxTimestamp, bytes = the  │
//  │      │   batch's record bytes), 2 = table full (a bug)      │
//  │ +8   │ (reserved)                                          │
//  ├──────┴────────────────────────────────────────────────────┤
//  │ runs × { f64 timestamp (ms; -1 = none), u32 records,      │
//  │          u32 bytes (key + value bytes of those records) }  │
//  └───────────────────────────────────────────────────────────┘
export const kAuditRunCount = 0;
export const kAuditFlags = 4;
export const kAuditHeaderSize = 16;
export const kAuditRunTimestamp = 0;
export const kAuditRunRecords = kAuditRunTimestamp + kF64Size;
export const kAuditRunBytes = kAuditRunRecords + 4;
export const kAuditRunSize = kAuditRunBytes + 4;
export const kAuditFlagCompressed = 1;
export const kAuditFlagOverflow = 2;

/** First address handed out by SharedMemory.alloc(): 1 WASM page. */
export const kHeapBase = 65536;
export const kWasmPageSize = 65536;

// ─── Encode request (input of encodeRecordBatch), written by src/engine/encode-input.ts ──────
//
// Native (little-endian) integers, packed, no alignment:
//  ┌──────┬────────────────────────────────────────────────────┐
//  │ +0   │ f64 baseOffset                                     │
//  │ +8   │ f64 baseTimestamp                                  │
//  │ +16  │ f64 producerId                                     │
//  │ +24  │ i32 partitionLeaderEpoch                           │
//  │ +28  │ i32 attributes                                     │
//  │ +32  │ i32 producerEpoch                                  │
//  │ +36  │ i32 baseSequence                                   │
//  │ +40  │ i32 recordCount                                    │
//  │ +44  │ i32 reserved (0)                                   │
//  ├──────┴────────────────────────────────────────────────────┤
//  │ recordCount records, each:                                │
//  │   +0  f64 timestamp (ms, absolute)                        │
//  │   +8  i32 keyLength   (-1 = null)                         │
//  │   +12 i32 valueLength (-1 = null)                         │
//  │   +16 i32 headerCount                                     │
//  │   +20 key bytes, value bytes                              │
//  │   then headerCount × { i32 keyLength, i32 valueLength     │
//  │                        (-1 = null), key bytes, value bytes }│
//  └───────────────────────────────────────────────────────────┘
export const kEncBaseOffset = 0;
export const kEncBaseTimestamp = kEncBaseOffset + kF64Size;
export const kEncProducerId = kEncBaseTimestamp + kF64Size;
export const kEncPartitionLeaderEpoch = kEncProducerId + kF64Size;
export const kEncAttributes = kEncPartitionLeaderEpoch + 4;
export const kEncProducerEpoch = kEncAttributes + 4;
export const kEncBaseSequence = kEncProducerEpoch + 4;
export const kEncRecordCount = kEncBaseSequence + 4;
export const kEncReserved = kEncRecordCount + 4;
export const kEncHeaderSize = kEncReserved + 4;

export const kEncRecordTimestamp = 0;
export const kEncRecordKeyLength = kEncRecordTimestamp + kF64Size;
export const kEncRecordValueLength = kEncRecordKeyLength + 4;
export const kEncRecordHeaderCount = kEncRecordValueLength + 4;
export const kEncRecordFixedSize = kEncRecordHeaderCount + 4;

export const kEncHeaderKeyLength = 0;
export const kEncHeaderValueLength = kEncHeaderKeyLength + 4;
export const kEncHeaderFixedSize = kEncHeaderValueLength + 4;

/**
 * Worst-case encoded bytes per record besides key/value/header payloads:
 * length varint + attributes + timestampDelta varlong + offsetDelta varint + keyLength varint
 * + valueLength varint + headersCount varint.
 */
export const kEncRecordMaxOverhead =
  MAX_VARINT_LENGTH + RECORD_ATTRIBUTES_LENGTH + MAX_VARLONG_LENGTH + 4 * MAX_VARINT_LENGTH;
/** Worst-case encoded bytes per header besides key/value payloads. */
export const kEncHeaderMaxOverhead = 2 * MAX_VARINT_LENGTH;
