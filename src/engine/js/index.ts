/**
 * The JS twin of the WASM core: the same raw ABI (../core.ts) implemented in TypeScript over
 * the same SharedMemory bytes. Bounds are checked by the Engine wrapper (../engine-impl.ts).
 */
import type { Core } from '../core.js';
import type { SharedMemory } from '../shared-memory.js';
import { crc32c } from './crc32c.js';
import { encodeRecordBatch, stampBatch, validateBatch } from './record-batch.js';
import { offsetIndexLookup } from './offset-index.js';
import { timeIndexLookup } from './time-index.js';
import { firstTimestampOutOfRange, setLogAppendTime } from './timestamps.js';

export { crc32c, crc32cUpdate } from './crc32c.js';

/** Binds the twin's functions to a memory. */
export function createJsCore(memory: SharedMemory): Core {
  return {
    crc32c: (ptr, len) => crc32c(memory, ptr, len),
    validateBatch: (ptr, available, infoPtr, auditPtr, auditCapacity) => validateBatch(memory, ptr, available, infoPtr, auditPtr, auditCapacity),
    stampBatch: (ptr, baseOffset, ple) => stampBatch(memory, ptr, baseOffset, ple),
    offsetIndexLookup: (ptr, entries, target) => offsetIndexLookup(memory, ptr, entries, target),
    timeIndexLookup: (ptr, entries, target) => timeIndexLookup(memory, ptr, entries, target),
    encodeRecordBatch: (input, inputLength, out, outCapacity) =>
      encodeRecordBatch(memory, input, inputLength, out, outCapacity),
    setLogAppendTime: (ptr, logAppendTime) => setLogAppendTime(memory, ptr, logAppendTime),
    firstTimestampOutOfRange: (header, records, length, low, high) => firstTimestampOutOfRange(memory, header, records, length, low, high),
  };
}
