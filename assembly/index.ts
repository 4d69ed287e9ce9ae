/**
 * gregor-core: the hot path of the Gregor broker, compiled to build/gregor-core.wasm
 * (`npm run asbuild`). Loaded by src/engine/wasm.ts, twin of src/engine/js/.
 *
 * Imports: env.memory (shared WebAssembly.Memory, see layout.ts for the reserved low area) and
 * env.abort(message, file, line, column) (AssemblyScript strings, UTF-16, length at ptr - 4).
 * Every pointer is a byte address in that memory. Nothing here allocates: the stub runtime's
 * heap is never used (the heap belongs to the JS allocator, src/engine/shared-memory.ts).
 *
 * Call {@link init} once per instance before anything else.
 */
import { kCoreReadyFlag, kCoreReadyMagic } from './layout';
import { checkRange } from './bounds';
import { crc32cRaw, initCrc32c } from './crc32c';

export { setCrcScratch } from './crc32c';

export { validateBatch, stampBatch, encodeRecordBatch } from './record-batch';
export { setLogAppendTime, firstTimestampOutOfRange } from './timestamps';
export { offsetIndexLookup } from './offset-index';
export { timeIndexLookup } from './time-index';

/** Fills the CRC tables (once per memory; idempotent and race-benign). */
export function init(): void {
  if (load<u32>(kCoreReadyFlag) == <u32>kCoreReadyMagic) return;
  initCrc32c();
  atomic.store<u32>(kCoreReadyFlag, <u32>kCoreReadyMagic);
}

/** End of this module's static data (AssemblyScript __heap_base); must be <= kCrcTablesAddress. */
export function heapBase(): usize {
  return __heap_base;
}

/** CRC-32C of memory[ptr, ptr + len), unsigned (returned as i32 bits; JS applies >>> 0). */
export function crc32c(ptr: usize, len: usize): u32 {
  checkRange(ptr, len);
  return crc32cRaw(ptr, len);
}
