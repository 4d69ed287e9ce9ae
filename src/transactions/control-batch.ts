/**
 * Transaction markers: the control batches that end a transaction on each of its partitions
 * (docs/implementation.html "Control Batches"). A batch with attributes bit 5 (control) and
 * bit 4 (transactional), the producer's id and epoch, base sequence -1, and one record:
 *
 *   key   = int16 version (0) + int16 type (0: ABORT, 1: COMMIT)
 *   value = int16 version (0) + int32 coordinator epoch (the `__transaction_state` partition's
 *           leader epoch when the coordinator wrote it)
 *
 * Source: docs/implementation.html; Kafka EndTransactionMarker.java, ControlRecordType.java.
 */
import type { Engine } from '../engine/engine.js';

export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;

/** ControlRecordType: ABORT (0) or COMMIT (1). */
export enum ControlRecordType {
  ABORT = 0,
  COMMIT = 1,
}

/** What a marker says: whose transaction, how it ended, and which coordinator decided it. */
export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  type: ControlRecordType;
  coordinatorEpoch: number;
}

/**
 * The marker as one control batch at `baseOffset`, stamped with `partitionLeaderEpoch`,
 * its CRC-32C computed: bytes a log appends as they are.
 */
export function encodeMarkerBatch(engine: Engine, marker: TxnMarker, baseOffset: number, partitionLeaderEpoch: number): Uint8Array {
  const key = new Uint8Array(4);
  const kv = new DataView(key.buffer);
  kv.setInt16(0, 0);
  kv.setInt16(2, marker.type);
  const value = new Uint8Array(6);
  const vv = new DataView(value.buffer);
  vv.setInt16(0, 0);
  vv.setInt32(2, marker.coordinatorEpoch);
  return engine.encodeRecordBatch([{ key, value }], {
    baseOffset,
    partitionLeaderEpoch,
    attributes: TRANSACTIONAL_FLAG | CONTROL_FLAG,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: -1,
    baseTimestamp: Date.now(),
  });
}

/** Reads a control record's key: its version and type. Errors: RangeError if shorter than 4 bytes. */
export function decodeControlRecordKey(key: Uint8Array): { version: number; type: ControlRecordType } {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return { version: view.getInt16(0), type: view.getInt16(2) };
}
